using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Resources;

/// <summary>/ServiceProviderConfig, /ResourceTypes and /Schemas (RFC 7643 §5-§7), rendered from the
/// same definitions that validation, filtering and PATCH use.</summary>
public static class DiscoveryDocuments
{
    /// <param name="eventUris">The RFC 9967 event URIs the service issues (its <c>securityEvents</c>, §4); none: not advertised.</param>
    public static JsonObject ServiceProviderConfig(string baseUrl, int maxResults, IReadOnlyList<string>? eventUris = null)
    {
        var config = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimUrns.ServiceProviderConfig),
            ["patch"] = new JsonObject { ["supported"] = true },
            ["bulk"] = new JsonObject { ["supported"] = false, ["maxOperations"] = 0, ["maxPayloadSize"] = 0 },
            ["filter"] = new JsonObject { ["supported"] = true, ["maxResults"] = maxResults },
            ["changePassword"] = new JsonObject { ["supported"] = false },
            ["sort"] = new JsonObject { ["supported"] = true },
            ["etag"] = new JsonObject { ["supported"] = true },
            ["authenticationSchemes"] = new JsonArray(new JsonObject
            {
                ["type"] = "oauthbearertoken",
                ["name"] = "OAuth Bearer Token",
                ["description"] = "The tenant's Secret Token, sent as 'Authorization: Bearer <token>'.",
                ["primary"] = true,
            }),
        };
        if (eventUris is not null)
        {
            config["securityEvents"] = new JsonObject
            {
                // No asynchronous SCIM requests (RFC 9967 §2.5.1): every request completes before its response.
                ["asyncRequest"] = "none",
                ["eventUris"] = new JsonArray([.. eventUris.Select(u => (JsonNode)u)]),
            };
        }
        config["meta"] = Meta("ServiceProviderConfig", baseUrl + "/ServiceProviderConfig");
        return config;
    }

    public static JsonObject ResourceType(ResourceTypeDefinition type, string baseUrl) => new()
    {
        ["schemas"] = new JsonArray(ScimUrns.ResourceType),
        ["id"] = type.Name,
        ["name"] = type.Name,
        ["endpoint"] = type.Endpoint,
        ["description"] = type.Description,
        ["schema"] = type.Schema.Id,
        ["schemaExtensions"] = new JsonArray([.. type.Extensions.Select(e => (JsonNode)new JsonObject { ["schema"] = e.Id, ["required"] = false })]),
        ["meta"] = Meta("ResourceType", baseUrl + "/ResourceTypes/" + type.Name),
    };

    public static JsonObject Schema(SchemaDefinition schema, string baseUrl) => new()
    {
        ["schemas"] = new JsonArray(ScimUrns.Schema),
        ["id"] = schema.Id,
        ["name"] = schema.Name,
        ["description"] = schema.Description,
        ["attributes"] = new JsonArray([.. schema.Attributes.Select(Attribute)]),
        ["meta"] = Meta("Schema", baseUrl + "/Schemas/" + schema.Id),
    };

    public static JsonObject ListResponse(IReadOnlyCollection<JsonObject> resources) => new()
    {
        ["schemas"] = new JsonArray(ScimUrns.ListResponse),
        ["totalResults"] = resources.Count,
        ["itemsPerPage"] = resources.Count,
        ["startIndex"] = 1,
        ["Resources"] = new JsonArray([.. resources]),
    };

    static JsonNode Attribute(AttributeDefinition a)
    {
        var node = new JsonObject
        {
            ["name"] = a.Name,
            ["type"] = a.Type switch { AttributeType.DateTime => "dateTime", var t => t.ToString().ToLowerInvariant() },
            ["multiValued"] = a.MultiValued,
            ["description"] = a.Description,
            ["required"] = a.Required,
            ["caseExact"] = a.CaseExact,
            ["mutability"] = a.Mutability switch
            {
                Mutability.ReadOnly => "readOnly",
                Mutability.WriteOnly => "writeOnly",
                Mutability.Immutable => "immutable",
                _ => "readWrite",
            },
            ["returned"] = a.Returned.ToString().ToLowerInvariant(),
            ["uniqueness"] = a.Uniqueness.ToString().ToLowerInvariant(),
        };
        if (a.CanonicalValues is { Count: > 0 } canonical) node["canonicalValues"] = new JsonArray([.. canonical.Select(v => (JsonNode)v)]);
        if (a.ReferenceTypes is { Count: > 0 } refs) node["referenceTypes"] = new JsonArray([.. refs.Select(v => (JsonNode)v)]);
        if (a.IsComplex) node["subAttributes"] = new JsonArray([.. a.SubAttributes.Select(Attribute)]);
        return node;
    }

    static JsonObject Meta(string resourceType, string location) => new()
    {
        ["resourceType"] = resourceType,
        ["location"] = location,
    };
}
