using System.Text.Json.Nodes;
using ScimFunctions.Contract;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Filtering;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Http;

/// <summary>
/// Answers list and search requests. Filters Entra and Okta send (userName/externalId/id/email/displayName
/// equality, alone or and-ed with anything) are answered from index rows by point reads and short range
/// queries; every other filter scans the tenant's resources of that kind page by page, evaluating in memory.
/// A scan resumes where the previous page stopped on any instance: by index paging from a bookmark (this instance's
/// memory, or one shared row: <see cref="ScanBookmarks"/>), by cursor paging from the position sealed in the cursor
/// (<see cref="PagingCursors"/>).
/// </summary>
public sealed class QueryExecutor(ResourceStore store, ScanBookmarks bookmarks, PagingCursors cursors)
{
    /// <summary>One resource type of a listing: its query (filter, sort, projection against that type) and its hooks.</summary>
    /// <param name="Enrich">Adds computed attributes to a resource of the page (a user's groups).</param>
    /// <param name="BeforeFilter">Adds computed data the filter needs to a rendered candidate before it is
    /// evaluated (a group's members named by the filter, by point reads).</param>
    public sealed record Source(ResourceKind Kind, ListQuery Query, Func<JsonObject, StoredResource, Task>? Enrich = null,
        Func<JsonObject, StoredResource, Task>? BeforeFilter = null);

    /// <summary>One source's part of a page: its resources, its total, and where its next page starts (null: none).</summary>
    sealed record Part(List<JsonObject> Resources, int Total, PagePosition? After);

    /// <summary>Lists the sources one after the other as one ListResponse (a root-level search: Users, then
    /// Groups), paged by index (RFC 7644 §3.4.2.4) or, when the query has a cursor, by cursor (RFC 9865).
    /// Paging parameters come from the first source's query (all sources share them).</summary>
    public async Task<JsonObject> ListAsync(ScimRequest request, IReadOnlyList<Source> sources)
    {
        var paging = sources[0].Query;
        // Compiling checks every path against the schema first: an unknown attribute is a 400 even on an empty tenant.
        // Across types, a filter only one type understands matches nothing in the others.
        var matchers = new List<Func<JsonObject, bool>?>();
        var unknown = new List<ScimException>();
        foreach (var source in sources)
        {
            try
            {
                matchers.Add(source.Query.Filter is null ? null : FilterEvaluator.Compile(source.Query.Filter, request.TypeOf(source.Kind), request.Budget));
            }
            catch (ScimException e) when (sources.Count > 1 && e.ScimType == ScimType.InvalidFilter)
            {
                matchers.Add(_ => false);
                unknown.Add(e);
            }
        }
        if (unknown.Count == sources.Count) throw unknown[0];
        return paging.Cursor is { } cursor
            ? await CursorPageAsync(request, sources, matchers, cursor)
            : await IndexPageAsync(request, sources, matchers);
    }

    async Task<JsonObject> IndexPageAsync(ScimRequest request, IReadOnlyList<Source> sources, List<Func<JsonObject, bool>?> matchers)
    {
        var paging = sources[0].Query;
        var page = new List<JsonObject>();
        var total = 0;
        for (var g = 0; g < sources.Count; g++)
        {
            // The window [startIndex, startIndex + count) over the sources laid end to end.
            var part = await PartAsync(request, sources[g], matchers[g], new PagePosition(Math.Max(1, paging.StartIndex - total), Segment: g),
                paging.Count - page.Count, knownTotal: null, indexPaging: true);
            page.AddRange(part.Resources);
            total += part.Total;
        }
        return ListResponse(total, page, paging.StartIndex);
    }

    /// <summary>A cursor-paged page. The first (empty cursor) counts every source once, as an index-paged first
    /// page does; each later page starts where the cursor says and reads only its own page.</summary>
    async Task<JsonObject> CursorPageAsync(ScimRequest request, IReadOnlyList<Source> sources, List<Func<JsonObject, bool>?> matchers, string cursor)
    {
        var paging = sources[0].Query;
        var binding = string.Join("||", sources.Select(s => $"{s.Kind}:{s.Query.Binding}"));
        var state = cursor.Length == 0 ? null : await cursors.OpenAsync(request.Tenant, binding, cursor, request.Aborted);
        if (state is not null && (state.Totals.Count != sources.Count || state.At.Segment >= sources.Count))
            throw new InvalidOperationException("An authentic cursor of another shape: the binding names the sources.");
        var at = state?.At ?? PagePosition.Start;
        var totals = state?.Totals.ToArray() ?? new int[sources.Count];
        var page = new List<JsonObject>();
        PagePosition? next = null;
        for (var g = at.Segment; g < sources.Count; g++)
        {
            var remaining = paging.Count - page.Count;
            if (state is not null && remaining == 0)
            {
                // Full: the next page starts at this source unless it is empty (its total is known).
                if (next is null && totals[g] > 0) next = new PagePosition(1, Segment: g);
                if (next is not null) break;
                continue;
            }
            var part = await PartAsync(request, sources[g], matchers[g], g == at.Segment ? at : new PagePosition(1, Segment: g), remaining,
                state is null ? null : totals[g], indexPaging: false);
            page.AddRange(part.Resources);
            totals[g] = part.Total;
            next ??= part.After is null ? null : part.After with { Segment = g };
        }
        var list = ListResponse(totals.Sum(), page, startIndex: null);
        if (next is not null)
            list["nextCursor"] = await cursors.SealAsync(request.Tenant, binding, new CursorState(next, totals, at), request.Aborted);
        if (state?.Previous is { } previous)
            list["previousCursor"] = await cursors.SealAsync(request.Tenant, binding, new CursorState(previous, totals, null), request.Aborted);
        return list;
    }

    /// <param name="startIndex">Index paging only: a cursor-paged response has none (RFC 9865 §2.2).</param>
    static JsonObject ListResponse(int total, List<JsonObject> page, int? startIndex)
    {
        var list = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimUrns.ListResponse),
            ["totalResults"] = total,
            ["itemsPerPage"] = page.Count,
        };
        if (startIndex is not null) list["startIndex"] = startIndex;
        list["Resources"] = new JsonArray([.. page]);
        return list;
    }

    /// <summary>One source's part of a page: <paramref name="count"/> matches from <paramref name="from"/>.</summary>
    /// <param name="knownTotal">The source's total from the listing's first page: given, a scan resumes at the position.</param>
    /// <param name="indexPaging">Index paging: a scan resumes from, and leaves, a bookmark (<see cref="ScanBookmarks"/>).</param>
    async Task<Part> PartAsync(ScimRequest request, Source source, Func<JsonObject, bool>? matches, PagePosition from, int count, int? knownTotal, bool indexPaging)
    {
        var (kind, query) = (source.Kind, source.Query);
        var type = request.TypeOf(kind);
        var candidates = query.Filter is null ? null : await CandidatesAsync(request.Tenant, type, kind, query.Filter, request.Aborted);
        if (candidates is null && query.SortBy is null && source.BeforeFilter is null)
            return await ScanPartAsync(request, source, matches, from, count, knownTotal, indexPaging);
        // Index lookups and sorts are answered whole each time (a few candidates, or an in-memory sort of every
        // match); the position is the match number.
        IAsyncEnumerable<StoredResource> rows = candidates is null
            ? store.ScanAsync(request.Tenant, kind, request.Aborted)
            : ReadAllAsync(request.Tenant, kind, candidates, request.Aborted);

        var total = 0;
        var page = new List<JsonObject>();
        var sorted = query.SortBy is null ? null : new List<(JsonObject Rendered, StoredResource Stored)>();
        await foreach (var stored in rows)
        {
            var rendered = ResourceRenderer.Render(stored, request.BaseUrl);
            if (source.BeforeFilter is not null) await source.BeforeFilter(rendered, stored);
            if (matches is not null && !matches(rendered)) continue;
            total++;
            if (sorted is not null) sorted.Add((rendered, stored));
            else if (total >= from.Index && page.Count < count) page.Add(await FinishAsync(source, rendered, stored));
        }
        if (sorted is not null && query.SortBy is { } sortBy)
        {
            sorted.Sort((a, b) =>
            {
                var order = FilterEvaluator.CompareForSort(First(a.Rendered, type, sortBy), First(b.Rendered, type, sortBy), sortBy.Target);
                return query.Descending ? -order : order;
            });
            foreach (var (rendered, stored) in sorted.Skip(from.Index - 1).Take(count)) page.Add(await FinishAsync(source, rendered, stored));
        }
        var after = from.Index + page.Count;
        return new Part(page, total, after <= total ? new PagePosition(after) : null);
    }

    static async Task<JsonObject> FinishAsync(Source source, JsonObject rendered, StoredResource stored)
    {
        if (source.Enrich is not null) await source.Enrich(rendered, stored);
        return source.Query.Projection.Apply(rendered);
    }

    /// <summary>A part only a scan can answer. Resuming (a cursor's position, or a bookmark for this startIndex),
    /// it reads from there to the end of the page; otherwise it scans everything once to count the matches.</summary>
    async Task<Part> ScanPartAsync(ScimRequest request, Source source, Func<JsonObject, bool>? matches, PagePosition from, int count, int? knownTotal,
        bool indexPaging)
    {
        var kind = source.Kind;
        var listing = $"{kind}|{(source.Query.Filter is null ? "" : FilterParser.Format(source.Query.Filter))}";
        var resume = knownTotal is null ? null : from;
        var total = knownTotal;
        // The storage pages of the whole listing: counted by the scan that starts it, then carried by its bookmarks.
        int? storagePages = null;
        if (indexPaging && resume is null && await bookmarks.FindAsync(request.Tenant, listing, from.Index, request.Aborted) is { } bookmark)
        {
            resume = new PagePosition(bookmark.NextMatch, bookmark.PageToken, bookmark.SkipRows);
            total = bookmark.Total;
            storagePages = bookmark.StoragePages;
        }
        if (resume is not null && count == 0) return new Part([], total!.Value, from.Index <= total ? resume : null);
        var matchNumber = resume is null ? 0 : resume.Index - 1;
        var skip = resume?.Skip ?? 0;
        var page = new List<JsonObject>();
        var pageEnd = from.Index + count - 1;
        PagePosition? after = null;
        var scanned = 0;
        await foreach (var scanPage in store.ScanPagesAsync(request.Tenant, kind, resume?.Token, request.Aborted))
        {
            scanned++;
            for (var row = skip; row < scanPage.Rows.Count; row++)
            {
                if (scanPage.Rows[row] is not { } stored) continue;
                var inPage = matchNumber + 1 >= from.Index && matchNumber + 1 <= pageEnd;
                // Outside the page without a filter, a row only needs counting: no rendering.
                JsonObject? rendered = inPage || matches is not null ? ResourceRenderer.Render(stored, request.BaseUrl) : null;
                if (matches is not null && !matches(rendered!)) continue;
                matchNumber++;
                if (!inPage) continue;
                page.Add(await FinishAsync(source, rendered!, stored));
                if (matchNumber != pageEnd) continue;
                // The next match is after this row: in this storage page, or at the start of the next one.
                after = row + 1 < scanPage.Rows.Count
                    ? new PagePosition(pageEnd + 1, scanPage.StartToken, row + 1)
                    : new PagePosition(pageEnd + 1, scanPage.NextToken, 0);
                // Resumed: the total is known; stop reading.
                if (resume is not null) break;
            }
            if (resume is not null && after is not null) break;
            skip = 0;
        }
        var counted = total ?? matchNumber;
        if (count == 0 && from.Index <= counted && (from.Index == 1 || resume is not null)) after = resume ?? from;
        if (after is not null && (after.Index > counted || (after.Token is null && after.Skip == 0 && after.Index > 1))) after = null;
        if (indexPaging && after is not null && count > 0)
            await bookmarks.SaveAsync(request.Tenant, listing, new ScanBookmark(after.Token, after.Skip, after.Index, counted, storagePages ?? scanned),
                request.Aborted);
        return new Part(page, counted, after);
    }

    static JsonNode? First(JsonObject resource, ResourceTypeDefinition type, ResolvedAttribute attribute) =>
        FilterEvaluator.SelectValues(resource, type, attribute).FirstOrDefault();

    async IAsyncEnumerable<StoredResource> ReadAllAsync(TenantId tenant, ResourceKind kind, IReadOnlyCollection<string> ids, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var id in ids.Order(StringComparer.Ordinal))
            if (await store.GetAsync(tenant, kind, id, ct) is { } resource) yield return resource;
    }

    /// <summary>The ids an index can narrow the filter to, or null when only a scan can answer it.
    /// The full filter is still evaluated on each candidate, so an index only has to over-approximate.</summary>
    async Task<IReadOnlyCollection<string>?> CandidatesAsync(TenantId tenant, ResourceTypeDefinition type, ResourceKind kind, FilterNode filter, CancellationToken ct)
    {
        switch (filter)
        {
            case LogicalNode { Operator: LogicalOperator.And } and:
                return await CandidatesAsync(tenant, type, kind, and.Left, ct) ?? await CandidatesAsync(tenant, type, kind, and.Right, ct);
            case LogicalNode { Operator: LogicalOperator.Or } or:
                if (await CandidatesAsync(tenant, type, kind, or.Left, ct) is not { } left) return null;
                if (await CandidatesAsync(tenant, type, kind, or.Right, ct) is not { } right) return null;
                return [.. left.Union(right)];
            case ValuePathNode { Filter: var inner } valuePath when IsEmails(kind, valuePath.Path):
                return EqualityValue(inner, "value") is { } email ? await store.FindIdsByPrefixAsync(tenant, RowKeys.UserEmailPrefix(email), ct) : null;
            case ValuePathNode { Filter: var inner } valuePath when IsMembers(kind, valuePath.Path):
                return EqualityValue(inner, "value") is { } memberId ? await GroupsOfMemberAsync(tenant, memberId, ct) : null;
            case ComparisonNode { Operator: ComparisonOperator.Eq, Value: { } value } eq
                when AttributeResolver.Resolve(type, eq.Path) is { } resolved && ExtensionIndex.IndexedName(resolved) is { } indexed:
                return await ExtensionLookupAsync(tenant, kind, resolved, indexed, value, ct);
            case ComparisonNode { Operator: ComparisonOperator.Eq, Value: { } value } eq when value.TryGetValue<string>(out var text):
                return await LookupAsync(tenant, kind, eq.Path, text, ct);
            default:
                return null;
        }
    }

    async Task<IReadOnlyCollection<string>?> LookupAsync(TenantId tenant, ResourceKind kind, AttributePath path, string value, CancellationToken ct)
    {
        var resolved = AttributeResolver.Resolve(ResourceRenderer.TypeOf(kind), path);
        if (resolved is null || resolved.IsExtension) return null;
        switch (resolved.Attribute.Name, resolved.SubAttribute?.Name, kind)
        {
            case ("id", null, _):
                return [value];
            case ("userName", null, ResourceKind.User):
                return await store.FindIdByClaimAsync(tenant, RowKeys.UserName(value), ct) is { } userId ? [userId] : [];
            case ("displayName", null, ResourceKind.Group):
                return await store.FindIdByClaimAsync(tenant, RowKeys.GroupName(value), ct) is { } groupId ? [groupId] : [];
            case ("externalId", null, ResourceKind.User):
                return await store.FindIdsByPrefixAsync(tenant, RowKeys.UserExternalIdPrefix(value), ct);
            case ("externalId", null, ResourceKind.Group):
                return await store.FindIdsByPrefixAsync(tenant, RowKeys.GroupExternalIdPrefix(value), ct);
            case ("emails", "value" or null, ResourceKind.User):
                return await store.FindIdsByPrefixAsync(tenant, RowKeys.UserEmailPrefix(value), ct);
            case ("members", "value" or null, ResourceKind.Group):
                return await GroupsOfMemberAsync(tenant, value, ct);
            default:
                return null;
        }
    }

    /// <summary>A declared unique attribute: one point read on its claim row; an indexed one: one range query.</summary>
    async Task<IReadOnlyCollection<string>> ExtensionLookupAsync(TenantId tenant, ResourceKind kind, ResolvedAttribute resolved, string attribute, JsonValue literal, CancellationToken ct)
    {
        if (ExtensionIndex.Fold(resolved.Attribute, literal) is not { } folded) return [];
        if (resolved.Attribute.Uniqueness != Uniqueness.None)
            return await store.FindIdByClaimAsync(tenant, ExtensionRows.Claim(kind, attribute, folded), ct) is { } id ? [id] : [];
        return await store.FindIdsByPrefixAsync(tenant, ExtensionRows.LookupPrefix(kind, attribute, folded), ct);
    }

    /// <summary>The groups a user is a member of, from the user's memberof rows (one range query).</summary>
    async Task<IReadOnlyCollection<string>> GroupsOfMemberAsync(TenantId tenant, string userId, CancellationToken ct) =>
        ResourceIds.IsWellFormed(userId) ? await store.FindIdsByPrefixAsync(tenant, RowKeys.MemberOfPrefix(userId), ct) : [];

    static bool IsMembers(ResourceKind kind, AttributePath path) =>
        kind == ResourceKind.Group && path.SubAttribute is null && path.Name.Equals("members", StringComparison.OrdinalIgnoreCase)
        && (path.SchemaUrn is null || path.SchemaUrn.Equals(ScimUrns.Group, StringComparison.OrdinalIgnoreCase));

    static bool IsEmails(ResourceKind kind, AttributePath path) =>
        kind == ResourceKind.User && path.SubAttribute is null && path.Name.Equals("emails", StringComparison.OrdinalIgnoreCase)
        && (path.SchemaUrn is null || path.SchemaUrn.Equals(ScimUrns.User, StringComparison.OrdinalIgnoreCase));

    /// <summary>The string <c>sub eq "x"</c> requires inside a value-path filter (through and-ed terms).</summary>
    static string? EqualityValue(FilterNode node, string subAttribute) => node switch
    {
        ComparisonNode { Operator: ComparisonOperator.Eq, Value: { } v } c
            when c.Path.SchemaUrn is null && c.Path.SubAttribute is null
              && c.Path.Name.Equals(subAttribute, StringComparison.OrdinalIgnoreCase)
              && v.TryGetValue<string>(out var s) => s,
        LogicalNode { Operator: LogicalOperator.And } and => EqualityValue(and.Left, subAttribute) ?? EqualityValue(and.Right, subAttribute),
        _ => null,
    };
}
