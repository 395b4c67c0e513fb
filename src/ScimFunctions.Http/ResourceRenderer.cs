using System.Text.Json.Nodes;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Http;

/// <summary>Turns a stored document into the resource a client sees: schemas, id, meta, $ref links.</summary>
public static class ResourceRenderer
{
    /// <summary>The built-in type of a kind: its name and endpoint (the same for every tenant).</summary>
    public static ResourceTypeDefinition TypeOf(ResourceKind kind) => kind == ResourceKind.User ? ScimSchemas.UserType : ScimSchemas.GroupType;

    public static string Location(string baseUrl, ResourceKind kind, string id) => $"{baseUrl}{TypeOf(kind).Endpoint}/{id}";

    /// <summary>meta.version and the ETag header: a weak ETag of the write counter and the last-modified
    /// instant (membership changes move only the latter).</summary>
    public static string Version(StoredResource resource) => $"W/\"{resource.Version}-{resource.LastModified.UtcTicks:x}\"";

    public static JsonObject Render(StoredResource resource, string baseUrl)
    {
        var type = TypeOf(resource.Kind);
        // Every extension holding data, declared or not: keys in the extension namespace, and any other URN the
        // write listed (a tenant may declare one outside it).
        var listed = ScimJson.Get(resource.Document, "schemas") is JsonArray stored
            ? stored.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase)
            : [];
        var schemas = new JsonArray(type.Schema.Id);
        foreach (var (key, value) in resource.Document)
            if (value is JsonObject { Count: > 0 } && (ScimUrns.IsExtensionUrn(key) || listed.Contains(key))) schemas.Add(key);

        var output = new JsonObject { ["schemas"] = schemas, ["id"] = resource.Id };
        foreach (var (key, value) in resource.Document)
        {
            if (key is "schemas" or "id" or "meta") continue;
            output[key] = value?.DeepClone();
        }
        if (output[ScimUrns.EnterpriseUser] is JsonObject enterprise && enterprise["manager"] is JsonObject manager
            && manager["value"]?.GetValue<string>() is { } managerId)
        {
            manager["$ref"] = Location(baseUrl, ResourceKind.User, managerId);
        }
        output["meta"] = new JsonObject
        {
            ["resourceType"] = type.Name,
            ["created"] = resource.Created.UtcDateTime.ToString("O"),
            ["lastModified"] = resource.LastModified.UtcDateTime.ToString("O"),
            ["location"] = Location(baseUrl, resource.Kind, resource.Id),
            ["version"] = Version(resource),
        };
        return output;
    }

    /// <summary>If-Match / If-None-Match against the resource's version. "*" matches any existing resource.</summary>
    public static bool Matches(string? header, StoredResource resource)
    {
        if (string.IsNullOrWhiteSpace(header)) return false;
        var current = Version(resource);
        foreach (var tag in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (tag == "*") return true;
            var bare = tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
            if (bare == current[2..]) return true;
        }
        return false;
    }
}
