using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.IntegrationTests.Paging;

/// <summary>Two local hosts over one Azurite and the same tables: two instances of one deployment, for paging that
/// starts on one and continues on the other.</summary>
public abstract class TwoHostsTestBase(AzuriteFixture azurite) : IAsyncLifetime
{
    ScimHost? _first;
    ScimHost? _second;

    protected AzuriteFixture Azurite => azurite;
    protected string TablePrefix { get; } = "p" + Guid.NewGuid().ToString("N")[..10];
    protected ScimHost First => _first ?? throw new InvalidOperationException("The hosts are not started.");
    protected ScimHost Second => _second ?? throw new InvalidOperationException("The hosts are not started.");

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?> { ["Storage:TablePrefix"] = TablePrefix };
        _first = await ScimHost.StartAsync(azurite, settings);
        _second = await ScimHost.StartAsync(azurite, settings);
    }

    public async Task DisposeAsync()
    {
        if (_first is not null) await _first.DisposeAsync();
        if (_second is not null) await _second.DisposeAsync();
    }

    /// <summary>The storage requests the response says it cost.</summary>
    protected static int Cost(HttpResponseMessage response) =>
        int.Parse(response.Headers.GetValues("X-Storage-Requests").Single(), CultureInfo.InvariantCulture);

    /// <summary>Users <c>user{i}@example.com</c>, written straight to the store (no audit entry each, no HTTP).</summary>
    protected static async Task SeedAsync(ScimHost host, TenantClient tenant, int count)
    {
        var store = host.Services.GetRequiredService<ResourceStore>();
        var seeding = new WriteContext("seed-" + Guid.NewGuid().ToString("N")[..8], "SEED Users", "test");
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var document = new JsonObject { ["userName"] = $"user{i}@example.com" };
            await store.CreateAsync(tenant.Tenant, ResourceKind.User, document, seeding, ct);
        });
    }
}
