using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Http;
using ScimFunctions.IntegrationTests.KeyVault;
using ScimFunctions.IntegrationTests.Tokens;
using ScimFunctions.LocalHost;

namespace ScimFunctions.IntegrationTests.Foundation;

/// <summary>The unauthenticated health route: storage and (when configured) Key Vault reachability, and nothing
/// else — no tenant, account, endpoint or exception text. (The Functions app's tests compare its answer with the
/// local host's.)</summary>
[Collection(AzuriteCollection.Name)]
public sealed class HealthTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Healthy_storage_answers_200_without_authentication()
    {
        await using var host = await ScimHost.StartAsync(azurite);
        await host.CreateTenantAsync("health-tenant");
        using var client = new HttpClient { BaseAddress = host.Origin };

        var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("""{"status":"Healthy","checks":{"storage":"Healthy"}}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Other_methods_are_405()
    {
        await using var host = await ScimHost.StartAsync(azurite);
        using var client = new HttpClient { BaseAddress = host.Origin };

        var response = await client.PostAsync("/health", null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET"], response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Unreachable_storage_answers_503_and_reveals_nothing()
    {
        // Azurite's account on a port nobody listens on. Built directly: the test host waits for its tables.
        var port = Azurite.FreePort();
        var connection = azurite.ConnectionString.Replace($":{azurite.Azurite.Port}/", $":{port}/", StringComparison.Ordinal);
        await using var app = LocalScimHost.Build([], new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0", ["Storage:ConnectionString"] = connection, ["Logging:LogLevel:Default"] = "None",
        });
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };

        var response = await client.GetAsync("/health");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("""{"status":"Unhealthy","checks":{"storage":"Unhealthy"}}""", body);
        await app.StopAsync();
    }

    [Fact]
    public async Task Key_vault_is_checked_when_configured_and_a_report_is_reused_briefly()
    {
        var vault = await KeyVaultStandIn.StartAsync();
        var clock = new ManualTimeProvider();
        var services = new ServiceCollection().AddLogging();
        services.AddScim(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = "h" + Guid.NewGuid().ToString("N")[..10],
            ["KeyVault:Uri"] = vault.VaultUri.ToString(),
        }).Build());
        // The real SecretClient, pointed at the stand-in (its certificate and credential); the test's clock.
        services.AddSingleton(vault.CreateClient());
        services.AddSingleton<TimeProvider>(clock);
        await using var provider = services.BuildServiceProvider();
        var health = provider.GetRequiredService<ScimHealth>();

        var healthy = await GetAsync(health, provider);
        Assert.Equal((200, """{"status":"Healthy","checks":{"storage":"Healthy","keyVault":"Healthy"}}"""), healthy);
        var probes = vault.Requests.Count(r => r.PathAndQuery.StartsWith("/secrets/scim-health-probe", StringComparison.Ordinal));
        Assert.True(probes > 0, "Key Vault was not asked");

        await vault.DisposeAsync();
        Assert.Equal(healthy, await GetAsync(health, provider));
        Assert.Equal(probes, vault.Requests.Count(r => r.PathAndQuery.StartsWith("/secrets/scim-health-probe", StringComparison.Ordinal)));

        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal((503, """{"status":"Unhealthy","checks":{"storage":"Healthy","keyVault":"Unhealthy"}}"""), await GetAsync(health, provider));
    }

    static async Task<(int Status, string Body)> GetAsync(ScimHealth health, IServiceProvider services)
    {
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Method = "GET";
        var body = new MemoryStream();
        http.Response.Body = body;
        await (await health.Get(http)).ExecuteAsync(http);
        var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
        Assert.NotNull(JsonNode.Parse(text));
        return (http.Response.StatusCode, text);
    }
}
