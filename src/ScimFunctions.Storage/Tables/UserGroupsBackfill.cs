using Azure.Data.Tables;
using ScimFunctions.Contract;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Storage.Tables;

/// <summary>What one tenant's backfill did: rows given their copy of their groups, and rows changed while it ran
/// (left for the next run).</summary>
public readonly record struct BackfillResult(int Kept, int Left);

/// <summary>
/// The maintenance step that gives user rows written before rows kept their groups (no <see cref="RowProperties.Groups"/>
/// column, not flagged <see cref="RowProperties.NoGroups"/>) their copy, so every user's <c>groups</c> cost its row's
/// point read, not a memberof range query, forever. Per tenant, once: one scan of the user rows (four columns), one
/// range query and one conditional merge per such row (<see cref="MembershipStore.KeepGroupsAsync"/>); when no row was
/// left behind the tenant is marked (<see cref="TenantSettingsRow.UserGroupsKept"/>) and later runs skip it at no cost.
/// A run cut short (the timer's time limit) keeps what it wrote; the next one scans again and finds less to do.
/// </summary>
public sealed class UserGroupsBackfill(ScimTables tables, MembershipStore membership, TenantStore tenants, TimeProvider time)
{
    /// <summary>Rows in flight at once: quick without crowding the partition the tenant's SCIM traffic uses.</summary>
    const int Parallelism = 8;

    public async Task<BackfillResult> RunAsync(TenantSettings tenant, CancellationToken ct)
    {
        if (tenant.UserGroupsKept is not null) return default;
        var started = time.GetUtcNow();
        int kept = 0, left = 0;
        var rows = tables.Resources.QueryAsync<TableEntity>(RowKeys.RangeFilter(tenant.Tenant, RowKeys.UserPrefix), maxPerPage: 1000,
            select: ["RowKey", RowProperties.Groups, RowProperties.NoGroups, RowProperties.Deleted], cancellationToken: ct);
        await foreach (var page in rows.AsPages().WithCancellation(ct))
        {
            // "" is a copy past the bound ("not kept", for good), not a missing one.
            var older = page.Values.Where(row => UserGroups.Read(row) is null && row.GetString(RowProperties.Groups) is null);
            await Parallel.ForEachAsync(older, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (row, token) =>
            {
                if (await membership.KeepGroupsAsync(tenant.Tenant, RowKeys.IdOf(row.RowKey), row.ETag, RowProperties.IsDeleted(row), token)) Interlocked.Increment(ref kept);
                else Interlocked.Increment(ref left);
            });
        }
        // Rows written from now on keep their groups; a row left behind keeps the tenant unmarked, so the next run retries it.
        if (left == 0) await tenants.MarkUserGroupsKeptAsync(tenant.Tenant, started, ct);
        return new BackfillResult(kept, left);
    }
}
