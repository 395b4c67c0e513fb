namespace ScimFunctions.Protocol.Schema;

public enum AttributeType { String, Boolean, Decimal, Integer, DateTime, Binary, Reference, Complex }

public enum Mutability { ReadOnly, ReadWrite, Immutable, WriteOnly }

public enum Returned { Always, Never, Default, Request }

public enum Uniqueness { None, Server, Global }

/// <summary>One attribute of a SCIM schema (RFC 7643 §7): the single description that validation,
/// case-insensitive name lookup, projection, filtering and PATCH all read.</summary>
public sealed record AttributeDefinition(
    string Name,
    AttributeType Type,
    string Description,
    bool MultiValued = false,
    bool Required = false,
    bool CaseExact = false,
    Mutability Mutability = Mutability.ReadWrite,
    Returned Returned = Returned.Default,
    Uniqueness Uniqueness = Uniqueness.None,
    IReadOnlyList<AttributeDefinition>? SubAttributes = null,
    IReadOnlyList<string>? CanonicalValues = null,
    IReadOnlyList<string>? ReferenceTypes = null)
{
    public IReadOnlyList<AttributeDefinition> SubAttributes { get; init; } = SubAttributes ?? [];

    public bool IsComplex => Type == AttributeType.Complex;

    public AttributeDefinition? FindSubAttribute(string name) =>
        SubAttributes.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The sub-attribute a filter compares when a complex multi-valued attribute is named
    /// without one (<c>emails eq "x"</c> and <c>members eq "id"</c> mean the <c>value</c> sub-attribute).</summary>
    public AttributeDefinition? ValueSubAttribute => FindSubAttribute("value");
}

/// <summary>A SCIM schema: a URN and its top-level attributes.</summary>
public sealed record SchemaDefinition(string Id, string Name, string Description, IReadOnlyList<AttributeDefinition> Attributes)
{
    public AttributeDefinition? FindAttribute(string name) =>
        Attributes.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>A resource type (RFC 7643 §6): endpoint, core schema and extensions.</summary>
public sealed record ResourceTypeDefinition(
    string Name,
    string Endpoint,
    string Description,
    SchemaDefinition Schema,
    IReadOnlyList<SchemaDefinition> Extensions)
{
    public IEnumerable<SchemaDefinition> AllSchemas => Extensions.Prepend(Schema);

    public SchemaDefinition? FindSchema(string urn) =>
        AllSchemas.FirstOrDefault(s => string.Equals(s.Id, urn, StringComparison.OrdinalIgnoreCase));

    /// <summary>The extension a top-level JSON key names, if the key is an extension URN.</summary>
    public SchemaDefinition? FindExtension(string urn) =>
        Extensions.FirstOrDefault(s => string.Equals(s.Id, urn, StringComparison.OrdinalIgnoreCase));
}
