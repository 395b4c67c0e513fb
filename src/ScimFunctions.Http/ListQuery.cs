using System.Globalization;
using System.Text.Json.Nodes;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Filtering;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Http;

/// <summary>The parameters of a list request (RFC 7644 §3.4.2), from the query string or a SearchRequest body.</summary>
public sealed record ListQuery(
    FilterNode? Filter,
    int StartIndex,
    int Count,
    ResolvedAttribute? SortBy,
    bool Descending,
    AttributeProjection Projection)
{
    public static ListQuery FromQueryString(ScimRequest request, ResourceTypeDefinition type, ScimLimits limits) => Create(type, limits,
        request.Query("filter"), request.Query("startIndex"), request.Query("count"), request.Query("sortBy"), request.Query("sortOrder"),
        request.Query("attributes"), request.Query("excludedAttributes"));

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
            Text("attributes"), Text("excludedAttributes"));
    }

    static ListQuery Create(ResourceTypeDefinition type, ScimLimits limits, string? filter, string? startIndex, string? count,
        string? sortBy, string? sortOrder, string? attributes, string? excludedAttributes)
    {
        var parsedFilter = string.IsNullOrWhiteSpace(filter)
            ? null
            : FilterParser.Parse(filter, new FilterLimits(MaxLength: limits.MaxFilterLength, MaxDepth: limits.MaxFilterDepth));
        // RFC 7644 §3.4.2.4: startIndex below 1 means 1; a negative count means 0; above the maximum, the maximum.
        var start = Math.Max(1, ParseInt(startIndex, "startIndex") ?? 1);
        var size = Math.Clamp(ParseInt(count, "count") ?? limits.DefaultPageSize, 0, limits.MaxPageSize);
        ResolvedAttribute? sort = null;
        if (!string.IsNullOrWhiteSpace(sortBy))
        {
            sort = AttributeResolver.Resolve(type, AttributeResolver.ParsePath(sortBy.Trim()))
                ?? throw ScimException.BadRequest(ScimType.InvalidValue, $"sortBy names an unknown attribute '{sortBy}'.");
        }
        var descending = sortOrder?.Trim().Equals("descending", StringComparison.OrdinalIgnoreCase) ?? false;
        return new ListQuery(parsedFilter, start, size, sort, descending, AttributeProjection.Parse(type, attributes, excludedAttributes));
    }

    static int? ParseInt(string? text, string name)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            return (int)Math.Clamp(value, int.MinValue, int.MaxValue);
        throw ScimException.BadRequest(ScimType.InvalidValue, $"'{name}' must be an integer.");
    }
}
