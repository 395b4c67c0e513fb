using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.LocalHost;

/// <summary>A tenant ready for a SCIM client: its base URL (the "Tenant URL") and a fresh bearer token.</summary>
public sealed record TenantAccess(TenantId Tenant, string BaseUrl, string Token);

/// <summary>
/// The local host started and ready: built by <see cref="LocalScimHost"/>, listening, its address read back
/// (a port of 0 becomes the real one), its tables created. The one way `dotnet run`, the integration tests,
/// the load driver and the benchmark start a host and give it tenants.
/// </summary>
public sealed class LocalScimHarness : IAsyncDisposable
{
    readonly Azurite? _ownedAzurite;

    LocalScimHarness(WebApplication app, string address, Azurite? ownedAzurite)
    {
        App = app;
        Address = address.TrimEnd('/');
        _ownedAzurite = ownedAzurite;
    }

    public WebApplication App { get; }
    public IServiceProvider Services => App.Services;
    /// <summary>The address Kestrel listens on, e.g. http://127.0.0.1:41234 (no trailing slash).</summary>
    public string Address { get; }
    public Uri Origin => new(Address);

    /// <summary>Settings for a host inside another process (tests, load driver, benchmark): a free port on
    /// 127.0.0.1, warnings only, since one console line per request would put console I/O into every timing, and
    /// event receivers on private addresses allowed, since their receivers listen on 127.0.0.1.</summary>
    public static Dictionary<string, string?> InProcessSettings(string connectionString, string tablePrefix) => new()
    {
        ["Urls"] = "http://127.0.0.1:0",
        ["Storage:ConnectionString"] = connectionString,
        ["Storage:TablePrefix"] = tablePrefix,
        ["Logging:LogLevel:Default"] = "Warning",
        [ScimFunctions.Events.ReceiverAddressPolicy.AllowPrivateSetting] = "true",
    };

    /// <param name="ownedAzurite">Azurite started for this host alone: stopped with it, also when the start fails.</param>
    /// <param name="logs">An extra logger provider, added before the host starts.</param>
    /// <param name="services">Extra registrations after the app's own (see <see cref="LocalScimHost.Build"/>).</param>
    public static async Task<LocalScimHarness> StartAsync(IDictionary<string, string?> settings, string[]? args = null,
        Azurite? ownedAzurite = null, ILoggerProvider? logs = null, Action<IServiceCollection>? services = null)
    {
        WebApplication? app = null;
        try
        {
            app = LocalScimHost.Build(args ?? [], settings, services);
            if (logs is not null) app.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            // Created here rather than left to the warm-up, so the first request and direct table access find them.
            await app.Services.GetRequiredService<ScimTables>().EnsureCreatedAsync();
            return new LocalScimHarness(app, address, ownedAzurite);
        }
        catch
        {
            if (app is not null) await app.DisposeAsync();
            if (ownedAzurite is not null) await ownedAzurite.DisposeAsync();
            throw;
        }
    }

    /// <summary>The tenant's SCIM base URL on this host.</summary>
    public string TenantUrl(TenantId tenant) => ScimRoutes.TenantUrl(Address, tenant);

    /// <summary>Creates the tenant (if new) and issues it a token, through the same services the admin CLI uses.
    /// Only a hash is kept, so each call issues a new token and the previous one stops working.</summary>
    public async Task<TenantAccess> CreateTenantAsync(TenantId tenant, CancellationToken ct = default)
    {
        await Services.GetRequiredService<TenantStore>().CreateAsync(tenant, ct);
        var issued = await Services.GetRequiredService<TokenService>().IssueAsync(tenant, lifetime: null, overlap: null, ct);
        return new TenantAccess(tenant, TenantUrl(tenant), issued.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        finally
        {
            if (_ownedAzurite is not null) await _ownedAzurite.DisposeAsync();
        }
    }
}
