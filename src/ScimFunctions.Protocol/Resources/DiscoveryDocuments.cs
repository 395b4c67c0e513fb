using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Resources;

/// <summary>/ServiceProviderConfig, /ResourceTypes and /Schemas (RFC 7643 §5-§7), rendered from the
/// same definitions that validation, filtering and PATCH use.</summary>
public static class DiscoveryDocuments
{
    /// <summary>What the <c>pagination</c> block of ServiceProviderConfig advertises (RFC 9865 §4).</summary>
    public sealed record PagingSupport(int DefaultPageSize, int MaxPageSize, int CursorTimeoutSeconds);

    /// <summary>What the <c>bulk</c> block advertises (RFC 7643 §5): the limits /Bulk enforces.</summary>
    public sealed record BulkSupport(int MaxOperations, int MaxPayloadSize);

    /// <param name="eventUris">The RFC 9967 event URIs the service issues (its <c>securityEvents</c>, §4); none: not advertised.</param>
    /// <param name="paging">RFC 9865 §4: the <c>pagination</c> block; none: not advertised.</param>
    /// <param name="bulk">The /Bulk limits; none: bulk unsupported.</param>
    public static JsonObject ServiceProviderConfig(string baseUrl, int maxResults, IReadOnlyList<string>? eventUris = null, PagingSupport? paging = null,
        BulkSupport? bulk = null)
    {
        var config = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimUrns.ServiceProviderConfig),
            ["patch"] = new JsonObject { ["supported"] = true },
            ["bulk"] = new JsonObject { ["supported"] = bulk is not null, ["maxOperations"] = bulk?.MaxOperations ?? 0, ["maxPayloadSize"] = bulk?.MaxPayloadSize ?? 0 },
            ["filter"] = new JsonObject { ["supported"] = true, ["maxResults"] = maxResults },
            ["changePassword"] = new JsonObject { ["supported"] = false },
            // draft-ietf-scim-roles-entitlements: the tenant's available roles are listed at /Roles.
            ["roles"] = new JsonObject { ["supported"] = true },
            ["entitlements"] = new JsonObject { ["supported"] = false },
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
        if (paging is not null)
        {
            config["pagination"] = new JsonObject
            {
                ["cursor"] = true,
                ["index"] = true,
                // Index paging stays the default: a client that sends neither parameter gets what it always got.
                ["defaultPaginationMethod"] = "index",
                ["defaultPageSize"] = paging.DefaultPageSize,
                ["maxPageSize"] = paging.MaxPageSize,
                ["cursorTimeout"] = paging.CursorTimeoutSeconds,
            };
        }
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

    public static JsonObject Schema(SchemaDefinition schema, string baseUrl)
    {
        var document = new JsonObject { ["schemas"] = new JsonArray(ScimUrns.Schema) };
        foreach (var (key, value) in SchemaJson.Write(schema).ToList()) document[key] = value?.DeepClone();
        document["meta"] = Meta("Schema", baseUrl + "/Schemas/" + schema.Id);
        return document;
    }

    /// <summary>One role of /Roles; its id is its value.</summary>
    public static JsonObject Role(AvailableRole role, string baseUrl)
    {
        var document = new JsonObject { ["schemas"] = new JsonArray(ScimUrns.Role), ["id"] = role.Value, ["value"] = role.Value };
        if (role.Display is not null) document["display"] = role.Display;
        if (role.Type is not null) document["type"] = role.Type;
        document["enabled"] = true;
        document["meta"] = Meta("Role", baseUrl + "/Roles/" + Uri.EscapeDataString(role.Value));
        return document;
    }

    /// <summary>A page of a short list held in memory (<paramref name="startIndex"/> 1-based, as RFC 7644 §3.4.2.4).</summary>
    public static JsonObject Page(IReadOnlyList<JsonObject> all, int startIndex, int count)
    {
        var page = all.Skip(Math.Max(startIndex, 1) - 1).Take(Math.Max(count, 0)).ToList();
        return new JsonObject
        {
            ["schemas"] = new JsonArray(ScimUrns.ListResponse),
            ["totalResults"] = all.Count,
            ["itemsPerPage"] = page.Count,
            ["startIndex"] = Math.Max(startIndex, 1),
            ["Resources"] = new JsonArray([.. page]),
        };
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
