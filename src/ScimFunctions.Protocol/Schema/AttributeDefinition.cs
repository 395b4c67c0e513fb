namespace ScimFunctions.Protocol.Schema;

public enum AttributeType { String, Boolean, Decimal, Integer, DateTime, Binary, Reference, Complex }

public enum Mutability { ReadOnly, ReadWrite, Immutable, WriteOnly }

public enum Returned { Always, Never, Default, Request }

public enum Uniqueness { None, Server, Global }

/// <summary>One attribute of a SCIM schema (RFC 7643 §7): the single description that validation,
/// case-insensitive name lookup, projection, filtering and PATCH all read. <see cref="Indexed"/> (not in
/// RFC 7643) asks for index rows, so an <c>eq</c> filter on it costs point reads like <c>userName eq</c>;
/// <see cref="Uniqueness"/> server or global implies it.</summary>
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
    IReadOnlyList<string>? ReferenceTypes = null,
    bool Indexed = false)
{
    public IReadOnlyList<AttributeDefinition> SubAttributes { get; init; } = SubAttributes ?? [];

    public bool IsComplex => Type == AttributeType.Complex;

    public bool HasIndex => Indexed || Uniqueness != Uniqueness.None;

    /// <summary>An attribute the tenant has not declared, met under an extension URN: its value is kept as
    /// sent, whatever its JSON shape, and compared by the literal's kind with RFC 7643 §2.2's defaults
    /// (a string is caseExact false). Its sub-attributes are undeclared too.</summary>
    public bool IsUndeclared { get; private init; }

    public static AttributeDefinition Undeclared(string name) =>
        new(name, AttributeType.String, "Undeclared extension attribute, kept as sent.") { IsUndeclared = true };

    public AttributeDefinition? FindSubAttribute(string name) =>
        IsUndeclared ? Undeclared(name) : SubAttributes.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The sub-attribute a filter compares when a complex multi-valued attribute is named
    /// without one (<c>emails eq "x"</c> and <c>members eq "id"</c> mean the <c>value</c> sub-attribute).</summary>
    public AttributeDefinition? ValueSubAttribute => FindSubAttribute("value");
}

/// <summary>A SCIM schema: a URN and its top-level attributes.</summary>
public sealed record SchemaDefinition(string Id, string Name, string Description, IReadOnlyList<AttributeDefinition> Attributes)
{
    public AttributeDefinition? FindAttribute(string name) =>
        Attributes.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>An extension URN the tenant has not declared; every attribute under it is undeclared.</summary>
    public bool IsUndeclared { get; private init; }

    public static SchemaDefinition Undeclared(string urn) => new(urn, urn, "Undeclared extension.", []) { IsUndeclared = true };

    /// <summary>The same schema whatever the casing of its URN (undeclared schemas are built per use).</summary>
    public bool Is(SchemaDefinition other) => string.Equals(Id, other.Id, StringComparison.OrdinalIgnoreCase);
}

/// <summary>What a tenant does with attributes under an extension URN it has not declared.</summary>
public enum UndeclaredExtensions { Keep, Reject }

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

    /// <summary>The tenant's choice for undeclared extensions (the default keeps them).</summary>
    public UndeclaredExtensions Undeclared { get; init; } = UndeclaredExtensions.Keep;

    /// <summary>
    /// The extension whose whole object a client key (a top-level body key, a path-less PATCH key or a PATCH
    /// path) names: a declared extension, or an undeclared one under <see cref="ScimUrns.ExtensionPrefix"/>
    /// when the key ends with this type's name (Entra's <c>urn:…:{Name}:2.0:User</c>) or
    /// <paramref name="knownObject"/> says so (listed in the body's <c>schemas</c>, or already a key of the
    /// stored document). Otherwise the key is an attribute path such as <c>urn:…:2.0:User:costCenter</c>.
    /// Undeclared schemas are returned whatever the tenant's choice; callers reject them in strict mode.
    /// </summary>
    public SchemaDefinition? FindExtensionObject(string key, bool knownObject = false)
    {
        if (FindExtension(key) is { } declared) return declared;
        if (!ScimUrns.IsExtensionUrn(key)) return null;
        return knownObject || key.EndsWith(":" + Name, StringComparison.OrdinalIgnoreCase) ? SchemaDefinition.Undeclared(key) : null;
    }

    /// <summary>Strict tenants refuse an undeclared extension, and an undeclared attribute of a declared one,
    /// with <paramref name="scimType"/> and a detail naming the URN. Returns the schema otherwise.</summary>
    public SchemaDefinition Admit(SchemaDefinition schema, AttributeDefinition? attribute, string scimType)
    {
        if (Undeclared == UndeclaredExtensions.Keep) return schema;
        if (schema.IsUndeclared)
            throw ScimException.BadRequest(scimType, $"The extension schema '{schema.Id}' is not declared for this tenant's {Name} resources.");
        if (attribute is { IsUndeclared: true })
            throw ScimException.BadRequest(scimType, $"'{attribute.Name}' is not an attribute of the declared extension '{schema.Id}'.");
        return schema;
    }
}
