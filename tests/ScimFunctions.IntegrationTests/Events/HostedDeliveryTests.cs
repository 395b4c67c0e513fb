using System.Text.Json.Nodes;
using ScimFunctions.Admin;

namespace ScimFunctions.IntegrationTests.Events;

/// <summary>The feature as an operator and a receiver meet it: `scim-admin events subscribe` against the local host's
/// storage, the local host's own delivery service pushing SETs, the keys fetched from its JWKS URL, the state and
/// the other commands.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostedDeliveryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    readonly string _prefix = "evh" + Guid.NewGuid().ToString("N")[..8];
    ScimHost _host = null!;
    TestReceivers _receivers = null!;

    public async Task InitializeAsync()
    {
        _host = await ScimHost.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Storage:TablePrefix"] = _prefix,
            ["Events:Deliver"] = "true",
            ["Events:SettleSeconds"] = "0",
            ["Events:SweepSeconds"] = "0.2",
            ["Events:KeyCacheSeconds"] = "0",
        });
        _receivers = await TestReceivers.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receivers.DisposeAsync();
        await _host.DisposeAsync();
    }

    async Task<JsonNode> CliAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AdminCli.RunAsync([.. args, "--json", "--connection-string", azurite.ConnectionString, "--table-prefix", _prefix, "--base-url", _host.Origin.ToString()], output, error);
        Assert.True(exit == 0, $"exit {exit}: {error}");
        return JsonNode.Parse(output.ToString())!;
    }

    [Fact]
    public async Task Subscribe_prints_what_the_receiver_verifies_with_and_the_local_host_delivers()
    {
        var tenant = await _host.CreateTenantAsync();
        // The receivers listen on 127.0.0.1: the CLI's development switch accepts them (this host, as a test host, delivers there).
        var subscribed = await CliAsync("events", "subscribe", tenant.Tenant, "--url", _receivers.Url("cli").ToString(), "--audience", "https://app.example.test", "--allow-private-receivers");
        Assert.Equal(tenant.BaseUrl, subscribed["issuer"]!.GetValue<string>());
        var jwksUrl = subscribed["jwksUrl"]!.GetValue<string>();
        Assert.StartsWith(_host.Origin.ToString().TrimEnd('/'), jwksUrl, StringComparison.Ordinal);

        var user = await tenant.CreateUserAsync("pushed@contoso.test");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (_receivers["cli"].Received.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(50);

        using var http = new HttpClient();
        var jwksResponse = await http.GetAsync(jwksUrl);
        Assert.Equal("application/jwk-set+json", jwksResponse.Content.Headers.ContentType?.MediaType);
        var jwks = JsonNode.Parse(await jwksResponse.Content.ReadAsStringAsync())!.AsObject();
        var claims = await SetVerification.VerifyAsync(Assert.Single(_receivers["cli"].Received), jwks, tenant.BaseUrl, "https://app.example.test");
        Assert.Equal("/Users/" + user["id"]!.GetValue<string>(), claims["sub_id"]!["uri"]!.GetValue<string>());
        Assert.Equal("Bearer " + subscribed["bearer"]!.GetValue<string>(), Assert.Single(_receivers["cli"].Authorization));

        var status = Assert.Single((await CliAsync("events", "status", tenant.Tenant)).AsArray())!;
        Assert.Equal((0, 1L), (status["backlog"]!.GetValue<int>(), status["delivered"]!.GetValue<long>()));
        Assert.Equal(subscribed["id"]!.GetValue<string>(), Assert.Single((await CliAsync("events", "list", tenant.Tenant)).AsArray())!["id"]!.GetValue<string>());

        await CliAsync("events", "rotate-key");
        Assert.Equal(2, JsonNode.Parse(await http.GetStringAsync(jwksUrl))!["keys"]!.AsArray().Count);
        Assert.True((await CliAsync("events", "unsubscribe", tenant.Tenant, "--id", subscribed["id"]!.GetValue<string>()))["removed"]!.GetValue<bool>());
        Assert.Empty((await CliAsync("events", "list", tenant.Tenant)).AsArray());
    }

    [Fact]
    public async Task Subscribe_with_full_gets_full_events_from_the_local_host()
    {
        var tenant = await _host.CreateTenantAsync();
        var subscribed = await CliAsync("events", "subscribe", tenant.Tenant, "--url", _receivers.Url("cli-full").ToString(), "--full", "--allow-private-receivers");
        Assert.True(subscribed["full"]!.GetValue<bool>());
        Assert.True(Assert.Single((await CliAsync("events", "list", tenant.Tenant)).AsArray())!["full"]!.GetValue<bool>());

        var user = await tenant.CreateUserAsync("full@contoso.test");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (_receivers["cli-full"].Received.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(50);
        using var http = new HttpClient();
        var jwks = JsonNode.Parse(await http.GetStringAsync(subscribed["jwksUrl"]!.GetValue<string>()))!.AsObject();
        var claims = await SetVerification.VerifyAsync(Assert.Single(_receivers["cli-full"].Received), jwks, tenant.BaseUrl, subscribed["audience"]!.GetValue<string>());
        var data = claims["events"]![ScimFunctions.Events.ScimEventUris.CreateFull]!["data"]!;
        Assert.Equal((user["id"]!.GetValue<string>(), "full@contoso.test"), (data["id"]!.GetValue<string>(), data["userName"]!.GetValue<string>()));
    }

    [Fact]
    public async Task ServiceProviderConfig_advertises_the_issued_event_uris()
    {
        var tenant = await _host.CreateTenantAsync();
        var config = await (await tenant.GetAsync("ServiceProviderConfig")).ReadJsonAsync();
        Assert.Equal("none", config["securityEvents"]!["asyncRequest"]!.GetValue<string>());
        Assert.Equal(ScimFunctions.Events.ScimEventUris.Issued, config["securityEvents"]!["eventUris"]!.AsArray().Select(u => u!.GetValue<string>()));
        // Full events too, for receivers that ask for them.
        Assert.Contains(ScimFunctions.Events.ScimEventUris.PatchFull, config["securityEvents"]!["eventUris"]!.AsArray().Select(u => u!.GetValue<string>()));
    }
}
