using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Resources;

namespace ScimFunctions.Protocol.Schema;

/// <summary>One value a declared unique or indexed extension attribute holds, in the form its index row
/// compares: <see cref="Attribute"/> is <c>urn:…:name</c> (canonical casing), <see cref="Value"/> the
/// value folded by the attribute's rules (upper case unless caseExact, numbers and date-times canonical).</summary>
public sealed record IndexedValue(string Attribute, string Value, bool Unique);

/// <summary>
/// Which values of a document get index rows, and the key a filter literal looks up: one definition for
/// the writes (rows claimed in the resource's own transaction) and the reads (point reads for
/// <c>urn:…:attr eq "x"</c>). Only declared, single-valued, simple attributes marked unique or indexed
/// qualify (<see cref="SchemaJson"/> refuses the others); undeclared attributes are never indexed.
/// </summary>
public static class ExtensionIndex
{
    public static IReadOnlyList<IndexedValue> ValuesOf(ResourceTypeDefinition type, JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(document);
        var values = new List<IndexedValue>();
        foreach (var extension in type.Extensions)
        {
            if (ScimJson.Get(document, extension.Id) is not JsonObject data) continue;
            foreach (var attribute in extension.Attributes.Where(a => a.HasIndex))
            {
                if (ScimJson.Get(data, attribute.Name) is JsonValue value && Fold(attribute, value) is { } folded)
                    values.Add(new IndexedValue(Name(extension, attribute), folded, attribute.Uniqueness != Uniqueness.None));
            }
        }
        return values;
    }

    /// <summary>The indexed attribute a resolved filter path names, or null when it has no index.</summary>
    public static string? IndexedName(ResolvedAttribute resolved) =>
        resolved is { IsExtension: true, SubAttribute: null, IsUndeclared: false } && resolved.Attribute.HasIndex && !resolved.Schema.IsUndeclared
            ? Name(resolved.Schema, resolved.Attribute)
            : null;

    /// <summary>A value (stored, or a filter's <c>eq</c> literal) folded for its attribute's index, or null
    /// when it cannot equal any stored value of that type.</summary>
    public static string? Fold(AttributeDefinition attribute, JsonValue value)
    {
        var kind = value.GetValueKind();
        switch (attribute.Type)
        {
            case AttributeType.Integer or AttributeType.Decimal:
                return kind == JsonValueKind.Number && decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                    ? d.ToString("G29", CultureInfo.InvariantCulture) : null;
            case AttributeType.DateTime:
                return kind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                    ? t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) : null;
            default:
                if (kind != JsonValueKind.String) return null;
                var text = value.GetValue<string>();
                return text.Length == 0 ? null : attribute.CaseExact ? text : text.ToUpperInvariant();
        }
    }

    static string Name(SchemaDefinition schema, AttributeDefinition attribute) => schema.Id + ":" + attribute.Name;
}
