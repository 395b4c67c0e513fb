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
/// </summary>
public sealed class QueryExecutor(ResourceStore store, ScanBookmarks bookmarks)
{
    /// <param name="beforeFilter">Adds computed data the filter needs to a rendered candidate before it is
    /// evaluated (a group's members named by the filter, by point reads).</param>
    public async Task<JsonObject> ListAsync(ScimRequest request, ResourceKind kind, ListQuery query, Func<JsonObject, StoredResource, Task>? enrich = null,
        Func<JsonObject, StoredResource, Task>? beforeFilter = null)
    {
        var type = request.TypeOf(kind);
        // Compiling checks every path against the schema first: an unknown attribute is a 400 even on an empty tenant.
        var matches = query.Filter is null ? null : FilterEvaluator.Compile(query.Filter, type, request.Budget);
        var candidates = query.Filter is null ? null : await CandidatesAsync(request.Tenant, type, kind, query.Filter, request.Aborted);
        if (candidates is null && query.SortBy is null && beforeFilter is null)
            return await ScanPageAsync(request, kind, query, matches, enrich);
        IAsyncEnumerable<StoredResource> source = candidates is null
            ? store.ScanAsync(request.Tenant, kind, request.Aborted)
            : ReadAllAsync(request.Tenant, kind, candidates, request.Aborted);

        var total = 0;
        var page = new List<JsonObject>();
        var sorted = query.SortBy is null ? null : new List<(JsonObject Rendered, StoredResource Stored)>();
        await foreach (var stored in source)
        {
            var rendered = ResourceRenderer.Render(stored, request.BaseUrl);
            if (beforeFilter is not null) await beforeFilter(rendered, stored);
            if (matches is not null && !matches(rendered)) continue;
            total++;
            if (sorted is not null) sorted.Add((rendered, stored));
            else if (total >= query.StartIndex && page.Count < query.Count)
            {
                if (enrich is not null) await enrich(rendered, stored);
                page.Add(rendered);
            }
        }
        if (sorted is not null && query.SortBy is { } sortBy)
        {
            sorted.Sort((a, b) =>
            {
                var order = FilterEvaluator.CompareForSort(First(a.Rendered, type, sortBy), First(b.Rendered, type, sortBy), sortBy.Target);
                return query.Descending ? -order : order;
            });
            foreach (var (rendered, stored) in sorted.Skip(query.StartIndex - 1).Take(query.Count))
            {
                if (enrich is not null) await enrich(rendered, stored);
                page.Add(rendered);
            }
        }

        return ListResponse(query, total, page);
    }

    static JsonObject ListResponse(ListQuery query, int total, List<JsonObject> page) => new()
    {
        ["schemas"] = new JsonArray(ScimUrns.ListResponse),
        ["totalResults"] = total,
        ["itemsPerPage"] = page.Count,
        ["startIndex"] = query.StartIndex,
        ["Resources"] = new JsonArray([.. page.Select(r => (JsonNode)query.Projection.Apply(r))]),
    };

    /// <summary>A list only a scan can answer. With a bookmark for this startIndex (the previous page of the
    /// same listing), it reads from there to the end of the page; otherwise it scans everything once to count
    /// the matches, and leaves a bookmark for the next page (see <see cref="ScanBookmarks"/>).</summary>
    async Task<JsonObject> ScanPageAsync(ScimRequest request, ResourceKind kind, ListQuery query, Func<JsonObject, bool>? matches,
        Func<JsonObject, StoredResource, Task>? enrich)
    {
        var key = $"{request.Tenant}|{kind}|{(query.Filter is null ? "" : FilterParser.Format(query.Filter))}";
        var resume = bookmarks.Find(key, query.StartIndex);
        if (resume is not null && query.Count == 0) return ListResponse(query, resume.Total, []);
        var matchNumber = resume is null ? 0 : resume.NextMatch - 1;
        var skip = resume?.SkipRows ?? 0;
        var page = new List<JsonObject>();
        var pageEnd = query.StartIndex + query.Count - 1;
        (string? Token, int Skip)? nextBookmark = null;
        await foreach (var scanPage in store.ScanPagesAsync(request.Tenant, kind, resume?.PageToken, request.Aborted))
        {
            for (var row = skip; row < scanPage.Rows.Count; row++)
            {
                if (scanPage.Rows[row] is not { } stored) continue;
                var inPage = matchNumber + 1 >= query.StartIndex && matchNumber + 1 <= pageEnd;
                // Outside the page without a filter, a row only needs counting: no rendering.
                JsonObject? rendered = inPage || matches is not null ? ResourceRenderer.Render(stored, request.BaseUrl) : null;
                if (matches is not null && !matches(rendered!)) continue;
                matchNumber++;
                if (!inPage) continue;
                if (enrich is not null) await enrich(rendered!, stored);
                page.Add(rendered!);
                if (matchNumber != pageEnd) continue;
                // The next match is after this row: in this storage page, or at the start of the next one.
                var bookmark = row + 1 < scanPage.Rows.Count ? (scanPage.StartToken, row + 1) : (scanPage.NextToken, 0);
                if (resume is null)
                {
                    nextBookmark = bookmark;
                    continue;
                }
                // Resumed: the total is known; leave the next bookmark and stop reading.
                if (bookmark.Item1 is not null || bookmark.Item2 > 0)
                    bookmarks.Save(key, new ScanBookmarks.Bookmark(bookmark.Item1, bookmark.Item2, pageEnd + 1, resume.Total));
                return ListResponse(query, resume.Total, page);
            }
            skip = 0;
        }
        var total = resume?.Total ?? matchNumber;
        if (nextBookmark is { } next && pageEnd < total && (next.Token is not null || next.Skip > 0))
            bookmarks.Save(key, new ScanBookmarks.Bookmark(next.Token, next.Skip, pageEnd + 1, total));
        return ListResponse(query, total, page);
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
