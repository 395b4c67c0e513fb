using Microsoft.Extensions.Caching.Memory;

namespace ScimFunctions.Http;

/// <summary>
/// Where a scanned list stopped, so the next page resumes there instead of reading everything before it.
/// A list answered by a scan (no index applies, no sortBy) counts every match once, on the request that
/// starts the paging session; the total and a bookmark for the next startIndex are kept here for a few
/// minutes, keyed by tenant, resource kind and filter. A following request for that startIndex reads only
/// from the bookmark to the end of its page. The cache is per instance: a request that lands on another
/// instance, or after expiry, scans again (correct, only slower). Totals are as of the scan that started the
/// session, which RFC 7644 §3.4.2.4 allows for paging over changing data. Cursor paging (RFC 9865) carries the same
/// position in the cursor instead, so it resumes on any instance.
/// </summary>
public sealed class ScanBookmarks(TimeProvider time)
{
    static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>The page holding the next match starts at <see cref="PageToken"/> (null: the first page); skip
    /// <see cref="SkipRows"/> raw rows in it; the next match there is number <see cref="NextMatch"/> (1-based).</summary>
    public sealed record Bookmark(string? PageToken, int SkipRows, int NextMatch, int Total);

    readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    public Bookmark? Find(string key, int startIndex) =>
        _cache.TryGetValue((key, startIndex), out Bookmark? bookmark) ? bookmark : null;

    public void Save(string key, Bookmark bookmark) =>
        _cache.Set((key, bookmark.NextMatch), bookmark, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = time.GetUtcNow() + Lifetime });
}
