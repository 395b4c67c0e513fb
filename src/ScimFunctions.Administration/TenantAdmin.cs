using ScimFunctions.Protocol;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Administration;

/// <summary>A change to a tenant's settings; null leaves a setting as it is.</summary>
public sealed record SettingsChange(DeprovisionMode? Deprovision = null, OperationMode? Mode = null, ProvisioningState? Provisioning = null);

/// <summary>The settings after a change, those before, and how many pending users and groups leaving dry-run made live.</summary>
public sealed record SettingsChanged(TenantSettings Settings, TenantSettings Previous, int Promoted);

/// <summary>Tenants and their settings. A saved change applies to every SCIM write that starts afterwards, on
/// every instance (writes read the settings row fresh), and to reads within the settings cache window (30 s).</summary>
public sealed class TenantAdmin(TenantStore tenants, ResourceStore resources, AuditLog audit)
{
    /// <summary>Creates the tenant; false if it already exists.</summary>
    public Task<bool> CreateAsync(TenantId tenant, AdminCaller caller, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        var created = await tenants.CreateAsync(tenant, ct);
        if (created) await audit.RecordAppliedAsync(tenant, caller.Write("CREATE Tenant"), "Tenant", tenant.Value, ct);
        return created;
    });

    public Task<IReadOnlyList<TenantSettings>> ListAsync(CancellationToken ct) => StorageGuard.RunAsync(() => tenants.ListAsync(ct));

    public Task<TenantSettings> GetAsync(TenantId tenant, CancellationToken ct) => StorageGuard.RunAsync(async () =>
        await tenants.GetAsync(tenant, ct) ?? throw AdminException.TenantNotFound(tenant));

    public Task<SettingsChanged> ChangeSettingsAsync(TenantId tenant, SettingsChange change, AdminCaller caller, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        var current = await GetAsync(tenant, ct);
        var settings = current with
        {
            Deprovision = change.Deprovision ?? current.Deprovision,
            Mode = change.Mode ?? current.Mode,
            Provisioning = change.Provisioning ?? current.Provisioning,
        };
        await tenants.UpdateAsync(settings, ct);
        await audit.RecordAppliedAsync(tenant, caller.Write("SET Settings"), "Settings",
            $"Deprovision={settings.Deprovision};Mode={settings.Mode};Provisioning={settings.Provisioning}", ct);
        // Leaving dry-run makes everything provisioned meanwhile live.
        var promoted = current.Mode == OperationMode.DryRun && settings.Mode == OperationMode.Sync
            ? await resources.PromotePendingAsync(tenant, ct)
            : 0;
        return new SettingsChanged(settings, current, promoted);
    });
}
