using System.Text.Json.Nodes;

namespace ScimFunctions.Protocol.Resources;

/// <summary>
/// Small helpers over System.Text.Json nodes for SCIM's case-insensitive attribute names.
///
/// The canonical resource document (what stores keep and PATCH edits) is a JsonObject whose keys use
/// the schema's canonical casing; extension attributes sit in an object under the extension URN key;
/// booleans are JSON booleans; multi-valued attributes are arrays; an absent value is a missing key
/// (never null, never an empty array). Group members and a user's groups are not in the document:
/// they are stored as rows and added when a resource is rendered.
/// </summary>
public static class ScimJson
{
    /// <summary>Finds a property by exact name first, then case-insensitively. Returns the stored key too.</summary>
    public static bool TryGet(JsonObject obj, string name, out string key, out JsonNode? value)
    {
        if (obj.TryGetPropertyValue(name, out value))
        {
            key = name;
            return true;
        }
        foreach (var (k, v) in obj)
        {
            if (string.Equals(k, name, StringComparison.OrdinalIgnoreCase))
            {
                key = k;
                value = v;
                return true;
            }
        }
        key = name;
        value = null;
        return false;
    }

    public static JsonNode? Get(JsonObject obj, string name) => TryGet(obj, name, out _, out var value) ? value : null;

    public static string? GetString(JsonObject obj, string name) =>
        Get(obj, name) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>Removes a property whatever its casing.</summary>
    public static bool Remove(JsonObject obj, string name) => TryGet(obj, name, out var key, out _) && obj.Remove(key);

    /// <summary>Sets a property under its canonical name, replacing any differently-cased key.</summary>
    public static void Set(JsonObject obj, string canonicalName, JsonNode? value)
    {
        if (TryGet(obj, canonicalName, out var key, out _) && key != canonicalName) obj.Remove(key);
        obj[canonicalName] = value;
    }
}
