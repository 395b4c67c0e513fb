using System.Net.Http.Headers;
using ScimFunctions.LocalHost;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.LoadDriver;

/// <summary>What the cycle runs against: a given SCIM base URL and token, or the local host started
/// in-process (Kestrel on 127.0.0.1, a free port) over a new in-memory Azurite, as the benchmarks and
/// integration tests start it.</summary>
public sealed class Target : IAsyncDisposable
{
    /// <summary>The tenant the driver creates on the local host.</summary>
    public static readonly TenantId Tenant = TenantId.Parse("load");

    LocalScimHarness? _host;
    readonly List<LocalScimHarness> _more = [];

    public required string BaseUrl { get; init; }
    /// <summary>More base URLs of the same tenant on other instances: requests go to each in turn.</summary>
    public IReadOnlyList<string> AlsoUrls { get; private set; } = [];
    public required string Token { get; init; }
    public required string Description { get; init; }
    /// <summary>The storage behind the target, when known: the floor runs against it.</summary>
    public string? ConnectionString { get; init; }
    public string? TableName { get; init; }
    /// <summary>The in-process host's services (null for an external target).</summary>
    public IServiceProvider? Services => _host?.Services;

    public static Target External(DriverOptions o) => new()
    {
        BaseUrl = o.Url!, AlsoUrls = o.AlsoUrls, Token = o.Token!, Description = $"{string.Join(", ", [o.Url, .. o.AlsoUrls])} (external)",
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
        // The driver measures the write paths: its incremental cycle deprovisions 3% of the users, past the
        // deprovisioning brake's default, which would hold most of them (the brake has its own tests).
        var store = host.Services.GetRequiredService<TenantStore>();
        await store.UpdateAsync((await store.GetAsync(Tenant, CancellationToken.None))! with { BrakeThreshold = 0 }, CancellationToken.None);
        var target = new Target
        {
            _host = host,
            BaseUrl = tenant.BaseUrl,
            Token = tenant.Token,
            Description = $"local host in-process on {host.Address}{(o.Hosts > 1 ? $" and {o.Hosts - 1} more over the same tables" : "")}, "
                + $"in-memory Azurite {Azurite.InstalledVersion()} on 127.0.0.1:{azurite.Port} (Node.js, separate process)",
            ConnectionString = azurite.ConnectionString,
            TableName = prefix + "resources",
        };
        // The other instances: the same settings and tables, their own process state (caches, limiters).
        for (var i = 1; i < o.Hosts; i++) target._more.Add(await LocalScimHarness.StartAsync(LocalScimHarness.InProcessSettings(azurite.ConnectionString, prefix)));
        target.AlsoUrls = [.. target._more.Select(h => h.TenantUrl(Tenant))];
        return target;
    }

    public HttpClient CreateClient(int concurrency)
    {
        HttpMessageHandler handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        if (AlsoUrls.Count > 0) handler = new SpreadingHandler([new Uri(BaseUrl), .. AlsoUrls.Select(u => new Uri(u))], handler);
        var http = new HttpClient(handler)
        {
            BaseAddress = new Uri(BaseUrl.TrimEnd('/') + "/"),
            Timeout = TimeSpan.FromSeconds(120),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var more in _more) await more.DisposeAsync();
        if (_host is not null) await _host.DisposeAsync();
    }
}
