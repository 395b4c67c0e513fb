using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Filtering;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Http;

/// <summary>/ServiceProviderConfig, /ResourceTypes, /Schemas and /Roles: rendered from the tenant's own schema,
/// the same definitions its requests are checked against.</summary>
public sealed class DiscoveryHandlers(ScimLimits limits)
{
    public IResult ServiceProviderConfig(ScimRequest request) =>
        new ScimJsonResult(HttpStatusCode.OK, DiscoveryDocuments.ServiceProviderConfig(request.BaseUrl, limits.MaxPageSize, ScimFunctions.Events.ScimEventUris.Issued,
            new DiscoveryDocuments.PagingSupport(limits.DefaultPageSize, limits.MaxPageSize, limits.CursorTimeoutSeconds),
            new DiscoveryDocuments.BulkSupport(limits.MaxBulkOperations, limits.MaxBodyBytes)));

    public IResult ResourceTypes(ScimRequest request) =>
        new ScimJsonResult(HttpStatusCode.OK, DiscoveryDocuments.ListResponse(
            [.. request.Schema.ResourceTypes.Select(t => DiscoveryDocuments.ResourceType(t, request.BaseUrl))]));

    public IResult ResourceType(ScimRequest request, string id) =>
        request.Schema.Find(id) is { } type
            ? new ScimJsonResult(HttpStatusCode.OK, DiscoveryDocuments.ResourceType(type, request.BaseUrl))
            : throw ScimException.NotFound($"Resource type {id} not found.");

    public IResult Schemas(ScimRequest request) =>
        new ScimJsonResult(HttpStatusCode.OK, DiscoveryDocuments.ListResponse(
            [.. request.Schema.Schemas.Select(s => DiscoveryDocuments.Schema(s, request.BaseUrl))]));

    public IResult Schema(ScimRequest request, string id) =>
        request.Schema.Schemas.FirstOrDefault(s => s.Id.Equals(id, StringComparison.OrdinalIgnoreCase)) is { } schema
            ? new ScimJsonResult(HttpStatusCode.OK, DiscoveryDocuments.Schema(schema, request.BaseUrl))
            : throw ScimException.NotFound($"Schema {id} not found.");

    /// <summary>The tenant's available roles (draft-ietf-scim-roles-entitlements): filtered, paged and projected
    /// like any list, from the declaration held in memory.</summary>
    public IResult Roles(ScimRequest request)
    {
        var query = ListQuery.FromQueryString(request, ScimSchemas.RoleType, limits);
        var matches = query.Filter is null ? null : FilterEvaluator.Compile(query.Filter, ScimSchemas.RoleType);
        var roles = request.Schema.Roles.Select(r => DiscoveryDocuments.Role(r, request.BaseUrl)).Where(r => matches?.Invoke(r) ?? true).ToList();
        var page = DiscoveryDocuments.Page(roles, query.StartIndex, query.Count);
        foreach (var role in page["Resources"]!.AsArray().OfType<JsonObject>()) query.Projection.Apply(role);
        return new ScimJsonResult(HttpStatusCode.OK, page);
    }

    public IResult Role(ScimRequest request, string id) =>
        request.Schema.Roles.FirstOrDefault(r => r.Value == id) is { } role
            ? new ScimJsonResult(HttpStatusCode.OK, DiscoveryDocuments.Role(role, request.BaseUrl))
            : throw ScimException.NotFound($"Role {id} not found.");
}
