using ScimFunctions.Contract;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Administration;

/// <summary>A change to a tenant's settings; null leaves a setting as it is.</summary>
/// <param name="BrakeThreshold">Deprovisionings per window past which the brake holds them; 0 turns it off.</param>
public sealed record SettingsChange(DeprovisionMode? Deprovision = null, OperationMode? Mode = null, ProvisioningState? Provisioning = null,
    UserActivation? Activation = null, GroupProvisioningState? GroupProvisioning = null, int? BrakeThreshold = null, int? BrakeWindowMinutes = null);

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
            Activation = change.Activation ?? current.Activation,
            GroupProvisioning = change.GroupProvisioning ?? current.GroupProvisioning,
            BrakeThreshold = change.BrakeThreshold ?? current.BrakeThreshold,
            BrakeWindowMinutes = change.BrakeWindowMinutes ?? current.BrakeWindowMinutes,
        };
        if (settings.BrakeThreshold < 0 || settings.BrakeWindowMinutes < 1 || settings.BrakeWindowMinutes > TenantSettings.MaxBrakeWindowMinutes)
            throw AdminException.Invalid($"the brake's threshold is 0 (off) or more, its window 1 to {TenantSettings.MaxBrakeWindowMinutes} minutes.");
        var write = caller.Write("SET Settings");
        await tenants.UpdateAsync(settings, ct, write.RequestId);
        await audit.RecordAppliedAsync(tenant, write, "Settings",
            $"Deprovision={settings.Deprovision};Mode={settings.Mode};Provisioning={settings.Provisioning};Activation={settings.Activation};GroupProvisioning={settings.GroupProvisioning};Brake={settings.BrakeThreshold}/{settings.BrakeWindowMinutes}min", ct);
        // Leaving dry-run makes everything provisioned meanwhile live.
        var promoted = current.Mode == OperationMode.DryRun && settings.Mode == OperationMode.Sync
            ? await resources.PromotePendingAsync(tenant, ct)
            : 0;
        return new SettingsChanged(settings, current, promoted);
    });

    /// <summary>At most this many group-to-role mappings per tenant (they live on the settings row).</summary>
    public const int MaxGroupRoles = 500;

    /// <summary>Maps a group (its id, or its displayName) to an application role: its members get the role in the
    /// read contract's effective roles. Idempotent. Returns the tenant's mappings after the change.</summary>
    public Task<IReadOnlyList<GroupRoleMapping>> MapGroupRoleAsync(TenantId tenant, string group, string role, AdminCaller caller, CancellationToken ct)
    {
        var mapping = new GroupRoleMapping(Required(group, "group"), Required(role, "role"));
        return ChangeGroupRolesAsync(tenant, "MAP GroupRole", mapping, caller, ct,
            current => current.Contains(mapping) ? current : current.Count >= MaxGroupRoles
                ? throw AdminException.Invalid($"Tenant {tenant} already has {MaxGroupRoles} group-to-role mappings, the most it can hold.")
                : [.. current, mapping]);
    }

    /// <summary>Removes a group's mapping to <paramref name="role"/> (or to every role when null). Returns the
    /// mappings after the change; <see cref="AdminErrorKind.NotFound"/> when nothing matched.</summary>
    public Task<IReadOnlyList<GroupRoleMapping>> UnmapGroupRoleAsync(TenantId tenant, string group, string? role, AdminCaller caller, CancellationToken ct) =>
        ChangeGroupRolesAsync(tenant, "UNMAP GroupRole", new GroupRoleMapping(Required(group, "group"), role ?? "*"), caller, ct, current =>
        {
            IReadOnlyList<GroupRoleMapping> kept = [.. current.Where(m => !(string.Equals(m.Group, group, StringComparison.OrdinalIgnoreCase) && (role is null || m.Role == role)))];
            return kept.Count < current.Count ? kept
                : throw AdminException.NotFound($"Tenant {tenant} maps no group {group}{(role is null ? "" : " to role " + role)}: see `group-roles list {tenant}`.");
        });

    /// <summary>The tenant's group-to-role mappings.</summary>
    public async Task<IReadOnlyList<GroupRoleMapping>> ListGroupRolesAsync(TenantId tenant, CancellationToken ct) => (await GetAsync(tenant, ct)).GroupRoles;

    Task<IReadOnlyList<GroupRoleMapping>> ChangeGroupRolesAsync(TenantId tenant, string operation, GroupRoleMapping audited, AdminCaller caller, CancellationToken ct,
        Func<IReadOnlyList<GroupRoleMapping>, IReadOnlyList<GroupRoleMapping>> change) => StorageGuard.RunAsync(async () =>
    {
        var current = await GetAsync(tenant, ct);
        var settings = current with { GroupRoles = change(current.GroupRoles) };
        var write = caller.Write(operation);
        await tenants.UpdateAsync(settings, ct, write.RequestId);
        await audit.RecordAppliedAsync(tenant, write, "GroupRole", $"{audited.Group}={audited.Role}", ct);
        return settings.GroupRoles;
    });

    static string Required(string value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw AdminException.Invalid($"the {name} must not be empty.")
        : value.Length > 256 ? throw AdminException.Invalid($"the {name} is longer than 256 characters.")
        : value;
}
