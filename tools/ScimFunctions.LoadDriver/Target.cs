using System.Net.Http.Headers;
using ScimFunctions.LocalHost;
using ScimFunctions.Protocol;

namespace ScimFunctions.LoadDriver;

/// <summary>What the cycle runs against: a given SCIM base URL and token, or the local host started
/// in-process (Kestrel on 127.0.0.1, a free port) over a new in-memory Azurite, as the benchmarks and
/// integration tests start it.</summary>
public sealed class Target : IAsyncDisposable
{
    /// <summary>The tenant the driver creates on the local host.</summary>
    public static readonly TenantId Tenant = TenantId.Parse("load");

    LocalScimHarness? _host;

    public required string BaseUrl { get; init; }
    public required string Token { get; init; }
    public required string Description { get; init; }
    /// <summary>The storage behind the target, when known: the floor runs against it.</summary>
    public string? ConnectionString { get; init; }
    public string? TableName { get; init; }
    /// <summary>The in-process host's services (null for an external target).</summary>
    public IServiceProvider? Services => _host?.Services;

    public static Target External(DriverOptions o) => new()
    {
        BaseUrl = o.Url!, Token = o.Token!, Description = $"{o.Url} (external)",
        ConnectionString = o.ConnectionString, TableName = o.ConnectionString is null ? null : (o.TablePrefix ?? "scim") + "resources",
    };

    public static async Task<Target> StartLocalAsync(DriverOptions o)
    {
        var prefix = o.TablePrefix ?? "load";
        var azurite = await Azurite.StartAsync();
        // Event delivery as the quick start runs it, so the report's delivery latency is the local host's.
        var settings = LocalScimHarness.InProcessSettings(azurite.ConnectionString, prefix);
        foreach (var (key, value) in LocalScimHost.QuickStartEvents) settings[key] = value;
        var host = await LocalScimHarness.StartAsync(settings, ownedAzurite: azurite);
        var tenant = await host.CreateTenantAsync(Tenant);
        return new Target
        {
            _host = host,
            BaseUrl = tenant.BaseUrl,
            Token = tenant.Token,
            Description = $"local host in-process on {host.Address}, in-memory Azurite {Azurite.InstalledVersion()} on 127.0.0.1:{azurite.Port} (Node.js, separate process)",
            ConnectionString = azurite.ConnectionString,
            TableName = prefix + "resources",
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

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}
