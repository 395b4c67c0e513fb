using ScimFunctions.Admin;
using ScimFunctions.Storage.Audit;

namespace ScimFunctions.IntegrationTests.Tenants;

/// <summary>The deprovisioning brake end to end: an Entra-like mass deactivation and deletion past the tenant's
/// threshold is answered as applied, held without touching the users, shown and audited, then released or
/// discarded with the admin CLI; nothing is lost either way.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DeprovisionBrakeTests(AzuriteFixture azurite) : TenantTestBase(azurite)
{
    async Task<(int Exit, string Out, string Err)> CliAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AdminCli.RunAsync([.. args, .. StorageArgs], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task A_mass_deprovisioning_past_the_threshold_is_held_until_the_admin_releases_or_discards_it()
    {
        Assert.Equal(0, (await CliAsync("tenant", "settings", Client.Tenant.Value, "--brake", "5", "--brake-window", "60")).Exit);
        var users = new List<string>();
        for (var i = 0; i < 12; i++) users.Add((await Client.CreateUserAsync($"leaver{i:D2}@contoso.test")).Id());
        var group = (await Client.PostJsonAsync("Groups", new JsonObject { ["displayName"] = "Leavers", ["members"] = Refs(users[10], users[11]) })).Id();

        // Entra's cycle after a scoping mistake: deactivations, then deletes. Every request succeeds.
        foreach (var user in users.Take(8))
            Assert.Equal(HttpStatusCode.OK, (await Client.PatchAsync($"Users/{user}", Patch(Op("Replace", "active", false)))).StatusCode);
        foreach (var user in users.Skip(8))
            Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"Users/{user}")).StatusCode);

        // The first 5 applied; the other 7 left as they were, seen so by SCIM clients and the application alike.
        foreach (var (user, i) in users.Select((u, i) => (u, i)))
        {
            var json = await Client.GetJsonAsync($"Users/{user}");
            Assert.Equal(i >= 5, json["active"]!.GetValue<bool>());
        }
        Assert.Equal(2, (await Client.GetJsonAsync($"Groups/{group}"))["members"]!.AsArray().Count);

        var listed = await CliAsync("held", "list", Client.Tenant.Value);
        Assert.Equal(0, listed.Exit);
        Assert.Contains("Brake engaged", listed.Out);
        foreach (var user in users.Skip(5)) Assert.Contains(user, listed.Out);
        Assert.Equal(3, CountOf(listed.Out, " Disable "));
        Assert.Equal(4, CountOf(listed.Out, " Delete "));
        var audited = await Service<AuditLog>().QueryAsync(Client.Tenant, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1), null, "held", default).ToListAsync();
        Assert.Equal(users.Skip(5).Order(), audited.Select(e => e.ResourceId).Order());

        // Entra re-sends a held deletion on its next cycle: still held, once.
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"Users/{users[11]}")).StatusCode);
        Assert.Equal(7, CountOf((await CliAsync("held", "list", Client.Tenant.Value)).Out, "leaver"));

        // The admin keeps one user (discard) and applies the rest (release).
        Assert.Equal(0, (await CliAsync("held", "discard", Client.Tenant.Value, "--user", users[5])).Exit);
        Assert.Equal(1, (await CliAsync("held", "release", Client.Tenant.Value, "--user", Guid.CreateVersion7().ToString())).Exit);
        var released = await CliAsync("held", "release", Client.Tenant.Value, "--all");
        Assert.Equal(0, released.Exit);
        Assert.Contains("6 held deprovisioning(s) applied. Nothing is held; the brake is disengaged.", released.Out);

        Assert.True((await Client.GetJsonAsync($"Users/{users[5]}"))["active"]!.GetValue<bool>());
        foreach (var user in users.Skip(6).Take(2)) Assert.False((await Client.GetJsonAsync($"Users/{user}"))["active"]!.GetValue<bool>());
        foreach (var user in users.Skip(8)) await Client.GetAsync($"Users/{user}").AssertScimErrorAsync(404);
        Assert.False((await Client.GetJsonAsync($"Groups/{group}")).ContainsKey("members"));
        Assert.Empty((await new ConsistencyChecker(Service<ScimTables>().Resources).CheckAsync(Client.Tenant, default)).Findings);

        // Disengaged with a fresh window: the next deprovisioning applies at once.
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"Users/{users[5]}")).StatusCode);
        await Client.GetAsync($"Users/{users[5]}").AssertScimErrorAsync(404);
        Assert.Contains("Brake not engaged (1 deprovisionings", (await CliAsync("held", "list", Client.Tenant.Value)).Out);
    }

    static int CountOf(string text, string value) => (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;
}
