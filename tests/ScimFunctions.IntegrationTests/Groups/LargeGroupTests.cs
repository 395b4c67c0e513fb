using System.Net;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace ScimFunctions.IntegrationTests.Groups;

/// <summary>Large groups: complete listings, and storage cost that does not grow with the group.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LargeGroupTests(AzuriteFixture azurite, ITestOutputHelper output) : GroupTestBase(azurite)
{
    [Fact]
    public async Task Group_of_2000_members_built_by_patches_of_100_lists_fully()
    {
        var users = await CreateUsersAsync(2000);
        var id = (await CreateGroupAsync("All staff"))["id"]!.GetValue<string>();

        foreach (var batch in users.Chunk(100)) await PatchNoContentAsync(id, Op("Add", "members", Refs(batch)));

        var expected = users.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, await MemberIdsAsync(id));
        var list = await (await Client.GetAsync($"Groups?filter={Filter($"id eq \"{id}\"")}")).ReadJsonAsync();
        Assert.Equal(expected, list["Resources"]![0]!["members"]!.AsArray().Select(m => m!["value"]!.GetValue<string>()));
        Assert.Equal(2000, (await RowKeysAsync("memberof|")).Count);

        // Entra re-sends a batch of existing members: nothing changes.
        var version = (await Client.GetAsync($"Groups/{id}?excludedAttributes=members")).Headers.ETag!.ToString();
        var readd = await PatchAsync(id, Op("Add", "members", Refs(users.Take(100))));
        Assert.Equal(HttpStatusCode.NoContent, readd.StatusCode);
        Assert.Equal(version, readd.Headers.ETag!.ToString());
    }

    [Fact]
    public async Task Member_changes_and_reads_cost_the_same_for_10_and_1000_members()
    {
        var users = await CreateUsersAsync(1012);
        var small = (await CreateGroupAsync("Small", users.Take(10).ToList()))["id"]!.GetValue<string>();
        var big = (await CreateGroupAsync("Big", users.Skip(10).Take(1000).ToList()))["id"]!.GetValue<string>();
        Assert.Equal(1000, (await RowKeysAsync($"member|{big}|")).Count);

        async Task<(int Small, int Big)> CostAsync(string name, Func<string, string, Task<HttpResponseMessage>> request, string smallUser, string bigUser)
        {
            var s = await request(small, smallUser);
            var b = await request(big, bigUser);
            Assert.True(s.IsSuccessStatusCode && b.IsSuccessStatusCode, $"{name}: {(int)s.StatusCode} {(int)b.StatusCode}");
            output.WriteLine($"{name}: {StorageRequests(s)} storage requests (10 members), {StorageRequests(b)} (1000 members)");
            return (StorageRequests(s), StorageRequests(b));
        }

        var get = await CostAsync("GET excludedAttributes=members", (g, _) => Client.GetAsync($"Groups/{g}?excludedAttributes=members"), "", "");
        var add = await CostAsync("PATCH add one member", (g, u) => PatchAsync(g, Op("add", "members", Refs(u))), users[1010], users[1011]);
        var readd = await CostAsync("PATCH re-add one member", (g, u) => PatchAsync(g, Op("add", "members", Refs(u))), users[1010], users[1011]);
        var remove = await CostAsync("PATCH remove one member", (g, u) => PatchAsync(g, Op("remove", $"members[value eq \"{u}\"]")), users[0], users[500]);
        var check = await CostAsync("GET reference check", (g, u) => Client.GetAsync($"Groups?filter={Filter($"id eq \"{g}\" and members eq \"{u}\"")}&attributes=id"),
            users[1], users[501]);

        Assert.Equal(get.Small, get.Big);
        Assert.Equal(add.Small, add.Big);
        Assert.Equal(readd.Small, readd.Big);
        Assert.Equal(remove.Small, remove.Big);
        Assert.Equal(check.Small, check.Big);
        // Adding one member: read the group, read the member row, one transaction (whose user Merge is the
        // user's existence check; the audit row rides in it). Removing: the same. Re-adding: no membership
        // transaction, only the audit entry recording the no-op.
        Assert.Equal(get.Small + 2, add.Small);
        Assert.Equal(get.Small + 2, remove.Small);
        Assert.Equal(get.Small + 2, readd.Small);
        Assert.Equal(get.Small + 1, check.Small);
        Assert.Equal(1000, (await MemberIdsAsync(big)).Count);
    }
}
