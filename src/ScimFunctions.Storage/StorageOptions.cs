using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Storage;

/// <summary>Where the tables are. In Azure: the table endpoint, reached with the managed identity.
/// Locally: a connection string (Azurite).</summary>
public sealed record StorageOptions
{
    public string? TableEndpoint { get; init; }
    public string? ConnectionString { get; init; }
    public string TablePrefix { get; init; } = "scim";

    /// <summary>Storage fault injection for reliability tests (Storage:Faults:Rate/Seed); off when absent.</summary>
    public StorageFaultOptions? Faults { get; init; }
}

/// <summary>The tables of one deployment, with the request counter in their pipeline.</summary>
public sealed class ScimTables
{
    public ScimTables(StorageOptions options, StorageRequestCounter counter, TokenCredential? credential = null)
    {
        var clientOptions = new TableClientOptions();
        clientOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        // After the counter, so injected faults count as the attempts they stand for.
        if (options.Faults is { } faults) clientOptions.AddPolicy(Faults = new StorageFaultInjector(faults), HttpPipelinePosition.PerRetry);
        // Short, bounded retries: a request must answer well within Entra's 60 s, and a storage hiccup
        // that outlasts them becomes a 503 with Retry-After.
        clientOptions.Retry.MaxRetries = 3;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(200);
        clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);

        TableServiceClient service;
        if (!string.IsNullOrEmpty(options.ConnectionString))
            service = new TableServiceClient(options.ConnectionString, clientOptions);
        else if (!string.IsNullOrEmpty(options.TableEndpoint))
            service = new TableServiceClient(new Uri(options.TableEndpoint), credential ?? new DefaultAzureCredential(), clientOptions);
        else
            throw new InvalidOperationException("Configure Storage:TableEndpoint (Azure) or Storage:ConnectionString (Azurite).");

        Counter = counter;
        Resources = service.GetTableClient(options.TablePrefix + "resources");
        Tokens = service.GetTableClient(options.TablePrefix + "tokens");
    }

    public StorageRequestCounter Counter { get; }

    /// <summary>The fault injector, when configured (tests read its counts).</summary>
    public StorageFaultInjector? Faults { get; }

    /// <summary>Users, groups, index and membership rows, tenant settings: partition = tenant.</summary>
    public TableClient Resources { get; }

    /// <summary>Token hashes when no Key Vault is configured.</summary>
    public TableClient Tokens { get; }

    Task? _created;

    /// <summary>Creates the tables once per process (the first request pays one round trip per table);
    /// a failure is forgotten so the next request tries again.</summary>
    public Task EnsureCreatedAsync()
    {
        var task = _created ??= CreateAsync();
        if (task.IsFaulted) _created = null;
        return task;
    }

    async Task CreateAsync()
    {
        await Resources.CreateIfNotExistsAsync();
        await Tokens.CreateIfNotExistsAsync();
    }
}
