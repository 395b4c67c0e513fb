using ScimFunctions.IntegrationTests.Reliability;

namespace ScimFunctions.IntegrationTests;

/// <summary>A test class with its own local host over the shared Azurite. xunit makes one instance per test,
/// so every test gets a fresh host; its tables carry <see cref="TablePrefix"/>, so the admin CLI and direct
/// table reads can reach the same data.</summary>
/// <param name="settings">Host settings over the in-process defaults (limits, caches).</param>
/// <param name="faults">Storage fault injection (<see cref="ScimHost.Faults"/>), for the tests that schedule faults.</param>
public abstract class HostTestBase(AzuriteFixture azurite, IReadOnlyDictionary<string, string?>? settings = null, StorageFaultOptions? faults = null)
    : IAsyncLifetime
{
    ScimHost? _host;

    protected AzuriteFixture Azurite => azurite;
    protected string TablePrefix { get; } = "t" + Guid.NewGuid().ToString("N")[..10];
    protected ScimHost Host => _host ?? throw new InvalidOperationException("The host is not started.");

    /// <summary>The admin CLI's options for this host's storage.</summary>
    protected string[] StorageArgs => ["--connection-string", azurite.ConnectionString, "--table-prefix", TablePrefix];

    protected T Service<T>() where T : notnull => Host.Services.GetRequiredService<T>();

    public virtual async Task InitializeAsync() =>
        _host = await ScimHost.StartAsync(azurite, new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Storage:TablePrefix"] = TablePrefix },
            faults: faults);

    public virtual async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}

/// <summary>A host with one tenant, created when the host has started.</summary>
public abstract class TenantTestBase(AzuriteFixture azurite, IReadOnlyDictionary<string, string?>? settings = null, StorageFaultOptions? faults = null)
    : HostTestBase(azurite, settings, faults)
{
    TenantClient? _client;

    protected TenantClient Client => _client ?? throw new InvalidOperationException("The tenant is not created.");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _client = await Host.CreateTenantAsync();
    }
}
