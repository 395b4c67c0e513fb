using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Resources;

namespace ScimFunctions.Protocol.Schema;

/// <summary>
/// Schema definitions to and from the JSON shape of RFC 7643 §7 (what <c>/Schemas</c> returns and what an
/// admin declares). Parsing checks what the rest of the protocol relies on: valid attribute names
/// (RFC 7643 §2.1), known types and characteristics, sub-attributes only on complex attributes and never
/// complex themselves, unique names, and indexes only on single-valued simple attributes. Errors are
/// 400 <c>invalidValue</c> naming the attribute.
/// </summary>
public static class SchemaJson
{
    public static JsonObject Write(SchemaDefinition schema) => new()
    {
        ["id"] = schema.Id,
        ["name"] = schema.Name,
        ["description"] = schema.Description,
        ["attributes"] = new JsonArray([.. schema.Attributes.Select(Write)]),
    };

    public static JsonObject Write(AttributeDefinition a)
    {
        var node = new JsonObject
        {
            ["name"] = a.Name,
            ["type"] = TypeName(a.Type),
            ["multiValued"] = a.MultiValued,
            ["description"] = a.Description,
            ["required"] = a.Required,
            ["caseExact"] = a.CaseExact,
            ["mutability"] = MutabilityName(a.Mutability),
            ["returned"] = a.Returned.ToString().ToLowerInvariant(),
            ["uniqueness"] = a.Uniqueness.ToString().ToLowerInvariant(),
        };
        if (a.Indexed) node["indexed"] = true;
        if (a.CanonicalValues is { Count: > 0 } canonical) node["canonicalValues"] = new JsonArray([.. canonical.Select(v => (JsonNode)v)]);
        if (a.ReferenceTypes is { Count: > 0 } refs) node["referenceTypes"] = new JsonArray([.. refs.Select(v => (JsonNode)v)]);
        if (a.IsComplex) node["subAttributes"] = new JsonArray([.. a.SubAttributes.Select(Write)]);
        return node;
    }

    /// <summary>One schema resource: <c>id</c> (a URN), optional <c>name</c> and <c>description</c>, <c>attributes</c>.</summary>
    public static SchemaDefinition Read(JsonObject json)
    {
        var id = Text(json, "id", "schema") ?? throw Invalid("A schema needs an 'id' (its URN).");
        if (!id.StartsWith("urn:", StringComparison.OrdinalIgnoreCase) || id.Any(char.IsWhiteSpace) || id.Length > 256 || id.EndsWith(':'))
            throw Invalid($"Schema id '{id}' must be a URN (urn:…) without spaces, at most 256 characters.");
        var attributes = ReadAttributes(ScimJson.Get(json, "attributes"), id, parent: null);
        return new SchemaDefinition(id, Text(json, "name", id) ?? id, Text(json, "description", id) ?? "", attributes);
    }

    static List<AttributeDefinition> ReadAttributes(JsonNode? node, string owner, AttributeDefinition? parent)
    {
        if (node is not JsonArray array) throw Invalid($"'{owner}' needs an '{(parent is null ? "attributes" : "subAttributes")}' array.");
        var result = new List<AttributeDefinition>();
        foreach (var item in array)
        {
            if (item is not JsonObject obj) throw Invalid($"Each attribute of '{owner}' must be an object.");
            var attribute = ReadAttribute(obj, owner, parent);
            if (result.Any(a => a.Name.Equals(attribute.Name, StringComparison.OrdinalIgnoreCase)))
                throw Invalid($"'{owner}' declares '{attribute.Name}' twice.");
            result.Add(attribute);
        }
        return result;
    }

    static AttributeDefinition ReadAttribute(JsonObject json, string owner, AttributeDefinition? parent)
    {
        var name = Text(json, "name", owner) ?? throw Invalid($"An attribute of '{owner}' has no 'name'.");
        if (!IsAttributeName(name) && !(parent is not null && name == "$ref"))
            throw Invalid($"'{name}' in '{owner}' is not a valid attribute name (a letter, then letters, digits, '-' or '_').");
        var where = parent is null ? $"{owner}:{name}" : $"{owner}:{parent.Name}.{name}";
        var type = Enum<AttributeType>(json, "type", where) ?? AttributeType.String;
        var attribute = new AttributeDefinition(
            name, type, Text(json, "description", where) ?? "",
            MultiValued: Flag(json, "multiValued", where),
            Required: Flag(json, "required", where),
            CaseExact: Flag(json, "caseExact", where),
            Mutability: Enum<Mutability>(json, "mutability", where) ?? Mutability.ReadWrite,
            Returned: Enum<Returned>(json, "returned", where) ?? Returned.Default,
            Uniqueness: Enum<Uniqueness>(json, "uniqueness", where) ?? Uniqueness.None,
            CanonicalValues: Strings(json, "canonicalValues", where),
            ReferenceTypes: Strings(json, "referenceTypes", where),
            Indexed: Flag(json, "indexed", where));
        if (type == AttributeType.Complex)
        {
            if (parent is not null) throw Invalid($"'{where}': a sub-attribute cannot be complex (RFC 7643 §2.3.8).");
            attribute = attribute with { SubAttributes = ReadAttributes(ScimJson.Get(json, "subAttributes"), where, attribute) };
        }
        else if (ScimJson.Get(json, "subAttributes") is JsonArray { Count: > 0 })
            throw Invalid($"'{where}' has sub-attributes but is not of type complex.");
        if (attribute.HasIndex && (parent is not null || attribute.MultiValued || type is AttributeType.Complex or AttributeType.Binary or AttributeType.Boolean))
            throw Invalid($"'{where}': only single-valued top-level string, reference, number or dateTime attributes can be unique or indexed.");
        return attribute;
    }

    /// <summary>RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA.</summary>
    public static bool IsAttributeName(string name) =>
        name.Length is > 0 and <= 128 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static string TypeName(AttributeType type) =>
        type == AttributeType.DateTime ? "dateTime" : type.ToString().ToLowerInvariant();

    static string MutabilityName(Mutability m) => m switch
    {
        Mutability.ReadOnly => "readOnly",
        Mutability.WriteOnly => "writeOnly",
        Mutability.Immutable => "immutable",
        _ => "readWrite",
    };

    static string? Text(JsonObject json, string name, string where) => ScimJson.Get(json, name) switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw Invalid($"'{name}' of '{where}' must be a string."),
    };

    static bool Flag(JsonObject json, string name, string where) => ScimJson.Get(json, name) switch
    {
        null => false,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw Invalid($"'{name}' of '{where}' must be true or false."),
    };

    static T? Enum<T>(JsonObject json, string name, string where) where T : struct, Enum =>
        Text(json, name, where) is not { } text ? null
        : System.Enum.TryParse<T>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _) ? value
        : throw Invalid($"'{name}' of '{where}' cannot be '{text}'; expected one of {string.Join(", ", System.Enum.GetNames<T>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}.");

    static List<string>? Strings(JsonObject json, string name, string where) => ScimJson.Get(json, name) switch
    {
        null => null,
        JsonArray a when a.All(n => n is JsonValue v && v.GetValueKind() == JsonValueKind.String) => [.. a.Select(n => n!.GetValue<string>())],
        _ => throw Invalid($"'{name}' of '{where}' must be an array of strings."),
    };

    static ScimException Invalid(string detail) => ScimException.BadRequest(ScimType.InvalidValue, detail);
}
