using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ScimFunctions.Events;
using ScimFunctions.Keys;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Feed;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the tables, stores, token service and maintenance job from configuration (see
    /// <see cref="AppSettings"/>): what the HTTP layer builds on, and all the admin CLI needs.</summary>
    public static IServiceCollection AddScimStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(configuration.GetSection("Storage").Get<StorageOptions>() ?? new StorageOptions());
        services.AddSingleton(new TokenOptions { CacheWindow = TimeSpan.FromSeconds(configuration.GetValue("Tokens:CacheSeconds", 60)) });
        services.AddSingleton(new AuditOptions { Retention = TimeSpan.FromDays(configuration.GetValue("Audit:RetentionDays", 90)) });
        services.AddSingleton(new FeedOptions { Retention = TimeSpan.FromDays(configuration.GetValue("Feed:RetentionDays", 30)) });
        services.AddSingleton<StorageRequestCounter>();
        services.AddSingleton<ScimTables>();
        services.AddSingleton<ResourceStore>();
        services.AddSingleton<MembershipStore>();
        services.AddSingleton<UserGroupsBackfill>();
        services.AddSingleton<ScanBookmarkStore>();
        services.AddSingleton<TenantStore>();
        services.AddSingleton<TenantSchemaService>();
        services.AddSingleton<DeprovisionBrake>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<FeedRows>();
        // Key Vault in Azure; without one (local development) the hashes go to a table beside the resources.
        if (configuration["KeyVault:Uri"] is { Length: > 0 } vaultUri)
        {
            services.AddSingleton(new SecretClient(new Uri(vaultUri), new DefaultAzureCredential()));
            services.AddSingleton<ITokenStore, KeyVaultTokenStore>();
        }
        else
        {
            services.AddSingleton<ITokenStore, TableTokenStore>();
        }
        // The service's own keys (events signing, ...): in the same Key Vault as the token hashes, or beside them in the tokens table.
        services.AddSingleton(sp => new KeyStores(sp.GetRequiredService<ScimTables>().Tokens, sp.GetService<SecretClient>()));
        services.AddSingleton<SharedFailureCount>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<MaintenanceJob>();
        // Provisioning events (RFC 9967 SETs): receivers and delivery state in the resource table.
        services.AddScimEvents(configuration, sp => sp.GetRequiredService<ScimTables>().Resources);
        return services;
    }
}
