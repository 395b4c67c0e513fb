using ScimFunctions.Admin;
using ScimFunctions.Storage.Audit;

namespace ScimFunctions.IntegrationTests.Audit;

[Collection(AzuriteCollection.Name)]
public sealed class AuditLogTests(AzuriteFixture azurite) : HostTestBase(azurite)
{
    async Task<List<AuditEntry>> EntriesAsync(TenantId tenant, string? resourceId = null)
    {
        var list = new List<AuditEntry>();
        await foreach (var e in Service<AuditLog>().QueryAsync(tenant, DateTimeOffset.UtcNow.AddHours(-1),
            DateTimeOffset.UtcNow.AddMinutes(1), resourceId, null, CancellationToken.None))
            list.Add(e);
        return list;
    }

    [Fact]
    public async Task Every_write_is_audited_with_its_outcome_and_reads_are_not()
    {
        var tenant = await Host.CreateTenantAsync();
        var create = await tenant.SendAsync(HttpMethod.Post, "Users", new JsonObject { ["userName"] = "audited@example.com" },
            configure: r => r.Headers.Add("ADSCIMVersion", "2.0"));
        var id = (await create.ReadJsonAsync()).Id();
        await tenant.PostAsync("Users", new JsonObject { ["userName"] = "audited@example.com" }); // 409
        await tenant.PatchAsync($"Users/{id}", new JsonObject
        {
            ["Operations"] = new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "title", ["value"] = "Audited" }),
        });
        var group = await tenant.PostJsonAsync("Groups", new JsonObject { ["displayName"] = "Audited" });
        await tenant.PatchAsync($"Groups/{group["id"]}", new JsonObject
        {
            ["Operations"] = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "members", ["value"] = new JsonArray(new JsonObject { ["value"] = id }) }),
        });
        await tenant.GetAsync($"Users/{id}");
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.DeleteAsync($"Users/{id}")).StatusCode);

        var entries = await EntriesAsync(tenant.Tenant);
        // Newest first; the delete wrote two transactions (memberships, then the user), each audited.
        Assert.Equal(["DELETE User", "DELETE User", "PATCH Group", "POST Groups", "PATCH User", "POST Users", "POST Users"],
            entries.Select(e => e.Operation));
        var userCreate = entries.Single(e => e.Operation == "POST Users" && e.Outcome == "applied");
        Assert.Equal(id, userCreate.ResourceId);
        Assert.Equal("User", userCreate.ResourceType);
        Assert.Equal("entra/2.0", userCreate.Client);
        Assert.Contains(entries, e => e.Operation == "POST Users" && e.Outcome == "409");
        Assert.Contains(entries, e => e.Operation == "PATCH Group" && e.ResourceType == "Membership" && e.Outcome == "applied");
        Assert.Contains(entries, e => e.Operation == "DELETE User" && e.Outcome == "applied");
        Assert.DoesNotContain(entries, e => e.Operation.StartsWith("GET", StringComparison.Ordinal));
        Assert.True(entries.Zip(entries.Skip(1)).All(p => p.First.Time >= p.Second.Time), "newest first");
        Assert.Equal(entries.Count(e => e.ResourceId == id), (await EntriesAsync(tenant.Tenant, id)).Count);
    }

    [Fact]
    public async Task Cli_reads_the_log_and_maintenance_purges_past_retention()
    {
        var tenant = await Host.CreateTenantAsync();
        await tenant.CreateUserAsync("cli-audit@example.com");
        var output = new StringWriter();
        Assert.Equal(0, await AdminCli.RunAsync(["audit", tenant.Tenant, "--json", .. StorageArgs], output, new StringWriter()));
        var rows = JsonNode.Parse(output.ToString())!.AsArray();
        Assert.Equal("POST Users", rows.Single()!.GetString("operation"));

        // Purge with a retention that has already passed for the entry.
        var purged = await Service<AuditLog>().PurgeAsync(tenant.Tenant, DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);
        Assert.Equal(1, purged);
        Assert.Empty(await EntriesAsync(tenant.Tenant));
    }
}
