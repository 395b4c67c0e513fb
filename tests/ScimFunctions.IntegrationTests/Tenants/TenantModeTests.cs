using Azure.Data.Tables;
using ScimFunctions.Admin;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.IntegrationTests.Tenants;

/// <summary>Deprovisioning modes and dry-run, as the application sees them in the resource rows.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TenantModeTests(AzuriteFixture azurite) : HostTestBase(azurite)
{
    TableClient Table => Service<ScimTables>().Resources;

    async Task<TableEntity?> RowAsync(string tenant, string userId) =>
        await Table.GetEntityIfExistsAsync<TableEntity>(tenant, RowKeys.User(userId)) is { HasValue: true } row ? row.Value : null;

    [Fact]
    public async Task Delete_mode_removes_the_user_row()
    {
        var tenant = await Host.TenantWithAsync(DeprovisionMode.Delete, OperationMode.Sync);
        var id = (await tenant.CreateUserAsync("gone@example.com")).Id();
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.DeleteAsync($"Users/{id}")).StatusCode);
        Assert.Null(await RowAsync(tenant.Tenant, id));
    }

    [Fact]
    public async Task Disable_mode_keeps_the_user_disabled_and_hidden_from_scim()
    {
        var tenant = await Host.TenantWithAsync(DeprovisionMode.Disable, OperationMode.Sync);
        var id = (await tenant.CreateUserAsync("kept@example.com", new JsonObject { ["externalId"] = "ext-kept" })).Id();
        var group = await tenant.PostAsync("Groups", new JsonObject
        {
            ["displayName"] = "Keepers",
            ["members"] = new JsonArray(new JsonObject { ["value"] = id }),
        }).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.DeleteAsync($"Users/{id}")).StatusCode);

        // Gone for SCIM: get, filters, lists, a second delete.
        await tenant.GetAsync($"Users/{id}").AssertScimErrorAsync(404);
        foreach (var filter in new[] { "userName eq \"kept@example.com\"", "externalId eq \"ext-kept\"", "active eq false" })
            Assert.Equal(0, await tenant.TotalResultsAsync("Users?filter=" + Uri.EscapeDataString(filter)));
        await tenant.DeleteAsync($"Users/{id}").AssertScimErrorAsync(404);
        await tenant.PatchAsync($"Users/{id}", new JsonObject
        {
            ["Operations"] = new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "active", ["value"] = true }),
        }).AssertScimErrorAsync(404);
        // Its memberships are gone too.
        var members = await tenant.GetJsonAsync($"Groups/{group["id"]}");
        Assert.Null(members["members"]);

        // Still there for the application: disabled and marked deleted.
        var row = await RowAsync(tenant.Tenant, id);
        Assert.NotNull(row);
        Assert.True(row.GetBoolean(RowProperties.Deleted));
        Assert.Contains("\"active\":false", row.GetString("Doc"));

        // The identity provider may create the same userName again: a new user.
        var again = await tenant.CreateUserAsync("kept@example.com");
        Assert.NotEqual(id, again.Id());
    }

    [Fact]
    public async Task Dry_run_stores_pending_resources_until_the_tenant_switches_to_sync()
    {
        var tenant = await Host.TenantWithAsync(DeprovisionMode.Delete, OperationMode.DryRun);
        var id = (await tenant.CreateUserAsync("pending@example.com")).Id();
        var groupId = (await tenant.PostJsonAsync("Groups", new JsonObject { ["displayName"] = "Pending group" })).Id();

        // SCIM sees them (so Entra does not create them twice); the rows say pending, also after an update.
        Assert.Equal(HttpStatusCode.OK, (await tenant.GetAsync($"Users/{id}")).StatusCode);
        await tenant.PatchAsync($"Users/{id}", new JsonObject
        {
            ["Operations"] = new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "title", ["value"] = "Tester" }),
        });
        Assert.True((await RowAsync(tenant.Tenant, id))!.GetBoolean(RowProperties.Pending));
        Assert.True((await Table.GetEntityAsync<TableEntity>(tenant.Tenant, RowKeys.Group(groupId))).Value.GetBoolean(RowProperties.Pending));

        // Switching to sync with the admin CLI makes them live.
        var output = new StringWriter();
        var exit = await AdminCli.RunAsync(["tenant", "settings", tenant.Tenant, "--mode", "Sync", "--json", .. StorageArgs], output, new StringWriter());
        Assert.Equal(0, exit);
        Assert.Equal(2, JsonNode.Parse(output.ToString())!.GetInt32("promoted"));
        Assert.False((await RowAsync(tenant.Tenant, id))!.GetBoolean(RowProperties.Pending));
        Assert.False((await Table.GetEntityAsync<TableEntity>(tenant.Tenant, RowKeys.Group(groupId))).Value.GetBoolean(RowProperties.Pending));
    }
}
