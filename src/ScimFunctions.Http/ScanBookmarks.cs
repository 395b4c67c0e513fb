using Azure;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using ScimFunctions.Contract;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Http;

/// <summary>
/// Where a scanned list stopped, so the next page resumes there instead of reading everything before it.
/// A list answered by a scan (no index applies, no sortBy) counts every match once, on the request that
/// starts the paging session; the total and a bookmark for the next startIndex are kept for a few minutes, keyed by
/// tenant, resource kind and filter: in the instance's memory, and, for a listing of more than
/// <see cref="ShareAbovePages"/> storage pages, in one row of <see cref="RowKeys.ScanBookmarksPartition"/> shared by
/// every instance. A following request for that startIndex finds it in memory, or else by one point read,
/// and reads only from the bookmark to the end of its page. Without one (a jump, two clients paging one listing at
/// once, expiry) it scans again: correct, only slower. Totals are as of the scan that started the session, which
/// RFC 7644 §3.4.2.4 allows for paging over changing data. Cursor paging (RFC 9865) carries the same position in the
/// cursor instead.
/// </summary>
public sealed class ScanBookmarks(ScanBookmarkStore rows, TimeProvider time, ILogger<ScanBookmarks> log)
{
    static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>Sharing costs a write on each page and a read on the instance that lacks the bookmark; scanning again
    /// costs the listing's storage pages. Up to two pages, scanning again costs no more: nothing is shared.</summary>
    public const int ShareAbovePages = 2;

    readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    /// <summary>The bookmark for <paramref name="startIndex"/> of the listing: this instance's, else the shared one.</summary>
    public async Task<ScanBookmark?> FindAsync(TenantId tenant, string listing, int startIndex, CancellationToken ct)
    {
        if (_cache.TryGetValue((tenant, listing, startIndex), out ScanBookmark? bookmark)) return bookmark;
        // The first page counts everything anyway: nothing to look up.
        if (startIndex == 1) return null;
        // The row is the listing's latest bookmark: it serves only the page it leads to, until it expires.
        return await rows.GetAsync(tenant, listing, ct) is { } shared && shared.Bookmark.NextMatch == startIndex && shared.Expires >= time.GetUtcNow()
            ? shared.Bookmark : null;
    }

    /// <summary>Keeps the bookmark in memory, and in the shared row when the listing is large enough to be worth it
    /// (expired rows are purged by maintenance).</summary>
    public async Task SaveAsync(TenantId tenant, string listing, ScanBookmark bookmark, CancellationToken ct)
    {
        var expires = time.GetUtcNow() + Lifetime;
        _cache.Set((tenant, listing, bookmark.NextMatch), bookmark, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = expires });
        if (bookmark.StoragePages <= ShareAbovePages) return;
        try
        {
            await rows.SaveAsync(tenant, listing, bookmark, expires, ct);
        }
        catch (RequestFailedException e)
        {
            // The page is read and answered; without the shared row another instance only scans again.
            log.LogWarning(e, "Scan bookmark not shared for tenant {Tenant}: status {Status}", tenant.Value, e.Status);
        }
    }
}
