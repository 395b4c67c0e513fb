using Azure;
using Azure.Data.Tables;
using ScimFunctions.IntegrationTests.Reliability;

namespace ScimFunctions.IntegrationTests.Groups;

/// <summary>A user's requests cost the same whatever its number of groups: the user row keeps its groups with their
/// names (<see cref="UserGroups"/>), so <c>groups</c> costs no request; past the bound its memberof rows, which carry
/// the names too, answer (one range query); a rename reaches both, even when it was interrupted; an applied write
/// answers its success even when the <c>groups</c> of a user past the bound cannot be read.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class UserGroupCostTests(AzuriteFixture azurite, ITestOutputHelper output)
    : GroupTestBase(azurite, new StorageFaultOptions { Rate = 0 }) // only the faults a test schedules
{
    const int SdkAttempts = 4;

    TableClient Table => Service<ScimTables>().Resources;

    Task<ConsistencyReport> CheckAsync() => new ConsistencyChecker(Table).CheckAsync(Client.Tenant, CancellationToken.None);

    [Fact]
    public async Task Get_filter_and_patch_of_a_user_in_1_10_or_100_groups_cost_the_same()
    {
        var groups = new List<string>();
        for (var i = 0; i < 100; i++) groups.Add((await CreateGroupAsync($"Team {i:D3}")).Id());
        var costs = new List<int[]>();
        foreach (var count in new[] { 1, 10, 100 })
        {
            var userName = $"in{count}@example.com";
            var user = (await Client.CreateUserAsync(userName)).Id();
            foreach (var group in groups.Take(count)) await PatchNoContentAsync(group, Op("Add", "members", Refs(user)));

            var get = await Client.GetAsync($"Users/{user}");
            var query = await Client.GetAsync("Users?filter=" + Filter($"userName eq \"{userName}\""));
            var patch = await Client.PatchAsync($"Users/{user}", Patch(Op("Replace", "title", $"In {count}")));
            var shown = (await patch.ReadJsonAsync()).GetArray("groups");
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
            Assert.Equal(groups.Take(count).Order(StringComparer.Ordinal), shown.Select(g => g!.GetString("value")));
            Assert.Equal(Enumerable.Range(0, count).Select(i => $"Team {i:D3}"), shown.Select(g => g!.GetString("display")).Order(StringComparer.Ordinal));
            Assert.Equal(count, (await query.ReadJsonAsync()).GetArray("Resources")[0]!.GetArray("groups").Count);
            costs.Add([StorageRequests(get), StorageRequests(query), StorageRequests(patch)]);
            output.WriteLine($"user in {count} groups: GET {costs[^1][0]}, filter userName eq (hit) {costs[^1][1]}, PATCH {costs[^1][2]} storage requests");
        }
        // GET: the row (it keeps the groups). Filter hit: the claim row, then the row. PATCH: the row, one transaction.
        Assert.All(costs, c => Assert.Equal([1, 2, 2], c));
        Assert.Empty((await CheckAsync()).Findings);
    }

    [Fact]
    public async Task A_user_in_more_groups_than_its_row_keeps_reads_them_from_its_memberof_rows()
    {
        // 50 groups of 600-character names: past UserGroups.MaxLength at the 46th.
        var groups = new List<string>();
        for (var i = 0; i < 50; i++) groups.Add((await CreateGroupAsync($"{i:D2} " + new string('x', 597))).Id());
        var user = (await Client.CreateUserAsync("many@example.com")).Id();
        foreach (var group in groups) await PatchNoContentAsync(group, Op("Add", "members", Refs(user)));

        Assert.Equal("", (await UserRowAsync(user)).GetString(RowProperties.Groups));
        var get = await Client.GetAsync($"Users/{user}");
        Assert.Equal(groups.Order(StringComparer.Ordinal), (await get.ReadJsonAsync()).GetArray("groups").Select(g => g!.GetString("value")));
        Assert.Equal(1 + 1, StorageRequests(get)); // the row, the memberof range query

        // Leaving groups does not bring the copy back (the row cannot tell it is under the bound again without the
        // range query); the memberof rows stay right, and so does the consistency check.
        await PatchNoContentAsync(groups[0], Op("Remove", "members", Refs(user)));
        Assert.Equal(49, (await Client.GetJsonAsync($"Users/{user}")).GetArray("groups").Count);
        Assert.Equal("", (await UserRowAsync(user)).GetString(RowProperties.Groups));
        Assert.Empty((await CheckAsync()).Findings);
    }

    [Fact]
    public async Task A_rename_reaches_every_members_groups_and_an_interrupted_one_is_finished_by_the_next_write()
    {
        var users = await CreateUsersAsync(3);
        var group = (await CreateGroupAsync("Before", users[0], users[1])).Id();

        await PatchNoContentAsync(group, Op("Replace", "displayName", "After"));
        foreach (var user in users.Take(2)) Assert.Equal("After", await ShownNameAsync(user, group));
        Assert.NotEqual(true, (await GroupRowAsync(group)).GetBoolean(RowProperties.RenamePending));
        Assert.Empty((await CheckAsync()).Findings);

        // The pass over the members fails after the rename committed: the rename is applied and answered as such.
        Faults.Schedule(StorageFault.Error503, SdkAttempts, IsMemberRange);
        await PatchNoContentAsync(group, Op("Replace", "displayName", "Renamed again"));
        Assert.Equal("Renamed again", (await Client.GetJsonAsync($"Groups/{group}?excludedAttributes=members")).GetString("displayName"));
        Assert.True((await GroupRowAsync(group)).GetBoolean(RowProperties.RenamePending));
        Assert.Equal("After", await ShownNameAsync(users[0], group));
        Assert.Empty((await CheckAsync()).Findings); // a rename in progress is not a finding

        // The group's next write (Entra's next member add) finishes it; the new member gets the new name at once.
        await PatchNoContentAsync(group, Op("Add", "members", Refs(users[2])));
        foreach (var user in users) Assert.Equal("Renamed again", await ShownNameAsync(user, group));
        Assert.False((await GroupRowAsync(group)).GetBoolean(RowProperties.RenamePending));
        Assert.Empty((await CheckAsync()).Findings);

        // A memberof row whose name disagrees with its group outside a rename is a finding.
        await Table.UpdateEntityAsync(new TableEntity(Client.Tenant, RowKeys.MemberOf(users[1], group)) { [RowProperties.Display] = "Stale" }, ETag.All, TableUpdateMode.Merge);
        var finding = Assert.Single((await CheckAsync()).Findings);
        Assert.Equal((FindingKind.StaleGroupName, RowKeys.MemberOf(users[1], group)), (finding.Kind, finding.RowKey));
    }

    [Fact]
    public async Task An_applied_user_write_answers_success_when_its_groups_cannot_be_read()
    {
        var user = (await Client.CreateUserAsync("busy@example.com")).Id();
        var group = (await CreateGroupAsync("Busy", user)).Id();
        // As a user past the bound (see above): its row does not keep its groups.
        await Table.UpdateEntityAsync(new TableEntity(Client.Tenant, RowKeys.User(user)) { [RowProperties.Groups] = "" }, ETag.All, TableUpdateMode.Merge);

        Faults.Schedule(StorageFault.Error503, SdkAttempts, IsMemberOfRange);
        var patch = await Client.PatchAsync($"Users/{user}", Patch(Op("Replace", "title", "Applied")));
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.False((await patch.ReadJsonAsync()).ContainsKey("groups"));

        // A read that cannot read them is a 503 (nothing was applied; the client may retry), and then shows them.
        Faults.Schedule(StorageFault.Error503, SdkAttempts, IsMemberOfRange);
        await Client.GetAsync($"Users/{user}").AssertScimErrorAsync(503);
        var json = await Client.GetJsonAsync($"Users/{user}");
        Assert.Equal("Applied", json.GetString("title"));
        Assert.Equal(group, Assert.Single(json.GetArray("groups"))!.GetString("value"));
    }

    StorageFaultInjector Faults => Host.Faults;

    static bool IsMemberRange(Azure.Core.Request request) => Uri.UnescapeDataString(request.Uri.Query).Contains("'member|", StringComparison.Ordinal);

    static bool IsMemberOfRange(Azure.Core.Request request) => Uri.UnescapeDataString(request.Uri.Query).Contains("'memberof|", StringComparison.Ordinal);

    async Task<string> ShownNameAsync(string user, string group) =>
        (await Client.GetJsonAsync($"Users/{user}")).GetArray("groups").Single(g => g!.GetString("value") == group)!.GetString("display");

    async Task<TableEntity> UserRowAsync(string user) => (await Table.GetEntityAsync<TableEntity>(Client.Tenant, RowKeys.User(user))).Value;

    async Task<TableEntity> GroupRowAsync(string group) => (await Table.GetEntityAsync<TableEntity>(Client.Tenant, RowKeys.Group(group))).Value;
}
