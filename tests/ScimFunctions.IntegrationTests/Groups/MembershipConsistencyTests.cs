using Azure;
using ScimFunctions.Storage.Audit;

namespace ScimFunctions.IntegrationTests.Groups;

/// <summary>Membership rows stay consistent with users and groups: both directions, through deletes and concurrency.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class MembershipConsistencyTests(AzuriteFixture azurite) : GroupTestBase(azurite)
{
    [Fact]
    public async Task User_shows_its_groups()
    {
        var user = (await CreateUsersAsync(1))[0];
        var sales = (await CreateGroupAsync("Sales", user)).Id();
        var support = (await CreateGroupAsync("Support", user)).Id();

        var json = await Client.GetJsonAsync($"Users/{user}");
        Assert.Equal(new JsonArray(
            new JsonObject { ["value"] = sales, ["$ref"] = $"{Client.BaseUrl}/Groups/{sales}", ["display"] = "Sales", ["type"] = "direct" },
            new JsonObject { ["value"] = support, ["$ref"] = $"{Client.BaseUrl}/Groups/{support}", ["display"] = "Support", ["type"] = "direct" }).ToJsonString(),
            json["groups"]!.ToJsonString());

        // A rename shows at once (display names are read from the group rows).
        await PatchNoContentAsync(sales, Op("replace", "displayName", "Sales EMEA"));
        var renamed = await Client.GetJsonAsync($"Users/{user}?attributes=groups.display");
        Assert.Equal("Sales EMEA", renamed.GetArray("groups")[0]!.GetString("display"));
        Assert.Null((await Client.GetJsonAsync($"Users/{user}?excludedAttributes=groups"))["groups"]);
    }

    [Fact]
    public async Task User_delete_removes_its_memberships()
    {
        var users = await CreateUsersAsync(2);
        var groups = new List<string>();
        for (var i = 0; i < 3; i++) groups.Add((await CreateGroupAsync($"G{i}", users)).Id());
        var before = (await Client.GetAsync($"Groups/{groups[0]}")).Headers.ETag!.ToString();

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"Users/{users[0]}")).StatusCode);

        foreach (var group in groups) Assert.Equal([users[1]], await MemberIdsAsync(group));
        Assert.Empty(await RowKeysAsync($"memberof|{users[0]}|"));
        foreach (var group in groups) Assert.Empty(await RowKeysAsync($"member|{group}|{users[0]}"));
        // The groups' versions moved: their member lists changed.
        Assert.NotEqual(before, (await Client.GetAsync($"Groups/{groups[0]}")).Headers.ETag!.ToString());
        // Re-adding the deleted user is reported, not applied.
        var readd = await PatchAsync(groups[0], Op("add", "members", Refs(users[0])));
        Assert.Equal(users[0], readd.Headers.GetValues("X-Scim-Unapplied-Members").Single());
        Assert.Empty(await RowKeysAsync($"memberof|{users[0]}|"));
    }

    [Fact]
    public async Task Group_delete_removes_member_rows_in_both_directions()
    {
        var users = await CreateUsersAsync(60);
        var kept = (await CreateGroupAsync("Kept", users[0])).Id();
        var doomed = (await CreateGroupAsync("Doomed")).Id();
        await PatchNoContentAsync(doomed, Op("add", "members", Refs(users)));
        Assert.Equal(60, (await RowKeysAsync($"member|{doomed}|")).Count);

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"Groups/{doomed}")).StatusCode);

        Assert.Empty(await RowKeysAsync($"member|{doomed}|"));
        Assert.Empty(await RowKeysAsync($"group|{doomed}"));
        Assert.Empty(await RowKeysAsync("groupname|DOOMED"));
        foreach (var user in users.Take(5)) Assert.DoesNotContain(await RowKeysAsync($"memberof|{user}|"), k => k.EndsWith(doomed, StringComparison.Ordinal));
        Assert.Equal([$"memberof|{users[0]}|{kept}"], await RowKeysAsync($"memberof|{users[0]}|"));
        Assert.Single(await RowKeysAsync("memberof|"));
        await Client.DeleteAsync($"Groups/{doomed}").AssertScimErrorAsync(404);
        // The name is free again.
        await CreateGroupAsync("Doomed");
    }

    [Fact]
    public async Task Remove_all_members_deletes_rows_in_batches()
    {
        var users = await CreateUsersAsync(120);
        var id = (await CreateGroupAsync("Big", users)).Id();
        Assert.Equal(120, (await MemberIdsAsync(id)).Count);

        // remove with path "members" and no value: the RFC's clear.
        await PatchNoContentAsync(id, Op("remove", "members"));
        Assert.Empty(await MemberIdsAsync(id));
        Assert.Empty(await RowKeysAsync($"member|{id}|"));
        Assert.Empty(await RowKeysAsync("memberof|"));
    }

    [Fact]
    public async Task Concurrent_patches_adding_different_members_all_apply()
    {
        var users = await CreateUsersAsync(10);
        var id = (await CreateGroupAsync("Busy")).Id();

        var responses = await Task.WhenAll(users.Select(u => PatchAsync(id, Op("add", "members", Refs(u)))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.NoContent, r.StatusCode));
        Assert.Equal(users.Order(StringComparer.Ordinal), await MemberIdsAsync(id));
    }

    [Fact]
    public async Task Group_delete_racing_member_adds_leaves_no_rows()
    {
        var users = await CreateUsersAsync(30);
        var id = (await CreateGroupAsync("Racing", users.Take(20).ToList())).Id();

        var adds = users.Skip(20).Select(u => PatchAsync(id, Op("add", "members", Refs(u)))).ToList();
        var delete = Client.DeleteAsync($"Groups/{id}");
        await Task.WhenAll([.. adds, delete]);

        Assert.Equal(HttpStatusCode.NoContent, (await delete).StatusCode);
        // Each add either landed before the delete (and was cleaned up) or found the group gone.
        Assert.All(adds, a => Assert.Contains(a.Result.StatusCode, new[] { HttpStatusCode.NoContent, HttpStatusCode.NotFound }));
        Assert.Empty(await RowKeysAsync($"member|{id}|"));
        Assert.DoesNotContain(await RowKeysAsync("memberof|"), k => k.EndsWith(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task User_delete_racing_group_adds_leaves_no_rows()
    {
        var user = (await CreateUsersAsync(1))[0];
        var groups = new List<string>();
        for (var i = 0; i < 6; i++) groups.Add((await CreateGroupAsync($"R{i}", i < 3 ? [user] : [])).Id());

        var adds = groups.Skip(3).Select(g => PatchAsync(g, Op("add", "members", Refs(user)))).ToList();
        var delete = Client.DeleteAsync($"Users/{user}");
        await Task.WhenAll([.. adds, delete]);

        Assert.Equal(HttpStatusCode.NoContent, (await delete).StatusCode);
        Assert.Empty(await RowKeysAsync($"memberof|{user}|"));
        Assert.DoesNotContain(await RowKeysAsync("member|"), k => k.EndsWith(user, StringComparison.Ordinal));
        await Client.GetAsync($"Users/{user}").AssertScimErrorAsync(404);
    }

    [Fact]
    public async Task Store_writes_nothing_for_a_missing_group_and_cleanups_are_idempotent()
    {
        var store = Host.Services.GetRequiredService<MembershipStore>();
        var user = (await CreateUsersAsync(1))[0];
        var missing = Guid.CreateVersion7().ToString("D");

        var write = new WriteContext("test-" + Guid.NewGuid().ToString("N")[..8], "PATCH Group", "test");
        // The store's outcome, which the pipeline answers with a 404.
        var error = await Assert.ThrowsAsync<ResourceNotFoundException>(() => store.EditAsync(Client.Tenant, missing, [user], [], ETag.All, write, CancellationToken.None));
        Assert.Equal((ResourceKind.Group, missing), (error.Kind, error.Id));
        Assert.Empty(await RowKeysAsync($"memberof|{user}|"));
        Assert.Empty(await RowKeysAsync($"member|{missing}|"));

        // A retried (or repeated) cleanup finds nothing left and succeeds.
        var id = (await CreateGroupAsync("Twice", user)).Id();
        var member = (await Host.Services.GetRequiredService<ResourceStore>().GetAsync(Client.Tenant, ResourceKind.User, user, CancellationToken.None))!;
        await store.RemoveUserFromAllGroupsAsync(Client.Tenant, member, write, CancellationToken.None);
        await store.RemoveUserFromAllGroupsAsync(Client.Tenant, member, write, CancellationToken.None);
        await store.RemoveAllMembersAsync(Client.Tenant, id, write, CancellationToken.None);
        Assert.Empty(await RowKeysAsync("member"));
        Assert.Empty(await MemberIdsAsync(id));
    }

    [Fact]
    public async Task Concurrent_creates_of_one_name_give_one_group()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Client.PostAsync("Groups", new JsonObject { ["displayName"] = i % 2 == 0 ? "Finance" : "FINANCE" })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var conflict in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            var error = await conflict.AssertScimErrorAsync(409, "uniqueness");
            Assert.Equal("A group with this displayName already exists.", error.GetString("detail"));
        }
        Assert.Equal(1, await Client.TotalResultsAsync($"Groups?filter={Filter("displayName eq \"finance\"")}"));
    }
}
