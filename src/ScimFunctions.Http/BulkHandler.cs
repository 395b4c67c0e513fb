using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Resources;

namespace ScimFunctions.Http;

/// <summary>
/// /Bulk (RFC 7644 §3.7). Each operation is run as the single request it stands for: a request of its own
/// (method, path, body, <c>If-Match</c> from <c>version</c>) handed to the same handler, through
/// <see cref="ScimPipeline.RunOperationAsync"/> (its own write context, so its own audit entry and change-feed
/// event, and the one exception → SCIM error mapping). Operations run in order, one at a time, within the Bulk
/// request's deadline; a <c>bulkId:</c> reference names a resource created by an earlier operation of the
/// same request.
/// </summary>
public sealed class BulkHandler(ScimPipeline pipeline, UserHandlers users, GroupHandlers groups, ScimLimits limits)
{
    const string ReferencePrefix = "bulkId:";

    public async Task<IResult> PostAsync(ScimRequest request)
    {
        // maxPayloadSize is the body limit: a larger body is 413 before anything runs.
        var body = await request.ReadJsonObjectAsync();
        if (ScimJson.Get(body, "Operations") is not JsonArray operations)
            throw ScimException.BadRequest(ScimType.InvalidSyntax, "A BulkRequest needs an 'Operations' array.");
        if (operations.Count > limits.MaxBulkOperations)
            throw new ScimException(HttpStatusCode.RequestEntityTooLarge, null,
                $"The request has {operations.Count} operations; at most {limits.MaxBulkOperations} are accepted (maxOperations).");
        int? failOnErrors = ScimJson.Get(body, "failOnErrors") switch
        {
            null => null,
            JsonValue v when v.TryGetValue<int>(out var n) && n > 0 => n,
            _ => throw ScimException.BadRequest(ScimType.InvalidValue, "'failOnErrors' must be a positive integer."),
        };

        var created = new Dictionary<string, string>(StringComparer.Ordinal); // bulkId → id
        var results = new JsonArray();
        var errors = 0;
        for (var i = 0; i < operations.Count; i++)
        {
            // Past the deadline the rest is not run; the response lists what was.
            if (request.Aborted.IsCancellationRequested) break;
            var result = await RunAsync(request, operations[i] as JsonObject, i, created);
            results.Add(result);
            if (int.Parse(result["status"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) >= 400 && ++errors == failOnErrors) break;
        }
        return new ScimJsonResult(HttpStatusCode.OK, new JsonObject
        {
            ["schemas"] = new JsonArray(ScimUrns.BulkResponse),
            ["Operations"] = results,
        });
    }

    async Task<JsonObject> RunAsync(ScimRequest request, JsonObject? operation, int index, Dictionary<string, string> created)
    {
        var method = Text(operation, "method")?.ToUpperInvariant();
        var bulkId = Text(operation, "bulkId");
        var result = new JsonObject { ["method"] = method ?? "" };
        if (bulkId is not null) result["bulkId"] = bulkId;
        try
        {
            var (path, data, version) = Parse(operation, method, bulkId, created);
            var http = OperationContext(request, index, method!, path, data, version);
            var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var (name, handler) = Route(segments, method!);
            var outcome = await pipeline.RunOperationAsync(http, request, name, handler);
            http.Response.Body = new MemoryStream();
            await outcome.ExecuteAsync(http);
            var status = http.Response.StatusCode;
            result["status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (http.Response.Headers.ETag.ToString() is { Length: > 0 } etag) result["version"] = etag;
            if (status >= 400)
            {
                result["response"] = JsonNode.Parse(((MemoryStream)http.Response.Body).ToArray());
                return result;
            }
            var location = http.Response.Headers.Location.ToString() is { Length: > 0 } l ? l : segments.Length == 2 && method != "DELETE"
                ? $"{request.BaseUrl}/{segments[0]}/{segments[1]}" : null;
            if (location is not null) result["location"] = location;
            if (method == "POST" && bulkId is not null && location is not null) created[bulkId] = location[(location.LastIndexOf('/') + 1)..];
        }
        catch (ScimException e)
        {
            // The operation itself is malformed: nothing ran.
            result["status"] = ((int)e.Status).ToString(System.Globalization.CultureInfo.InvariantCulture);
            result["response"] = ((ScimJsonResult)ScimResults.Error(e)).Body;
        }
        return result;
    }

    static (string Path, JsonObject? Data, string? Version) Parse(JsonObject? operation, string? method, string? bulkId, Dictionary<string, string> created)
    {
        if (operation is null) throw ScimException.BadRequest(ScimType.InvalidSyntax, "Each operation must be a JSON object.");
        if (method is not ("POST" or "PUT" or "PATCH" or "DELETE"))
            throw ScimException.BadRequest(ScimType.InvalidValue, "'method' must be POST, PUT, PATCH or DELETE.");
        if (method == "POST" && bulkId is null) throw ScimException.BadRequest(ScimType.InvalidValue, "A POST operation needs a 'bulkId'.");
        if (Text(operation, "path") is not { } path)
            throw ScimException.BadRequest(ScimType.InvalidValue, "Each operation needs a 'path' such as /Users or /Groups/{id}.");
        var data = ScimJson.Get(operation, "data");
        if (method != "DELETE" && data is not JsonObject)
            throw ScimException.BadRequest(ScimType.InvalidSyntax, $"A {method} operation needs a 'data' object.");
        var version = Text(operation, "version");
        return (Resolve(path, created), data is JsonObject o ? (JsonObject)Resolve(o.DeepClone(), created)! : null, version);
    }

    /// <summary>A string member of an operation (names are case-insensitive), or null.</summary>
    static string? Text(JsonObject? operation, string name) =>
        operation is not null && ScimJson.Get(operation, name) is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    /// <summary>Replaces every <c>bulkId:x</c> string with the id the earlier POST of <c>x</c> created (in place).</summary>
    static JsonNode? Resolve(JsonNode? node, Dictionary<string, string> created)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                    if (Resolve(o[key], created) is { } replaced && !ReferenceEquals(replaced, o[key])) o[key] = replaced;
                return o;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    if (Resolve(a[i], created) is { } replaced && !ReferenceEquals(replaced, a[i])) a[i] = replaced;
                return a;
            case JsonValue v when v.TryGetValue<string>(out var text) && text.StartsWith(ReferencePrefix, StringComparison.Ordinal):
                return JsonValue.Create(Resolve(text, created));
            default:
                return node;
        }
    }

    static string Resolve(string text, Dictionary<string, string> created)
    {
        var start = text.IndexOf(ReferencePrefix, StringComparison.Ordinal);
        if (start < 0) return text;
        var reference = text[(start + ReferencePrefix.Length)..];
        return created.TryGetValue(reference, out var id)
            ? text[..start] + id
            : throw new ScimException(HttpStatusCode.Conflict, ScimType.InvalidValue,
                $"bulkId '{reference}' is not the bulkId of an earlier successful POST of this request.");
    }

    static HttpContext OperationContext(ScimRequest request, int index, string method, string path, JsonObject? data, string? version)
    {
        var outer = request.Http;
        var http = new DefaultHttpContext { RequestServices = outer.RequestServices, TraceIdentifier = $"{outer.TraceIdentifier}.{index + 1}" };
        http.Request.Method = method;
        http.Request.Scheme = outer.Request.Scheme;
        http.Request.Host = outer.Request.Host;
        http.Request.PathBase = outer.Request.PathBase;
        http.Request.Path = ScimRoutes.TenantPath(request.Tenant) + "/" + path.TrimStart('/');
        foreach (var header in new[] { "ADSCIMVersion", "User-Agent", "X-Forwarded-For" })
            if (outer.Request.Headers.TryGetValue(header, out var value)) http.Request.Headers[header] = value;
        if (version is not null) http.Request.Headers.IfMatch = version;
        if (data is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(data.ToJsonString());
            http.Request.Body = new MemoryStream(bytes);
            http.Request.ContentLength = bytes.Length;
            http.Request.ContentType = ScimMediaTypes.Scim;
        }
        return http;
    }

    /// <summary>The handler an operation's path and method name, through the same per-type dispatch as the routes.</summary>
    (string Operation, Func<ScimRequest, Task<IResult>> Handler) Route(string[] segments, string method)
    {
        IResourceHandlers? handlers = segments.Length is 1 or 2 ? segments[0].ToLowerInvariant() switch { "users" => users, "groups" => groups, _ => null } : null;
        var (collection, resource) = handlers == users ? ("Users", "User") : ("Groups", "Group");
        (string, Func<ScimRequest, Task<IResult>>) Checked(string name, Func<ScimRequest, Task<IResult>> handler) =>
            // A users-only tenant refuses each group operation as it refuses the /Groups routes (403).
            (name, handlers == groups ? r => { r.RequireGroupProvisioning(); return handler(r); } : handler);
        return (handlers, segments.Length == 2 ? segments[1] : null, method) switch
        {
            ({ } h, null, "POST") => Checked(collection, h.CreateAsync),
            ({ } h, { } id, "PUT") => Checked(resource, r => h.ReplaceAsync(r, id)),
            ({ } h, { } id, "PATCH") => Checked(resource, r => h.PatchAsync(r, id)),
            ({ } h, { } id, "DELETE") => Checked(resource, r => h.DeleteAsync(r, id)),
            _ => throw ScimException.BadRequest(ScimType.InvalidValue,
                $"{method} {"/" + string.Join('/', segments)} is not a Bulk operation: POST /Users or /Groups; PUT, PATCH or DELETE /Users/{{id}} or /Groups/{{id}}."),
        };
    }
}
