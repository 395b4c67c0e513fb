using Azure;
using Azure.Data.Tables;

namespace ScimFunctions.IntegrationTests.Groups;

/// <summary>The user row's NoGroups flag: a user never added to a group is created, read, patched, listed
/// and deleted without any query of memberof rows; the first membership clears the flag in its own
/// transaction; rows written before the flag existed are read as "may have groups".</summary>
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
    public async Task The_first_membership_clears_the_flag_and_groups_are_shown_from_then_on()
    {
        var users = await SeedUsersAsync(2);
        var group = (await CreateGroupAsync("Engineering")).Id();
        await PatchNoContentAsync(group, Op("Add", "members", Refs(users[0])));

        var member = await Client.GetAsync($"Users/{users[0]}");
        var groups = (await member.ReadJsonAsync()).GetArray("groups");
        Assert.Equal(group, Assert.Single(groups)!.GetString("value"));
        Assert.Equal("Engineering", groups[0]!.GetString("display"));
        Assert.Equal(1 + 1, StorageRequests(member)); // the row, the memberof range query (the group's name is on its rows)

        // A PATCH of the member after its flag was cleared keeps it cleared (the replace carries no stale flag).
        Assert.Equal(HttpStatusCode.OK, (await Client.PatchAsync($"Users/{users[0]}", UserPatch("title", "Lead"))).StatusCode);
        await PatchNoContentAsync(group, Op("Remove", "members", Refs(users[0])));
        var former = await Client.GetAsync($"Users/{users[0]}");
        Assert.False((await former.ReadJsonAsync()).ContainsKey("groups"));
        Assert.Equal(2, StorageRequests(former)); // no longer flagged: the range query finds nothing

        Assert.Equal(1, StorageRequests(await Client.GetAsync($"Users/{users[1]}")));
    }

    [Fact]
    public async Task A_row_written_before_the_flag_existed_is_read_as_possibly_in_groups()
    {
        var users = await SeedUsersAsync(1);
        var group = (await CreateGroupAsync("Legacy")).Id();
        // What the earlier code left: a user row without the flag, and a membership written without clearing it.
        var table = Host.Services.GetRequiredService<ScimTables>().Resources;
        var row = (await table.GetEntityAsync<TableEntity>(Client.Tenant, RowKeys.User(users[0]))).Value;
        row.Remove(RowProperties.NoGroups);
        await table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace);
        await table.AddEntityAsync(new TableEntity(Client.Tenant, RowKeys.Member(group, users[0])) { ["Id"] = users[0] });
        await table.AddEntityAsync(new TableEntity(Client.Tenant, RowKeys.MemberOf(users[0], group)) { ["Id"] = group });

        var json = await Client.GetJsonAsync($"Users/{users[0]}");
        Assert.Equal(group, Assert.Single(json.GetArray("groups"))!.GetString("value"));
        // A memberof row without the group's name (written before names were kept there): read from the group.
        Assert.Equal("Legacy", json.GetArray("groups")[0]!.GetString("display"));
    }

    static JsonObject UserPatch(string path, string value) => Patch(Op("Replace", path, value));
}
