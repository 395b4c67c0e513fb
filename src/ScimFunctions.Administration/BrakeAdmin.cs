using ScimFunctions.Protocol;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Administration;

/// <summary>The brake's state and what it holds.</summary>
public sealed record BrakeReport(BrakeState State, int Threshold, int WindowMinutes, IReadOnlyList<HeldDeprovisioning> Held);

/// <summary>The deprovisioning brake (<see cref="DeprovisionBrake"/>): see what it holds, then release it (apply the
/// held deletes and deactivations) or discard it (keep the users as they are). Either way the brake disengages once
/// nothing is held. Each release is audited like the SCIM write it stands for (operation <c>RELEASE User</c>), each
/// discard as <c>DISCARD User</c>.</summary>
public sealed class BrakeAdmin(DeprovisionBrake brake, TenantStore tenants, AuditLog audit)
{
    public Task<BrakeReport> ListAsync(TenantId tenant, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        var settings = await SettingsAsync(tenant, ct);
        var held = new List<HeldDeprovisioning>();
        await foreach (var h in brake.ListAsync(tenant, ct)) held.Add(h);
        return new BrakeReport(await brake.StateAsync(tenant, ct), settings.BrakeThreshold, settings.BrakeWindowMinutes, held);
    });

    /// <summary>Applies the held deprovisioning of one user (<paramref name="userId"/>) or of all (null). Returns how many.</summary>
    public Task<int> ReleaseAsync(TenantId tenant, string? userId, AdminCaller caller, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        var settings = await SettingsAsync(tenant, ct);
        var chosen = await ChooseAsync(tenant, userId, ct);
        foreach (var held in chosen) await brake.ReleaseAsync(settings, held, caller.Write("RELEASE User"), ct);
        await brake.DisengageIfClearAsync(tenant, ct);
        return chosen.Count;
    });

    /// <summary>Drops the held deprovisioning of one user or of all without applying it. Returns how many.</summary>
    public Task<int> DiscardAsync(TenantId tenant, string? userId, AdminCaller caller, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        await SettingsAsync(tenant, ct);
        var chosen = await ChooseAsync(tenant, userId, ct);
        foreach (var held in chosen)
        {
            await brake.DropAsync(tenant, held.UserId, ct);
            await audit.RecordAppliedAsync(tenant, caller.Write("DISCARD User"), "User", held.UserId, ct);
        }
        await brake.DisengageIfClearAsync(tenant, ct);
        return chosen.Count;
    });

    async Task<List<HeldDeprovisioning>> ChooseAsync(TenantId tenant, string? userId, CancellationToken ct)
    {
        var chosen = new List<HeldDeprovisioning>();
        await foreach (var held in brake.ListAsync(tenant, ct))
            if (userId is null || held.UserId == userId) chosen.Add(held);
        if (userId is not null && chosen.Count == 0) throw AdminException.NotFound($"Tenant {tenant} holds nothing for user {userId}: see `held list {tenant}`.");
        return chosen;
    }

    async Task<TenantSettings> SettingsAsync(TenantId tenant, CancellationToken ct) =>
        await tenants.GetAsync(tenant, ct) ?? throw AdminException.TenantNotFound(tenant);
}
