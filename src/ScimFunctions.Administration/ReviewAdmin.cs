using ScimFunctions.Protocol;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Administration;

/// <summary>A user or group created in dry-run mode and not yet live.</summary>
public sealed record PendingItem(ResourceKind Kind, string Id, string Name, DateTimeOffset Created);

/// <summary>Dry-run review: list what arrived while the tenant was in dry-run and make it live, one by one or all.</summary>
public sealed class ReviewAdmin(ResourceStore resources, TenantStore tenants, AuditLog audit)
{
    public Task<IReadOnlyList<PendingItem>> ListPendingAsync(TenantId tenant, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        await RequireTenantAsync(tenant, ct);
        var items = new List<PendingItem>();
        await foreach (var r in resources.ListPendingAsync(tenant, ct))
            items.Add(new PendingItem(r.Kind, r.Id, r.Document[r.Kind == ResourceKind.User ? "userName" : "displayName"]?.ToString() ?? "", r.Created));
        return (IReadOnlyList<PendingItem>)items;
    });

    /// <summary>Makes one pending user or group live.</summary>
    public Task ActivateAsync(TenantId tenant, ResourceKind kind, string id, AdminCaller caller, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        await RequireTenantAsync(tenant, ct);
        if (await resources.PromotePendingAsync(tenant, kind, id, ct) == 0)
            throw AdminException.NotFound($"Tenant {tenant} has no pending {kind.ToString().ToLowerInvariant()} {id}: see `pending list {tenant}`.");
        await audit.RecordAppliedAsync(tenant, caller.Write("ACTIVATE " + kind), kind.ToString(), id, ct);
    });

    /// <summary>Makes every pending user and group live. Returns how many.</summary>
    public Task<int> ActivateAllAsync(TenantId tenant, AdminCaller caller, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        await RequireTenantAsync(tenant, ct);
        var count = await resources.PromotePendingAsync(tenant, ct);
        await audit.RecordAppliedAsync(tenant, caller.Write("ACTIVATE All"), "Pending", count.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
        return count;
    });

    async Task RequireTenantAsync(TenantId tenant, CancellationToken ct)
    {
        if (await tenants.GetAsync(tenant, ct) is null) throw AdminException.TenantNotFound(tenant);
    }
}
