using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.LocalHost;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.LoadDriver;

/// <summary>What the cycle runs against: a given SCIM base URL and token, or the local host started
/// in-process (Kestrel on 127.0.0.1, a free port) over a new in-memory Azurite, as the benchmarks and
/// integration tests start it.</summary>
public sealed class Target : IAsyncDisposable
{
    Azurite? _azurite;
    WebApplication? _app;

    public required string BaseUrl { get; init; }
    public required string Token { get; init; }
    public required string Description { get; init; }
    /// <summary>The storage behind the target, when known: the floor runs against it.</summary>
    public string? ConnectionString { get; init; }
    public string? TableName { get; init; }
    /// <summary>The in-process host's services (null for an external target).</summary>
    public IServiceProvider? Services => _app?.Services;

    public static Target External(DriverOptions o) => new()
    {
        BaseUrl = o.Url!, Token = o.Token!, Description = $"{o.Url} (external)",
        ConnectionString = o.ConnectionString, TableName = o.ConnectionString is null ? null : (o.TablePrefix ?? "scim") + "resources",
    };

    public static async Task<Target> StartLocalAsync(DriverOptions o)
    {
        var tenant = TenantId.Parse("load");
        var azurite = await Azurite.StartAsync();
        var app = LocalScimHost.Build([], new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = o.TablePrefix ?? "load",
            // One console line per request would put console I/O into every timing (the Functions app logs to
            // Application Insights, batched in the background).
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await app.StartAsync();
        var origin = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        await app.Services.GetRequiredService<ScimTables>().EnsureCreatedAsync();
        await app.Services.GetRequiredService<TenantStore>().CreateAsync(tenant, CancellationToken.None);
        var token = (await app.Services.GetRequiredService<TokenService>().IssueAsync(tenant, null, null, CancellationToken.None)).Token;
        return new Target
        {
            _azurite = azurite,
            _app = app,
            BaseUrl = ScimRoutes.TenantUrl(origin.ToString(), tenant),
            Token = token,
            Description = $"local host in-process on {origin}, in-memory Azurite {AzuriteVersion()} on 127.0.0.1:{azurite.Port} (Node.js, separate process)",
            ConnectionString = azurite.ConnectionString,
            TableName = (o.TablePrefix ?? "load") + "resources",
        };
    }

    public HttpClient CreateClient(int concurrency)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(BaseUrl.TrimEnd('/') + "/"),
            Timeout = TimeSpan.FromSeconds(120),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return http;
    }

    public static string AzuriteVersion()
    {
        var package = Path.Combine(RepositoryRoot.Find(), "node_modules", "azurite", "package.json");
        return File.Exists(package) ? System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(package))?["version"]?.GetValue<string>() ?? "?" : "?";
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (_azurite is not null) await _azurite.DisposeAsync();
    }
}
