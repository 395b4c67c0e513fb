using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Administration.Portal;
using ScimFunctions.Keys;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Administration;

/// <summary>
/// Every admin operation, one service per area. Register with <see cref="AdminServiceCollectionExtensions.AddScimAdministration"/>
/// on top of AddScimStorage.
/// </summary>
public sealed class AdminCore(TenantAdmin tenants, TokenAdmin tokens, ReviewAdmin review, AuditAdmin audit, ResourceStore resources, ScimTables tables,
    ActivationAdmin activation, SchemaAdmin schemas, PortalLinks portal, BrakeAdmin brake,
    CountAdmin counts, EventsAdmin events)
{
    /// <summary>The deprovisioning brake: what it holds, release, discard.</summary>
    public BrakeAdmin Brake => brake;

    public TenantAdmin Tenants => tenants;

    /// <summary>Users and groups by state (live, pending, awaiting activation, kept disabled), cached briefly per tenant.</summary>
    public CountAdmin Counts => counts;

    /// <summary>Push receivers of provisioning events: subscribe, list with delivery state, unsubscribe.</summary>
    public EventsAdmin Events => events;

    /// <summary>Manual user activation: users awaiting an admin, activating one or all.</summary>
    public ActivationAdmin Activation => activation;

    /// <summary>Schema and role declarations (custom attributes, undeclared-extension mode, /Roles).</summary>
    public SchemaAdmin Schemas => schemas;
    public TokenAdmin Tokens => tokens;
    public ReviewAdmin Review => review;
    public AuditAdmin Audit => audit;

    /// <summary>The self-service page's signed links: create, list, revoke; the signing key's rotation.</summary>
    public PortalLinks Portal => portal;

    /// <summary>Pre-creating the application's existing users (plan, then apply).</summary>
    public UserImport Import { get; } = new(resources);

    /// <summary>Creates the tables if missing: the first storage call, so an unreachable account fails here, readably.</summary>
    public Task EnsureStorageAsync() => StorageGuard.RunAsync(() => tables.EnsureCreatedAsync());
}

public static class AdminServiceCollectionExtensions
{
    public static IServiceCollection AddScimAdministration(this IServiceCollection services) => services
        .AddSingleton<TenantAdmin>()
        .AddSingleton<TokenAdmin>()
        .AddSingleton<ReviewAdmin>()
        .AddSingleton<AuditAdmin>()
        .AddSingleton<ActivationAdmin>()
        .AddSingleton<SchemaAdmin>()
        .AddSingleton(new PortalLinkOptions())
        // The page's signing keys: their ring beside the token hashes (Key Vault, or the tokens table locally).
        .AddSingleton(sp => new PortalLinks(sp.GetRequiredService<KeyStores>().For(KeyRing.PortalLinks), sp.GetRequiredService<ScimTables>(),
            sp.GetRequiredService<TenantStore>(), sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<PortalLinkOptions>()))
        .AddSingleton<BrakeAdmin>()
        .AddSingleton<CountAdmin>()
        .AddSingleton<EventsAdmin>()
        .AddSingleton<AdminCore>();
}
