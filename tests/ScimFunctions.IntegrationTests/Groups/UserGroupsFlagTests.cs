using Azure;
using Azure.Data.Tables;

namespace ScimFunctions.IntegrationTests.Groups;

/// <summary>The user row's own copy of its groups (<see cref="RowProperties.Groups"/>): a user in no group is created,
/// read, patched, listed and deleted without any query of memberof rows; every membership change writes the copy in
/// its own transaction; rows written before the copy existed are read as "may have groups" (memberof rows), and those
/// flagged by the earlier NoGroups column as in no group.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class UserGroupsFlagTests(AzuriteFixture azurite) : GroupTestBase(azurite)
{
    [Fact]
    public async Task A_user_in_no_group_costs_the_layout_minimum_for_every_operation()
    {
        var created = await Client.PostAsync("Users", new JsonObject { ["userName"] = "solo@example.com", ["externalId"] = "solo" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadJsonAsync()).Id();
        var get = await Client.GetAsync($"Users/{id}");
        var query = await Client.GetAsync("Users?filter=" + Filter("userName eq \"solo@example.com\""));
        var patch = await Client.PatchAsync($"Users/{id}", UserPatch("title", "Engineer"));
        var delete = await Client.DeleteAsync($"Users/{id}");

        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.False((await get.ReadJsonAsync()).ContainsKey("groups"));
        // Create: one transaction. Read: the row. Query: the userName claim, the row. Patch: the row, one
        // transaction. Delete: the row, the deprovisioning brake's count (a read and a conditional write of its row), one
        // transaction (no memberof range query anywhere).
        Assert.Equal([1, 1, 2, 2, 2 + 2], new[] { created, get, query, patch, delete }.Select(StorageRequests));
    }

    [Fact]
    public async Task Memberships_are_kept_on_the_user_row_and_shown_from_it()
    {
        var users = await SeedUsersAsync(2);
        var group = (await CreateGroupAsync("Engineering")).Id();
        await PatchNoContentAsync(group, Op("Add", "members", Refs(users[0])));

        var member = await Client.GetAsync($"Users/{users[0]}");
        var groups = (await member.ReadJsonAsync()).GetArray("groups");
        Assert.Equal(group, Assert.Single(groups)!.GetString("value"));
        Assert.Equal("Engineering", groups[0]!.GetString("display"));
        Assert.Equal(1, StorageRequests(member)); // the row, which keeps the group and its name

        // A PATCH of the member carries its groups (the replace is conditional on the version that showed them).
        var patched = await Client.PatchAsync($"Users/{users[0]}", UserPatch("title", "Lead"));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(group, Assert.Single((await patched.ReadJsonAsync()).GetArray("groups"))!.GetString("value"));
        await PatchNoContentAsync(group, Op("Remove", "members", Refs(users[0])));
        var former = await Client.GetAsync($"Users/{users[0]}");
        Assert.False((await former.ReadJsonAsync()).ContainsKey("groups"));
        Assert.Equal(1, StorageRequests(former));

        Assert.Equal(1, StorageRequests(await Client.GetAsync($"Users/{users[1]}")));
    }

    [Fact]
    public async Task A_row_written_before_the_flag_existed_is_read_as_possibly_in_groups()
    {
        var users = await SeedUsersAsync(2);
        var group = (await CreateGroupAsync("Legacy")).Id();
        // What the earlier code left: a user row without the flag, and a membership written without clearing it.
        var table = Host.Services.GetRequiredService<ScimTables>().Resources;
        var row = (await table.GetEntityAsync<TableEntity>(Client.Tenant, RowKeys.User(users[0]))).Value;
        row.Remove(RowProperties.Groups);
        await table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace);
        await table.AddEntityAsync(new TableEntity(Client.Tenant, RowKeys.Member(group, users[0])) { ["Id"] = users[0] });
        await table.AddEntityAsync(new TableEntity(Client.Tenant, RowKeys.MemberOf(users[0], group)) { ["Id"] = group });

        var json = await Client.GetJsonAsync($"Users/{users[0]}");
        Assert.Equal(group, Assert.Single(json.GetArray("groups"))!.GetString("value"));
        // A memberof row without the group's name (written before names were kept there): read from the group.
        Assert.Equal("Legacy", json.GetArray("groups")[0]!.GetString("display"));

        // A row the earlier code flagged as in no group reads as such, and its first membership starts its copy.
        var flagged = (await table.GetEntityAsync<TableEntity>(Client.Tenant, RowKeys.User(users[1]))).Value;
        flagged.Remove(RowProperties.Groups);
        flagged[RowProperties.NoGroups] = true;
        await table.UpdateEntityAsync(flagged, ETag.All, TableUpdateMode.Replace);
        Assert.Equal(1, StorageRequests(await Client.GetAsync($"Users/{users[1]}")));
        await PatchNoContentAsync(group, Op("Add", "members", Refs(users[1])));
        var kept = await Client.GetAsync($"Users/{users[1]}");
        Assert.Equal(("Legacy", 1), (Assert.Single((await kept.ReadJsonAsync()).GetArray("groups"))!.GetString("display"), StorageRequests(kept)));
    }

    static JsonObject UserPatch(string path, string value) => Patch(Op("Replace", path, value));
}
