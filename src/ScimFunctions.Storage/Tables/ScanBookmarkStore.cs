using Azure;
using Azure.Data.Tables;
using ScimFunctions.Contract;
using ScimFunctions.Protocol;

namespace ScimFunctions.Storage.Tables;

/// <summary>Where a scanned listing's next page starts: the page holding the next match starts at <see cref="PageToken"/>
/// (null: the first page); skip <see cref="SkipRows"/> raw rows in it; the next match there is number
/// <see cref="NextMatch"/> (1-based). <see cref="StoragePages"/> is what scanning the whole listing again costs.</summary>
public sealed record ScanBookmark(string? PageToken, int SkipRows, int NextMatch, int Total, int StoragePages);

/// <summary>
/// The shared scan bookmarks' rows: one per tenant and listing in <see cref="RowKeys.ScanBookmarksPartition"/>, with the
/// instant it expires (the paging policy is the HTTP layer's ScanBookmarks; this is the row and its clean-up).
/// </summary>
public sealed class ScanBookmarkStore(ScimTables tables)
{
    const string Expires = "Expires";

    /// <summary>The listing's latest bookmark and when it expires (expired ones included: the caller decides).</summary>
    public async Task<(ScanBookmark Bookmark, DateTimeOffset Expires)?> GetAsync(TenantId tenant, string listing, CancellationToken ct)
    {
        var response = await tables.Resources.GetEntityIfExistsAsync<TableEntity>(RowKeys.ScanBookmarksPartition, RowKeys.ScanBookmark(tenant.Value, listing), cancellationToken: ct);
        if (!response.HasValue || response.Value is not { } row) return null;
        return (new ScanBookmark(row.GetString(nameof(ScanBookmark.PageToken)), row.GetInt32(nameof(ScanBookmark.SkipRows)) ?? 0,
            row.GetInt32(nameof(ScanBookmark.NextMatch)) ?? 0, row.GetInt32(nameof(ScanBookmark.Total)) ?? 0,
            row.GetInt32(nameof(ScanBookmark.StoragePages)) ?? 0), ExpiresOf(row));
    }

    /// <summary>Replaces the listing's row: one row per listing, so paging it again overwrites rather than adds.</summary>
    public async Task SaveAsync(TenantId tenant, string listing, ScanBookmark bookmark, DateTimeOffset expires, CancellationToken ct) =>
        await tables.Resources.UpsertEntityAsync(new TableEntity(RowKeys.ScanBookmarksPartition, RowKeys.ScanBookmark(tenant.Value, listing))
        {
            [nameof(ScanBookmark.PageToken)] = bookmark.PageToken,
            [nameof(ScanBookmark.SkipRows)] = bookmark.SkipRows,
            [nameof(ScanBookmark.NextMatch)] = bookmark.NextMatch,
            [nameof(ScanBookmark.Total)] = bookmark.Total,
            [nameof(ScanBookmark.StoragePages)] = bookmark.StoragePages,
            [Expires] = expires,
        }, TableUpdateMode.Replace, ct);

    /// <summary>Deletes the tenant's bookmark rows expired before <paramref name="now"/> (maintenance): one range query over
    /// the tenant's rows, a delete of each expired one conditional on the version read, so a listing that saved a fresh
    /// bookmark meanwhile keeps it. Returns how many were deleted.</summary>
    public async Task<int> PurgeExpiredAsync(TenantId tenant, DateTimeOffset now, CancellationToken ct)
    {
        var purged = 0;
        var filter = RowKeys.RangeFilter(RowKeys.ScanBookmarksPartition, RowKeys.ScanBookmarkPrefix(tenant.Value));
        await foreach (var row in tables.Resources.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey", Expires], cancellationToken: ct))
        {
            if (ExpiresOf(row) >= now) continue;
            try
            {
                await tables.Resources.DeleteEntityAsync(RowKeys.ScanBookmarksPartition, row.RowKey, row.ETag, ct);
                purged++;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Deleted or saved again by another instance meanwhile.
            }
        }
        return purged;
    }

    /// <summary>A row without an expiry (never written so) counts as expired.</summary>
    static DateTimeOffset ExpiresOf(TableEntity row) => row.GetDateTimeOffset(Expires) ?? DateTimeOffset.MinValue;
}
