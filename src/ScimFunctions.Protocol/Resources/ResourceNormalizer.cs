using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Resources;

/// <summary>A POST/PUT body in canonical form. <see cref="MemberIds"/> is null when the body had no
/// <c>members</c> key, and empty when it had <c>members: null</c> or <c>[]</c>: the caller decides
/// what an absent key means for membership.</summary>
public sealed record NormalizedResource(JsonObject Document, IReadOnlyList<string>? MemberIds);

/// <summary>Turns client JSON into the canonical resource document described on <see cref="ScimJson"/>.</summary>
public static class ResourceNormalizer
{
    const string Members = "members";

    /// <summary>Longest userName, displayName or externalId, in characters: each is written into index
    /// rows and into every change-feed event, and a Table property holds at most 32K characters.</summary>
    public const int MaxIdentifierLength = 2048;

    /// <summary>Longest value of any other string attribute, in characters (one Table property).</summary>
    public const int MaxStringLength = 32_000;

    static int MaxLength(AttributeDefinition attribute) =>
        attribute.Name is "userName" or "displayName" or "externalId" ? MaxIdentifierLength : MaxStringLength;

    public static NormalizedResource Normalize(ResourceTypeDefinition type, JsonObject body)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(body);
        var doc = new JsonObject();
        List<string>? memberIds = null;
        // The client's schemas list is not trusted: Entra and Okta send variations (extra URNs such as
        // ADSCIM's, or a missing core URN, or none of the extension URNs they use). The list is rebuilt
        // from the data actually kept; it only tells an undeclared extension object from an attribute path.
        var listed = ListedSchemas(body);
        foreach (var (key, value) in body)
        {
            if (key.Equals("schemas", StringComparison.OrdinalIgnoreCase)) continue;
            if (type.FindExtensionObject(key, listed.Contains(key)) is { } extension)
            {
                if (value is null) continue;
                if (value is not JsonObject fields) throw Invalid($"'{extension.Id}' must be an object.");
                foreach (var (name, field) in fields)
                    SetNormalized(type, doc, ExtensionAttribute(type, extension, name, ScimType.InvalidValue), field);
                continue;
            }
            var resolved = Resolve(type, AttributeResolver.ParsePath(key));
            if (resolved is null) continue; // unknown core attribute, or a schema URN outside the extension namespace
            type.Admit(resolved.Schema, resolved.Attribute, ScimType.InvalidValue);
            if (IsMembers(resolved))
            {
                // Members live in their own rows, never in the document.
                memberIds = [.. (memberIds ?? []).Concat(MemberIdsOf(value)).Distinct(StringComparer.Ordinal)];
                continue;
            }
            SetNormalized(type, doc, resolved, value);
        }

        foreach (var attribute in type.Schema.Attributes.Where(a => a.Required))
        {
            var present = ScimJson.Get(doc, attribute.Name);
            if (present is null || IsEmptyString(present)) throw Invalid($"'{attribute.Name}' is required.");
        }
        foreach (var extension in type.Extensions)
        {
            if (ScimJson.Get(doc, extension.Id) is not JsonObject data) continue;
            foreach (var attribute in extension.Attributes.Where(a => a.Required && ScimJson.Get(data, a.Name) is null))
                throw Invalid($"'{extension.Id}:{attribute.Name}' is required.");
        }
        SyncSchemas(type, doc);
        return new NormalizedResource(doc, memberIds);
    }

    /// <summary>Normalises a value for one attribute path (the whole attribute, or one sub-attribute).
    /// Returns null when the value means "absent". <paramref name="type"/> is the resource type the path
    /// was resolved against.</summary>
    public static JsonNode? NormalizeValue(ResourceTypeDefinition type, ResolvedAttribute attribute, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(attribute);
        if (attribute.SubAttribute is { } sub) return NormalizeSingle(sub, value);
        return IsManager(attribute) ? NormalizeManager(value) : NormalizeAttribute(attribute.Attribute, value);
    }

    /// <summary>The member ids of a <c>members</c> value: an array of <c>{ "value": id }</c> or one such object.</summary>
    public static IReadOnlyList<string> MemberIdsOf(JsonNode? value)
    {
        var items = value switch
        {
            null => [],
            JsonArray array => array.ToList(),
            _ => [value],
        };
        var ids = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item is not JsonObject member || ScimJson.Get(member, "value") is not JsonValue v
                || !v.TryGetValue<string>(out var id) || id.Length == 0)
                throw Invalid("Each member must be an object whose 'value' is a non-empty string id.");
            if (seen.Add(id)) ids.Add(id);
        }
        return ids;
    }

    /// <summary><see cref="AttributeResolver.Resolve"/>, plus extension attributes named without their
    /// URN (<c>manager</c>, <c>department</c>): Entra uses both forms.</summary>
    internal static ResolvedAttribute? Resolve(ResourceTypeDefinition type, Filtering.AttributePath path)
    {
        if (AttributeResolver.Resolve(type, path) is { } resolved) return resolved;
        if (path.SchemaUrn is not null) return null;
        return type.Extensions.Where(e => e.FindAttribute(path.Name) is not null)
            .Select(e => AttributeResolver.Resolve(type, path with { SchemaUrn = e.Id }))
            .FirstOrDefault(r => r is not null);
    }

    /// <summary>An attribute named inside an extension object (<c>{ "urn:…:User": { name: … } }</c>): the declared
    /// one, else an undeclared one, which a strict tenant refuses with <paramref name="scimType"/>.</summary>
    internal static ResolvedAttribute ExtensionAttribute(ResourceTypeDefinition type, SchemaDefinition extension, string name, string scimType)
    {
        var attribute = extension.FindAttribute(name) ?? AttributeDefinition.Undeclared(name);
        type.Admit(extension, attribute, scimType);
        return new ResolvedAttribute(extension, attribute, null, true);
    }

    static HashSet<string> ListedSchemas(JsonObject body) =>
        new(ScimJson.Get(body, "schemas") is JsonArray schemas
            ? schemas.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).OfType<string>()
            : [], StringComparer.OrdinalIgnoreCase);

    /// <summary>Group members: kept out of the document and handled as membership rows.</summary>
    internal static bool IsMembers(ResolvedAttribute r) =>
        !r.IsExtension && r.Schema.Id == ScimUrns.Group && r.Attribute.Name == Members;

    internal static bool IsManager(ResolvedAttribute r) => r.SubAttribute is null && IsManager(r.Schema, r.Attribute);

    internal static bool IsManager(SchemaDefinition schema, AttributeDefinition attribute) =>
        schema.Id == ScimUrns.EnterpriseUser && attribute.Name == "manager";

    /// <summary>Rewrites <c>schemas</c> to the core URN plus each extension holding data, declared ones first
    /// (dropping empty extension objects); leaves an equivalent existing list untouched so no spurious change shows.</summary>
    internal static void SyncSchemas(ResourceTypeDefinition type, JsonObject doc)
    {
        var wanted = new List<string> { type.Schema.Id };
        var extensionKeys = doc.Where(p => ScimUrns.IsExtensionUrn(p.Key) || type.FindExtension(p.Key) is not null)
            .OrderBy(p => type.FindExtension(p.Key) is { } declared ? type.Extensions.ToList().IndexOf(declared) : int.MaxValue)
            .ToList();
        foreach (var (key, node) in extensionKeys)
        {
            if (node is JsonObject { Count: > 0 }) wanted.Add(type.FindExtension(key)?.Id ?? key);
            else doc.Remove(key);
        }
        var current = ScimJson.Get(doc, "schemas") as JsonArray;
        var same = current is not null && current.Count == wanted.Count && wanted.All(urn =>
            current.Any(n => n is JsonValue v && v.TryGetValue<string>(out var s) && s.Equals(urn, StringComparison.OrdinalIgnoreCase)));
        if (same) return;
        var schemas = new JsonArray([.. wanted.Select(u => (JsonNode?)JsonValue.Create(u))]);
        if (current is null)
        {
            // Keep "schemas" first, as every response shows it.
            var rest = doc.ToList();
            doc.Clear();
            doc["schemas"] = schemas;
            foreach (var (k, v) in rest) doc[k] = v;
        }
        else ScimJson.Set(doc, "schemas", schemas);
    }

    internal static JsonObject ExtensionObject(JsonObject doc, string urn)
    {
        if (ScimJson.Get(doc, urn) is JsonObject existing) return existing;
        var created = new JsonObject();
        ScimJson.Set(doc, urn, created);
        return created;
    }

    static void SetNormalized(ResourceTypeDefinition type, JsonObject doc, ResolvedAttribute resolved, JsonNode? value)
    {
        var attribute = resolved.Attribute;
        // readOnly data is ignored on write (id, meta, groups); password is accepted and discarded.
        if (attribute.Mutability is Mutability.ReadOnly or Mutability.WriteOnly) return;
        if (resolved.SubAttribute is { Mutability: Mutability.ReadOnly or Mutability.WriteOnly }) return;
        var normalized = NormalizeValue(type, resolved, value);
        if (normalized is null) return;
        var container = resolved.IsExtension ? ExtensionObject(doc, resolved.Schema.Id) : doc;
        if (resolved.SubAttribute is { } sub)
        {
            // "urn:…:User:name.givenName" at top level: one field of a single-valued complex attribute.
            if (attribute.MultiValued) return;
            if (ScimJson.Get(container, attribute.Name) is not JsonObject parent)
                ScimJson.Set(container, attribute.Name, parent = new JsonObject());
            ScimJson.Set(parent, sub.Name, normalized);
        }
        else ScimJson.Set(container, attribute.Name, normalized);
    }

    static JsonNode? NormalizeAttribute(AttributeDefinition attribute, JsonNode? value)
    {
        if (!attribute.MultiValued) return NormalizeSingle(attribute, value);
        var items = new JsonArray();
        foreach (var item in value is JsonArray array ? array.ToList() : [value])
            if (NormalizeSingle(attribute, item) is { } normalized) items.Add(normalized);
        if (items.Count == 0) return null;
        if (items.Count(IsPrimary) > 1) throw Invalid($"At most one '{attribute.Name}' value may be primary.");
        return items;
    }

    /// <summary>One value of an attribute, ignoring its multi-valuedness.</summary>
    internal static JsonNode? NormalizeSingle(AttributeDefinition attribute, JsonNode? value)
    {
        if (attribute.IsUndeclared) return AsSent(value);
        switch (value)
        {
            case null:
                return null;
            case JsonArray array:
                // A one-element array around a single value ([{ "value": "x" }] from Entra).
                return array.Count switch
                {
                    0 => null,
                    1 => NormalizeSingle(attribute, array[0]),
                    _ => throw Invalid($"'{attribute.Name}' takes a single value, not an array of {array.Count}."),
                };
            case JsonObject obj when attribute.IsComplex:
                var result = new JsonObject();
                foreach (var (name, field) in obj)
                {
                    var sub = attribute.FindSubAttribute(name);
                    if (sub is null || sub.Mutability is Mutability.ReadOnly) continue;
                    if (NormalizeSingle(sub, field) is { } normalized) result[sub.Name] = normalized;
                }
                return result.Count == 0 ? null : result;
            case JsonObject obj:
                // A simple value wrapped as { "value": x }.
                if (ScimJson.TryGet(obj, "value", out _, out var inner)) return NormalizeSingle(attribute, inner);
                throw Invalid($"'{attribute.Name}' takes a simple value, not an object.");
            case JsonValue when attribute.IsComplex:
                throw Invalid($"'{attribute.Name}' is a complex attribute and takes an object.");
            case JsonValue scalar:
                return NormalizeScalar(attribute, scalar);
            default:
                throw Invalid($"'{attribute.Name}' has an unsupported value.");
        }
    }

    /// <summary>An undeclared value, kept as sent. Only Entra's wrapping of a simple value
    /// (<c>[{ "value": x }]</c>, its PATCH dialect without aadOptscim062020) is unwrapped, so both dialects
    /// store the same thing; null and [] mean absent.</summary>
    static JsonNode? AsSent(JsonNode? value) => value switch
    {
        null or JsonArray { Count: 0 } => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        JsonArray { Count: 1 } one when one[0] is JsonObject { Count: 1 } only && ScimJson.Get(only, "value") is JsonValue inner => inner.DeepClone(),
        _ => value.DeepClone(),
    };

    static JsonValue? NormalizeScalar(AttributeDefinition attribute, JsonValue value)
    {
        var kind = value.GetValueKind();
        switch (attribute.Type)
        {
            case AttributeType.Boolean:
                if (kind is JsonValueKind.True or JsonValueKind.False) return JsonValue.Create(kind == JsonValueKind.True);
                // Entra sends "True"/"False". (bool.TryParse would also accept surrounding spaces.)
                if (kind == JsonValueKind.String && value.GetValue<string>() is var text
                    && (text.Equals("true", StringComparison.OrdinalIgnoreCase) || text.Equals("false", StringComparison.OrdinalIgnoreCase)))
                    return JsonValue.Create(text.Length == 4);
                throw Invalid($"'{attribute.Name}' must be true or false, not {value.ToJsonString()}.");
            case AttributeType.Integer or AttributeType.Decimal:
                if (kind == JsonValueKind.Number) return (JsonValue)value.DeepClone();
                if (kind == JsonValueKind.String && decimal.TryParse(value.GetValue<string>(), System.Globalization.NumberStyles.Float,
                        System.Globalization.CultureInfo.InvariantCulture, out var number))
                    return JsonValue.Create(number);
                throw Invalid($"'{attribute.Name}' must be a number, not {value.ToJsonString()}.");
            default:
                if (kind == JsonValueKind.String)
                {
                    var length = value.GetValue<string>().Length;
                    var max = MaxLength(attribute);
                    if (length > max) throw Invalid($"'{attribute.Name}' is {length} characters long; at most {max} are accepted.");
                    return (JsonValue)value.DeepClone();
                }
                // A number sent for a string keeps its exact JSON text: 55555555555 stays "55555555555".
                if (kind == JsonValueKind.Number) return JsonValue.Create(value.ToJsonString());
                throw Invalid($"'{attribute.Name}' must be a string, not {value.ToJsonString()}.");
        }
    }

    const int MaxManagerIdLength = 64;

    /// <summary>Entra's manager shapes: "id", { "value": "id" }, [{ "value": "id" }]. Stored as { "value": id };
    /// $ref and displayName are rendered on read. An empty id means "no manager".</summary>
    static JsonObject? NormalizeManager(JsonNode? value)
    {
        while (value is JsonArray array)
        {
            if (array.Count > 1) throw Invalid("'manager' takes a single value.");
            value = array.Count == 0 ? null : array[0];
        }
        if (value is JsonObject obj) value = ScimJson.Get(obj, "value");
        if (value is null) return null;
        if (value is not JsonValue scalar || scalar.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number))
            throw Invalid("'manager' must be a user id, { \"value\": id } or [{ \"value\": id }].");
        var id = scalar.GetValueKind() == JsonValueKind.String ? scalar.GetValue<string>() : scalar.ToJsonString();
        if (id.Length == 0) return null;
        // The id becomes a $ref under the tenant's URL: a path or a URL in it would point elsewhere.
        if (id.Length > MaxManagerIdLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || id.Trim('.').Length == 0)
            throw Invalid($"'manager' must be a user id (at most {MaxManagerIdLength} letters, digits, '-', '_' or '.').");
        return new JsonObject { ["value"] = id };
    }

    internal static bool IsPrimary(JsonNode? element) =>
        element is JsonObject obj && ScimJson.Get(obj, "primary") is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    static bool IsEmptyString(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) && s.Length == 0;

    static ScimException Invalid(string detail) => ScimException.BadRequest(ScimType.InvalidValue, detail);
}
