using System.Net.Http.Headers;
using ScimFunctions.Admin;

namespace ScimFunctions.IntegrationTests.Admin;

/// <summary>The admin CLI end to end against Azurite, and the tokens it issues used over HTTP.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AdminCliTests(AzuriteFixture azurite)
    : HostTestBase(azurite, new Dictionary<string, string?> { ["Tokens:CacheSeconds"] = "0" })
{
    async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AdminCli.RunAsync([.. args, .. StorageArgs, "--base-url", Host.Origin.ToString()], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    HttpClient ClientWith(string token) =>
        new() { BaseAddress = Host.Origin, DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };

    [Fact]
    public async Task Tenant_and_token_lifecycle()
    {
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..8];
        var created = await RunAsync("tenant", "create", tenant);
        Assert.Equal(0, created.Exit);
        Assert.Contains($"Tenant {tenant} created.", created.Out);
        Assert.Contains("already exists", (await RunAsync("tenant", "create", tenant)).Out);

        var issued = await RunAsync("token", "issue", tenant, "--expires-in-days", "30");
        Assert.Equal(0, issued.Exit);
        var lines = issued.Out.Split('\n', StringSplitOptions.TrimEntries);
        var tenantUrl = lines.Single(l => l.StartsWith("Tenant URL: ", StringComparison.Ordinal))["Tenant URL: ".Length..];
        var token = lines.Single(l => l.StartsWith("Secret Token: ", StringComparison.Ordinal))["Secret Token: ".Length..];
        Assert.Equal(new Uri(Host.Origin, $"/scim/v2/{tenant}").ToString(), tenantUrl);
        Assert.StartsWith("scimf_", token);

        var client = ClientWith(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{tenantUrl}/ServiceProviderConfig")).StatusCode);

        // The list shows metadata only: never the token or its hash.
        var list = await RunAsync("token", "list", tenant, "--json");
        Assert.Equal(0, list.Exit);
        Assert.DoesNotContain(token, list.Out);
        Assert.DoesNotContain(ScimFunctions.Storage.Tokens.TokenService.Hash(token), list.Out, StringComparison.OrdinalIgnoreCase);
        var rows = JsonNode.Parse(list.Out)!.AsArray();
        Assert.Equal("Active", rows.Single()!.GetString("state"));
        Assert.Equal(token[..12], rows.Single()!.GetString("prefix"));

        // Rotate without overlap: the old token stops working, the new one works.
        var rotated = JsonNode.Parse((await RunAsync("token", "rotate", tenant, "--overlap-minutes", "0", "--json")).Out)!;
        var newToken = rotated.GetString("secretToken");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"{tenantUrl}/Users")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ClientWith(newToken).GetAsync($"{tenantUrl}/Users")).StatusCode);

        // Revoke: nothing works.
        var revoked = await RunAsync("token", "revoke", tenant);
        Assert.Equal(0, revoked.Exit);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ClientWith(newToken).GetAsync($"{tenantUrl}/Users")).StatusCode);

        // Settings.
        var settings = await RunAsync("tenant", "settings", tenant, "--deprovision", "Disable", "--mode", "DryRun", "--json");
        Assert.Equal(0, settings.Exit);
        var shown = JsonNode.Parse((await RunAsync("tenant", "show", tenant, "--json")).Out)!;
        Assert.Equal("Disable", shown.GetString("deprovision"));
        Assert.Equal("DryRun", shown.GetString("mode"));
        Assert.Contains(tenant, (await RunAsync("tenant", "list")).Out);

        // Maintenance disables the superseded and revoked versions' records and reports counts.
        var maintenance = await RunAsync("maintenance", "run", "--json");
        Assert.Equal(0, maintenance.Exit);
        Assert.True(JsonNode.Parse(maintenance.Out)!.GetInt32("tenants") >= 1);
    }

    [Fact]
    public async Task Errors_have_non_zero_exit_codes()
    {
        var unknownTenant = await RunAsync("token", "issue", "no-such-tenant-x");
        Assert.Equal(1, unknownTenant.Exit);
        Assert.Contains("not found", unknownTenant.Err);
        Assert.Equal(2, (await RunAsync("token", "frobnicate")).Exit);
        Assert.Equal(2, (await RunAsync("tenant", "settings", "x", "--mode", "Sometimes")).Exit);
        var badTenant = await RunAsync("tenant", "create", "Bad_Tenant");
        Assert.Equal(1, badTenant.Exit);
        Assert.Contains("lowercase", badTenant.Err);
        var noStorage = await AdminCli.RunAsync(["tenant", "list"], new StringWriter(), new StringWriter());
        Assert.Equal(1, noStorage);
    }
}
