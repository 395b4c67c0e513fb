namespace ScimFunctions.IntegrationTests.Reliability;

/// <summary>Two hosts over one set of tables: a clean one, and one whose storage pipeline fails a share of the
/// attempts. Tenants and tokens are made through the clean host; the faulty host reads them from the shared
/// tables, and end states are read back through the clean one, so comparisons see no faults.</summary>
public sealed class CleanAndFaultyHosts : IAsyncDisposable
{
    CleanAndFaultyHosts(ScimHost clean, ScimHost faulty)
    {
        Clean = clean;
        Faulty = faulty;
    }

    public ScimHost Clean { get; }
    public ScimHost Faulty { get; }

    public static async Task<CleanAndFaultyHosts> StartAsync(AzuriteFixture azurite, double rate, int seed)
    {
        var clean = await ScimHost.StartAsync(azurite);
        try
        {
            var faulty = await ScimHost.StartAsync(azurite, new Dictionary<string, string?>
            {
                ["Storage:TablePrefix"] = clean.Services.GetRequiredService<StorageOptions>().TablePrefix,
            }, faults: new StorageFaultOptions { Rate = rate, Seed = seed });
            return new CleanAndFaultyHosts(clean, faulty);
        }
        catch
        {
            await clean.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Faulty.DisposeAsync();
        await Clean.DisposeAsync();
    }
}
