using System.Globalization;
using System.Text.Json.Nodes;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Filtering;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Http;

/// <summary>The parameters of a list request (RFC 7644 §3.4.2), from the query string or a SearchRequest body.</summary>
/// <param name="Cursor">RFC 9865 cursor paging: null for index paging (the default), empty for the first page of a
/// cursor-paged listing, else the <c>nextCursor</c>/<c>previousCursor</c> the client was given.</param>
/// <param name="Binding">What a cursor is bound to besides the tenant: the filter and the sort, canonically written.</param>
public sealed record ListQuery(
    FilterNode? Filter,
    int StartIndex,
    int Count,
    ResolvedAttribute? SortBy,
    bool Descending,
    AttributeProjection Projection,
    string? Cursor = null,
    string Binding = "")
{
    public static ListQuery FromQueryString(ScimRequest request, ResourceTypeDefinition type, ScimLimits limits) => Create(type, limits,
        request.Query("filter"), request.Query("startIndex"), request.Query("count"), request.Query("sortBy"), request.Query("sortOrder"),
        request.Query("attributes"), request.Query("excludedAttributes"), request.Query("cursor"));

    /// <summary>POST .search: the same parameters as JSON (attributes as arrays).</summary>
    public static ListQuery FromSearchRequest(JsonObject body, ResourceTypeDefinition type, ScimLimits limits)
    {
        string? Text(string name) => ScimJson.Get(body, name) switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v => v.ToJsonString(),
            JsonArray a => string.Join(',', a.Select(x => x is JsonValue v && v.TryGetValue<string>(out var s)
                ? s
                : throw ScimException.BadRequest(ScimType.InvalidValue, $"'{name}' must list attribute names as strings."))),
            _ => throw ScimException.BadRequest(ScimType.InvalidValue, $"'{name}' has the wrong type."),
        };
        return Create(type, limits, Text("filter"), Text("startIndex"), Text("count"), Text("sortBy"), Text("sortOrder"),
            Text("attributes"), Text("excludedAttributes"), Text("cursor"));
    }

    static ListQuery Create(ResourceTypeDefinition type, ScimLimits limits, string? filter, string? startIndex, string? count,
        string? sortBy, string? sortOrder, string? attributes, string? excludedAttributes, string? cursor)
    {
        if (cursor is not null && !string.IsNullOrWhiteSpace(startIndex))
            throw ScimException.BadRequest(ScimType.InvalidValue, "Send either 'cursor' (cursor paging) or 'startIndex' (index paging), not both.");
        var parsedFilter = string.IsNullOrWhiteSpace(filter)
            ? null
            : FilterParser.Parse(filter, new FilterLimits(MaxLength: limits.MaxFilterLength, MaxDepth: limits.MaxFilterDepth));
        // RFC 7644 §3.4.2.4: startIndex below 1 means 1; a negative count means 0; above the maximum, the maximum.
        var start = Math.Max(1, ParseInt(startIndex, "startIndex") ?? 1);
        var requested = ParseInt(count, "count") ?? limits.DefaultPageSize;
        // RFC 9865 §2.3: with cursor paging a count outside 0..maxPageSize is an error, not clamped.
        if (cursor is not null && (requested < 0 || requested > limits.MaxPageSize))
            throw ScimException.BadRequest(ScimType.InvalidCount, $"'count' must be between 0 and {limits.MaxPageSize} with cursor paging.");
        var size = Math.Clamp(requested, 0, limits.MaxPageSize);
        ResolvedAttribute? sort = null;
        if (!string.IsNullOrWhiteSpace(sortBy))
        {
            sort = AttributeResolver.Resolve(type, AttributeResolver.ParsePath(sortBy.Trim()))
                ?? throw ScimException.BadRequest(ScimType.InvalidValue, $"sortBy names an unknown attribute '{sortBy}'.");
        }
        var descending = sortOrder?.Trim().Equals("descending", StringComparison.OrdinalIgnoreCase) ?? false;
        var binding = $"{(parsedFilter is null ? "" : FilterParser.Format(parsedFilter))}|{sortBy?.Trim().ToLowerInvariant()}|{(sort is not null && descending ? "d" : "a")}";
        return new ListQuery(parsedFilter, start, size, sort, descending, AttributeProjection.Parse(type, attributes, excludedAttributes),
            cursor?.Trim(), binding);
    }

    static int? ParseInt(string? text, string name)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            return (int)Math.Clamp(value, int.MinValue, int.MaxValue);
        throw ScimException.BadRequest(ScimType.InvalidValue, $"'{name}' must be an integer.");
    }
}
