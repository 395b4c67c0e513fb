using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Resources;

/// <summary>
/// The <c>attributes</c> / <c>excludedAttributes</c> parameters (RFC 7644 §3.4.2.5), decided once per
/// request so the store can skip work for attributes that will not be returned (members).
/// </summary>
public sealed class AttributeProjection
{
    /// <summary>One name of the parameter: a whole extension (<see cref="Attribute"/> null), an attribute, or
    /// one sub-attribute. Names compare case-insensitively, so undeclared attributes select like declared ones.</summary>
    sealed record Selection(SchemaDefinition Schema, AttributeDefinition? Attribute, AttributeDefinition? Sub)
    {
        public bool Covers(SchemaDefinition schema, AttributeDefinition attribute, AttributeDefinition? sub, bool wholeOnly) =>
            Schema.Is(schema) && (Attribute is null || Named(Attribute, attribute)
                && (Sub is null || !wholeOnly && (sub is null || Named(Sub, sub))));

        static bool Named(AttributeDefinition a, AttributeDefinition b) => string.Equals(a.Name, b.Name, StringComparison.OrdinalIgnoreCase);
    }

    readonly ResourceTypeDefinition _type;
    readonly IReadOnlyList<Selection>? _attributes;
    readonly IReadOnlyList<Selection> _excluded;

    AttributeProjection(ResourceTypeDefinition type, IReadOnlyList<Selection>? attributes, IReadOnlyList<Selection> excluded)
    {
        _type = type;
        _attributes = attributes;
        _excluded = excluded;
    }

    public static AttributeProjection Default(ResourceTypeDefinition type) => new(type, null, []);

    /// <summary>Parses the comma-separated parameter values. Unknown names are ignored (they select nothing).
    /// Repeated names count once; more than <see cref="WorkBudget.MaxAttributeNames"/> distinct names is a
    /// 400 (each name is checked against every attribute of every resource rendered).</summary>
    public static AttributeProjection Parse(ResourceTypeDefinition type, string? attributes, string? excludedAttributes)
    {
        var included = string.IsNullOrWhiteSpace(attributes) ? null : ResolveAll(type, attributes, "attributes");
        return new AttributeProjection(type, included,
            string.IsNullOrWhiteSpace(excludedAttributes) ? [] : ResolveAll(type, excludedAttributes, "excludedAttributes"));
    }

    static List<Selection> ResolveAll(ResourceTypeDefinition type, string list, string parameter)
    {
        var names = new HashSet<string>(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            StringComparer.OrdinalIgnoreCase);
        if (names.Count > WorkBudget.MaxAttributeNames)
            throw ScimException.BadRequest(ScimType.InvalidValue,
                $"'{parameter}' names {names.Count} distinct attributes; at most {WorkBudget.MaxAttributeNames} are accepted.");
        return [.. names
            .Select(name => type.FindExtensionObject(name) is { } extension ? new Selection(extension, null, null)
                : AttributeResolver.Resolve(type, AttributeResolver.ParsePath(name)) is { } r ? new Selection(r.Schema, r.Attribute, r.SubAttribute) : null)
            .OfType<Selection>().Distinct()];
    }

    /// <summary>Whether a top-level attribute of the core schema will be in the response at all.</summary>
    public bool Includes(string attributeName)
    {
        var definition = _type.Schema.FindAttribute(attributeName) ?? CommonAttributes.Find(attributeName);
        if (definition is null) return false;
        return IsReturned(_type.Schema, definition, null);
    }

    bool IsReturned(SchemaDefinition schema, AttributeDefinition attribute, AttributeDefinition? sub)
    {
        var target = sub ?? attribute;
        if (target.Returned == Returned.Never || attribute.Returned == Returned.Never) return false;
        if (target.Returned == Returned.Always || attribute.Returned == Returned.Always) return true;
        if (_attributes is not null) return _attributes.Any(a => a.Covers(schema, attribute, sub, wholeOnly: false));
        if (target.Returned == Returned.Request) return false;
        return !_excluded.Any(a => a.Covers(schema, attribute, sub, wholeOnly: sub is null));
    }

    /// <summary>Applies the projection to a rendered resource in place. <c>schemas</c> and <c>id</c> are always kept.</summary>
    public JsonObject Apply(JsonObject resource)
    {
        foreach (var (key, value) in resource.ToList())
        {
            if (key is "schemas") continue;
            // A stored document holds extension data only as objects under URN keys.
            if (_type.FindExtensionObject(key, knownObject: true) is { } extension)
            {
                if (value is JsonObject extensionObject) ApplyToObject(extensionObject, extension);
                if (value is not JsonObject { Count: > 0 }) resource.Remove(key);
                continue;
            }
            var definition = CommonAttributes.Find(key) ?? _type.Schema.FindAttribute(key);
            if (definition is null) continue;
            Trim(resource, key, value, _type.Schema, definition);
        }
        return resource;
    }

    void ApplyToObject(JsonObject obj, SchemaDefinition schema)
    {
        foreach (var (key, value) in obj.ToList())
        {
            Trim(obj, key, value, schema, schema.FindAttribute(key) ?? AttributeDefinition.Undeclared(key));
        }
    }

    void Trim(JsonObject owner, string key, JsonNode? value, SchemaDefinition schema, AttributeDefinition definition)
    {
        if (!definition.IsComplex || definition.SubAttributes.Count == 0)
        {
            if (!IsReturned(schema, definition, null)) owner.Remove(key);
            return;
        }
        var anySub = false;
        foreach (var element in value is JsonArray array ? array.OfType<JsonObject>() : value is JsonObject single ? [single] : [])
        {
            foreach (var (subKey, _) in element.ToList())
            {
                var sub = definition.FindSubAttribute(subKey);
                if (sub is null ? !IsReturned(schema, definition, null) : !IsReturned(schema, definition, sub)) element.Remove(subKey);
            }
            anySub |= element.Count > 0;
        }
        if (!anySub) owner.Remove(key);
    }
}
