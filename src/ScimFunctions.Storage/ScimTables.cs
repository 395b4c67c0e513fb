using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Storage;

/// <summary>The tables of one deployment, with the request counter (and any <see cref="StoragePipelinePolicy"/>)
/// in their pipeline.</summary>
public sealed class ScimTables
{
    public ScimTables(StorageOptions options, StorageRequestCounter counter, IEnumerable<StoragePipelinePolicy>? policies = null, TokenCredential? credential = null)
    {
        var clientOptions = new TableClientOptions();
        clientOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        foreach (var extra in policies ?? []) clientOptions.AddPolicy(extra.Policy, HttpPipelinePosition.PerRetry);
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
