namespace ScimFunctions.IntegrationTests.Groups;

/// <summary>Large groups: complete listings, and storage cost that does not grow with the group.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LargeGroupTests(AzuriteFixture azurite, ITestOutputHelper output) : GroupTestBase(azurite)
{
    /// <summary>Entra's pattern at scale: a group of 20,000 members built by PATCHes of 100, listed in full;
    /// then the storage cost of member changes and reads, equal for a group of 10 and the group of 20,000.</summary>
    [Fact]
    public async Task Group_of_20000_members_built_by_patches_of_100_costs_the_same_as_a_group_of_10()
    {
        const int Size = 20_000;
        var users = await SeedUsersAsync(Size + 12);
        var small = (await CreateGroupAsync("Small", users.Take(10).ToList())).Id();
        var big = (await CreateGroupAsync("All staff")).Id();
        var bigMembers = users.Skip(10).Take(Size).ToList();
        foreach (var batch in bigMembers.Chunk(100)) await PatchNoContentAsync(big, Op("Add", "members", Refs(batch)));

        Assert.Equal(bigMembers, await MemberIdsAsync(big));
        Assert.Equal(Size, (await RowKeysAsync($"member|{big}|")).Count);

        // Entra re-sends a batch of existing members: nothing changes.
        var version = (await Client.GetAsync($"Groups/{big}?excludedAttributes=members")).Headers.ETag!.ToString();
        var resent = await PatchAsync(big, Op("Add", "members", Refs(bigMembers.Take(100))));
        Assert.Equal(HttpStatusCode.NoContent, resent.StatusCode);
        Assert.Equal(version, resent.Headers.ETag!.ToString());

        async Task<(int Small, int Big)> CostAsync(string name, Func<string, string, Task<HttpResponseMessage>> request, string smallUser, string bigUser)
        {
            var s = await request(small, smallUser);
            var b = await request(big, bigUser);
            Assert.True(s.IsSuccessStatusCode && b.IsSuccessStatusCode, $"{name}: {(int)s.StatusCode} {(int)b.StatusCode}");
            output.WriteLine($"{name}: {StorageRequests(s)} storage requests (10 members), {StorageRequests(b)} (20,000 members)");
            return (StorageRequests(s), StorageRequests(b));
        }

        var get = await CostAsync("GET excludedAttributes=members", (g, _) => Client.GetAsync($"Groups/{g}?excludedAttributes=members"), "", "");
        var (newSmall, newBig) = (users[Size + 10], users[Size + 11]);
        var add = await CostAsync("PATCH add one member", (g, u) => PatchAsync(g, Op("add", "members", Refs(u))), newSmall, newBig);
        var readd = await CostAsync("PATCH re-add one member", (g, u) => PatchAsync(g, Op("add", "members", Refs(u))), newSmall, newBig);
        var remove = await CostAsync("PATCH remove one member", (g, u) => PatchAsync(g, Op("remove", $"members[value eq \"{u}\"]")), newSmall, newBig);
        var check = await CostAsync("GET reference check", (g, u) => Client.GetAsync($"Groups?filter={Filter($"id eq \"{g}\" and members eq \"{u}\"")}&attributes=id"),
            users[1], bigMembers[5000]);

        Assert.Equal(get.Small, get.Big);
        Assert.Equal(add.Small, add.Big);
        Assert.Equal(readd.Small, readd.Big);
        Assert.Equal(remove.Small, remove.Big);
        Assert.Equal(check.Small, check.Big);
        // Adding one member: read the group, read the user's row (its groups and version), one transaction (the
        // member-row insert, the user row's groups conditional on that version, the audit row). Removing: the same.
        // Re-adding: the user's row shows the membership, so nothing is written but the audit entry recording the
        // no-op. An add then reads the group's name once more (a rename in between reaches the new membership).
        Assert.Equal(get.Small + 3, add.Small);
        Assert.Equal(get.Small + 2, remove.Small);
        Assert.Equal(get.Small + 2, readd.Small);
        Assert.Equal(get.Small + 1, check.Small);
        Assert.Equal(bigMembers, await MemberIdsAsync(big));
    }
}
