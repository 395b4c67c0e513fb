namespace ScimFunctions.Protocol.Schema;

/// <summary>Attributes every resource carries (RFC 7643 §3.1): id, externalId, meta.</summary>
public static class CommonAttributes
{
    public static readonly AttributeDefinition Id = new("id", AttributeType.String,
        "Unique identifier for the resource, assigned by the service provider.",
        CaseExact: true, Mutability: Mutability.ReadOnly, Returned: Returned.Always, Uniqueness: Uniqueness.Server);

    public static readonly AttributeDefinition ExternalId = new("externalId", AttributeType.String,
        "Identifier of the resource as defined by the provisioning client.", CaseExact: true);

    public static readonly AttributeDefinition Meta = new("meta", AttributeType.Complex,
        "Resource metadata.", Mutability: Mutability.ReadOnly, SubAttributes:
        [
            new("resourceType", AttributeType.String, "The resource type.", CaseExact: true, Mutability: Mutability.ReadOnly),
            new("created", AttributeType.DateTime, "When the resource was added.", Mutability: Mutability.ReadOnly),
            new("lastModified", AttributeType.DateTime, "When the resource was last changed.", Mutability: Mutability.ReadOnly),
            new("location", AttributeType.Reference, "The URI of the resource.", CaseExact: true, Mutability: Mutability.ReadOnly, ReferenceTypes: ["uri"]),
            new("version", AttributeType.String, "The version (weak ETag) of the resource.", CaseExact: true, Mutability: Mutability.ReadOnly),
        ]);

    public static readonly IReadOnlyList<AttributeDefinition> All = [Id, ExternalId, Meta];

    public static AttributeDefinition? Find(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
}
