namespace ScimFunctions.IntegrationTests.Groups;

/// <summary>Member writes read the users' rows first, which keep their groups (MembershipStore.EditAsync): the cases
/// where a request names members that are already there, or users that are not members.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class MemberWriteTests(AzuriteFixture azurite) : GroupTestBase(azurite)
{
    [Fact]
    public async Task A_batch_of_new_and_existing_members_adds_the_new_ones_once()
    {
        var users = await SeedUsersAsync(8);
        var id = (await CreateGroupAsync("Mixed", users.Take(5).ToList())).Id();
        var get = StorageRequests(await Client.GetAsync($"Groups/{id}?excludedAttributes=members"));
        var before = (await Client.GetAsync($"Groups/{id}?excludedAttributes=members")).Headers.ETag!.ToString();

        // Users 3 and 4 are members; 5, 6 and 7 are not.
        var response = await PatchAsync(id, Op("Add", "members", Refs(users.Skip(3))));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.NotEqual(before, response.Headers.ETag!.ToString());
        Assert.Equal(users, await MemberIdsAsync(id));
        Assert.Equal(8, (await RowKeysAsync($"member|{id}|")).Count);
        Assert.Equal(8, (await RowKeysAsync("memberof|")).Count);
        // The group read, one read of each of the 5 users' rows (3 and 4 say they are members), the transaction of the 3
        // new members, the group's name read again (MembershipStore.CheckNamesAsync).
        Assert.Equal(get + 5 + 1 + 1, StorageRequests(response));
    }

    [Fact]
    public async Task Concurrent_patches_adding_the_same_members_all_succeed_and_write_each_member_once()
    {
        var users = await SeedUsersAsync(60);
        var id = (await CreateGroupAsync("Race")).Id();

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PatchAsync(id, Op("Add", "members", Refs(users)))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.NoContent, r.StatusCode));
        Assert.Equal(users, await MemberIdsAsync(id));
        Assert.Equal(60, (await RowKeysAsync("memberof|")).Count);
    }

    [Fact]
    public async Task Removing_members_and_non_members_removes_the_members()
    {
        var users = await SeedUsersAsync(6);
        var id = (await CreateGroupAsync("Leavers", users.Take(3).ToList())).Id();

        var response = await PatchAsync(id, Op("Remove", "members", Refs(users[1], users[4])));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal([users[0], users[2]], await MemberIdsAsync(id));
        Assert.Equal(2, (await RowKeysAsync("memberof|")).Count);
    }
}
