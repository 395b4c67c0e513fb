using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Http;

/// <summary>/ServiceProviderConfig, /ResourceTypes, /Schemas: rendered from the definitions the core uses.</summary>
public sealed class DiscoveryHandlers(ScimLimits limits)
{
    public IResult ServiceProviderConfig(ScimRequest request) =>
        new ScimJsonResult(HttpStatusCode.OK, DiscoveryDocuments.ServiceProviderConfig(request.BaseUrl, limits.MaxPageSize, ScimFunctions.Events.ScimEventUris.Issued));

    public IResult ResourceTypes(ScimRequest request) =>
        new ScimJsonResult(HttpStatusCode.OK, DiscoveryDocuments.ListResponse(
            [.. ScimSchemas.ResourceTypes.Select(t => DiscoveryDocuments.ResourceType(t, request.BaseUrl))]));

    public IResult ResourceType(ScimRequest request, string id) =>
        ScimSchemas.ResourceTypes.FirstOrDefault(t => t.Name.Equals(id, StringComparison.OrdinalIgnoreCase)) is { } type
            ? new ScimJsonResult(HttpStatusCode.OK, DiscoveryDocuments.ResourceType(type, request.BaseUrl))
            : throw ScimException.NotFound($"Resource type {id} not found.");

    public IResult Schemas(ScimRequest request) =>
        new ScimJsonResult(HttpStatusCode.OK, DiscoveryDocuments.ListResponse(
            [.. ScimSchemas.All.Select(s => DiscoveryDocuments.Schema(s, request.BaseUrl))]));

    public IResult Schema(ScimRequest request, string id) =>
        ScimSchemas.All.FirstOrDefault(s => s.Id.Equals(id, StringComparison.OrdinalIgnoreCase)) is { } schema
            ? new ScimJsonResult(HttpStatusCode.OK, DiscoveryDocuments.Schema(schema, request.BaseUrl))
            : throw ScimException.NotFound($"Schema {id} not found.");
}
