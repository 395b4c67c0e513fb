using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Resources;

/// <summary>/ServiceProviderConfig, /ResourceTypes and /Schemas (RFC 7643 §5-§7), rendered from the
/// same definitions that validation, filtering and PATCH use.</summary>
public static class DiscoveryDocuments
{
    public static JsonObject ServiceProviderConfig(string baseUrl, int maxResults) => new()
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
        ["meta"] = Meta("ServiceProviderConfig", baseUrl + "/ServiceProviderConfig"),
    };

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

    public static JsonObject Schema(SchemaDefinition schema, string baseUrl)
    {
        var document = new JsonObject { ["schemas"] = new JsonArray(ScimUrns.Schema) };
        foreach (var (key, value) in SchemaJson.Write(schema).ToList()) document[key] = value?.DeepClone();
        document["meta"] = Meta("Schema", baseUrl + "/Schemas/" + schema.Id);
        return document;
    }

    public static JsonObject ListResponse(IReadOnlyCollection<JsonObject> resources) => new()
    {
        ["schemas"] = new JsonArray(ScimUrns.ListResponse),
        ["totalResults"] = resources.Count,
        ["itemsPerPage"] = resources.Count,
        ["startIndex"] = 1,
        ["Resources"] = new JsonArray([.. resources]),
    };

    static JsonObject Meta(string resourceType, string location) => new()
    {
        ["resourceType"] = resourceType,
        ["location"] = location,
    };
}
