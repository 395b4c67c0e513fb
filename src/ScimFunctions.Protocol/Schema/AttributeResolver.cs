using ScimFunctions.Protocol.Filtering;

namespace ScimFunctions.Protocol.Schema;

/// <summary>An attribute path bound to its definition. <see cref="Schema"/> is the schema that holds
/// the attribute: for an extension attribute, the resource JSON keeps it under the extension URN key.</summary>
public sealed record ResolvedAttribute(SchemaDefinition Schema, AttributeDefinition Attribute, AttributeDefinition? SubAttribute, bool IsExtension)
{
    /// <summary>The definition the path ends at: the sub-attribute if named, else the attribute.</summary>
    public AttributeDefinition Target => SubAttribute ?? Attribute;

    /// <summary>The tenant has not declared it: the whole value is kept as sent.</summary>
    public bool IsUndeclared => Attribute.IsUndeclared;
}

public static class AttributeResolver
{
    /// <summary>Binds a client path to the resource type's schemas, case-insensitively. Returns null
    /// when the path names no attribute this service provider defines. A path under an extension URN
    /// always binds: to the declared attribute, else to an undeclared one (see
    /// <see cref="AttributeDefinition.IsUndeclared"/>), which strict tenants refuse through
    /// <see cref="ResourceTypeDefinition.Admit"/>.</summary>
    public static ResolvedAttribute? Resolve(ResourceTypeDefinition type, AttributePath path)
    {
        SchemaDefinition schema;
        AttributeDefinition? attribute;
        if (path.SchemaUrn is { } urn)
        {
            var found = type.FindSchema(urn) ?? (ScimUrns.IsExtensionUrn(urn) ? SchemaDefinition.Undeclared(urn) : null);
            if (found is null) return null;
            schema = found;
            attribute = found == type.Schema
                ? schema.FindAttribute(path.Name) ?? CommonAttributes.Find(path.Name)
                : schema.FindAttribute(path.Name) ?? AttributeDefinition.Undeclared(path.Name);
        }
        else
        {
            schema = type.Schema;
            attribute = CommonAttributes.Find(path.Name) ?? schema.FindAttribute(path.Name);
            // Clients (Entra's `manager eq "…"` reference check among them) name extension attributes
            // without their URN; the core schema wins when both define a name.
            if (attribute is null && type.Extensions.FirstOrDefault(e => e.FindAttribute(path.Name) is not null) is { } extension)
            {
                schema = extension;
                attribute = extension.FindAttribute(path.Name);
            }
        }
        if (attribute is null) return null;

        AttributeDefinition? sub = null;
        if (path.SubAttribute is { } subName)
        {
            sub = attribute.FindSubAttribute(subName);
            if (sub is null) return null;
        }
        return new ResolvedAttribute(schema, attribute, sub, schema != type.Schema);
    }

    /// <summary>Splits <c>urn:…:User:name.givenName</c> or <c>name.givenName</c> into an <see cref="AttributePath"/>.
    /// Attribute names never contain ':', so the URN is everything before the last colon.</summary>
    public static AttributePath ParsePath(string text)
    {
        string? urn = null;
        var rest = text;
        var colon = text.LastIndexOf(':');
        if (colon >= 0)
        {
            urn = text[..colon];
            rest = text[(colon + 1)..];
        }
        var dot = rest.IndexOf('.');
        return dot < 0 ? new AttributePath(urn, rest) : new AttributePath(urn, rest[..dot], rest[(dot + 1)..]);
    }
}
