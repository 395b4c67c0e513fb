using Microsoft.Extensions.Logging;
using ScimFunctions.Events;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Feed;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.Storage;

/// <summary>What one maintenance run did (counts only: no secrets).</summary>
/// <param name="UserGroupsBackfilled">User rows written before rows kept their groups, given their copy (<see cref="UserGroupsBackfill"/>).</param>
/// <param name="ScanBookmarksPurged">Expired shared scan bookmarks deleted (<see cref="ScanBookmarkStore"/>).</param>
public sealed record MaintenanceSummary(int Tenants, int TokensDisabled, int TokensDeleted, int AuditEntriesPurged, int FeedEventsPurged = 0, int TokensExpiringSoon = 0, int SigningKeysRetired = 0,
    int UserGroupsBackfilled = 0, int ScanBookmarksPurged = 0);

public sealed record AuditOptions
{
    /// <summary>How long audit entries are kept (Audit:RetentionDays).</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(90);
}

/// <summary>
/// The periodic clean-up the timer function runs (and the admin CLI can run): tokens that expired or
/// were superseded are disabled (validation already rejects them; this makes the store say so), records
/// unusable for longer than <see cref="DeleteAfter"/> are deleted, and audit entries and change feed events past
/// retention are purged; event signing keys superseded for longer than <see cref="SigningKeyOptions.KeepSupersededFor"/>
/// leave the published key set; user rows written before rows kept their groups get their copy (once per tenant), and
/// expired shared scan bookmarks are deleted.
/// </summary>
public sealed class MaintenanceJob(TenantStore tenants, ITokenStore tokens, AuditLog audit, AuditOptions auditOptions, FeedRows feed, FeedOptions feedOptions,
    SigningKeyRing signingKeys, UserGroupsBackfill userGroups, ScanBookmarkStore bookmarks, TimeProvider time, ILogger<MaintenanceJob> log)
{
    public static readonly TimeSpan DeleteAfter = TimeSpan.FromDays(30);

    public async Task<MaintenanceSummary> RunAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        int tenantCount = 0, disabled = 0, deleted = 0, purged = 0, feedPurged = 0, expiring = 0, backfilled = 0, bookmarksPurged = 0;
        foreach (var tenant in await tenants.ListAsync(ct))
        {
            tenantCount++;
            purged += await audit.PurgeAsync(tenant.Tenant, now - auditOptions.Retention, ct);
            feedPurged += await feed.PurgeAsync(tenant.Tenant, now - feedOptions.Retention, ct);
            bookmarksPurged += await bookmarks.PurgeExpiredAsync(tenant.Tenant, now, ct);
            var backfill = await userGroups.RunAsync(tenant, ct);
            backfilled += backfill.Kept;
            if (backfill.Left > 0)
                log.LogInformation("Tenant {Tenant}: {UserRowsLeft} user rows changed while their groups were copied onto them; the next maintenance run retries them",
                    tenant.Tenant, backfill.Left);
            foreach (var record in await tokens.ListAsync(tenant.Tenant, ct))
            {
                if (record.ExpiryWarningAt(now) is { } threshold)
                {
                    expiring++;
                    log.LogWarning("Token {TokenId} ({Prefix}) of tenant {Tenant} expires {Expires:u}: {DaysLeft} days left (warning at {Threshold} days). Issue a new one with `token rotate` and paste it into the identity provider",
                        record.Id, record.Prefix, tenant.Tenant, record.Expires, record.DaysLeftAt(now), threshold);
                }
                if (record.IsUsableAt(now)) continue;
                if (now - record.Expires > DeleteAfter)
                {
                    await tokens.DeleteAsync(record, ct);
                    deleted++;
                }
                else if (record.State != TokenState.Revoked)
                {
                    await tokens.UpdateAsync(record with { State = TokenState.Revoked }, ct);
                    disabled++;
                }
            }
        }
        // One key ring signs for every tenant.
        var keysRetired = (await signingKeys.RetireSupersededAsync(ct)).Count;
        log.LogInformation("Maintenance: {Tenants} tenants, {TokensDisabled} token versions disabled, {TokensDeleted} deleted, {AuditEntriesPurged} audit entries purged, {FeedEventsPurged} feed events purged, {TokensExpiringSoon} tokens expiring soon, {SigningKeysRetired} signing keys retired, {UserGroupsBackfilled} user rows given their groups, {ScanBookmarksPurged} expired scan bookmarks deleted",
            tenantCount, disabled, deleted, purged, feedPurged, expiring, keysRetired, backfilled, bookmarksPurged);
        return new MaintenanceSummary(tenantCount, disabled, deleted, purged, feedPurged, expiring, keysRetired, backfilled, bookmarksPurged);
    }
}
