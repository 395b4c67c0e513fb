using ScimFunctions.LocalHost;

namespace ScimFunctions.IntegrationTests;

/// <summary>One in-memory Azurite on a free port for the whole test run, stopped at the end.
/// Each test class uses its own tenants, so tests never see each other's data.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    Azurite? _azurite;

    public Azurite Azurite => _azurite ?? throw new InvalidOperationException("Azurite is not started.");

    public string ConnectionString => Azurite.ConnectionString;

    public async Task InitializeAsync() => _azurite = await Azurite.StartAsync();

    public async Task DisposeAsync()
    {
        if (_azurite is not null) await _azurite.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
