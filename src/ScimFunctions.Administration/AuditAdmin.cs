using ScimFunctions.Protocol;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Administration;

/// <summary>Which audit entries to list; null bounds mean the last 24 hours.</summary>
public sealed record AuditQuery(DateTimeOffset? Since = null, DateTimeOffset? Until = null, string? ResourceId = null, string? Outcome = null, int Top = 100);

/// <summary>The audit log (SCIM writes and admin actions, newest first) and the maintenance job.</summary>
public sealed class AuditAdmin(AuditLog audit, TenantStore tenants, MaintenanceJob maintenance, TimeProvider time)
{
    public Task<IReadOnlyList<AuditEntry>> QueryAsync(TenantId tenant, AuditQuery query, CancellationToken ct)
    {
        if (query.Top < 1) throw AdminException.Invalid($"--top must be at least 1 (got {query.Top}).");
        if (query.Since > query.Until) throw AdminException.Invalid("--since is after --until.");
        return StorageGuard.RunAsync(async () =>
        {
            if (await tenants.GetAsync(tenant, ct) is null) throw AdminException.TenantNotFound(tenant);
            var now = time.GetUtcNow();
            var entries = new List<AuditEntry>();
            await foreach (var entry in audit.QueryAsync(tenant, query.Since ?? now.AddDays(-1), query.Until ?? now, query.ResourceId, query.Outcome, ct))
            {
                entries.Add(entry);
                if (entries.Count >= query.Top) break;
            }
            return (IReadOnlyList<AuditEntry>)entries;
        });
    }

    /// <summary>The clean-up the timer runs: tokens, audit and feed retention, expiry warnings.</summary>
    public Task<MaintenanceSummary> RunMaintenanceAsync(CancellationToken ct) => StorageGuard.RunAsync(() => maintenance.RunAsync(ct));
}
