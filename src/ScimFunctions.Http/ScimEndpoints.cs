using System.Net;
using Microsoft.AspNetCore.Http;
using ScimFunctions.Protocol;

namespace ScimFunctions.Http;

/// <summary>
/// One method per route of <see cref="ScimRoutes"/>: the whole surface both hosts bind. Each call goes
/// through <see cref="ScimPipeline"/> (authentication, errors, logging) and dispatches on the HTTP method.
/// </summary>
public sealed class ScimEndpoints(ScimPipeline pipeline, UserHandlers users, GroupHandlers groups, DiscoveryHandlers discovery, QueryExecutor queries,
    BulkHandler bulk, ScimLimits limits)
{
    public Task<IResult> Users(HttpContext http, string tenant) => Collection(http, tenant, "Users", users);

    public Task<IResult> User(HttpContext http, string tenant, string id) => Resource(http, tenant, "User", users, id);

    public Task<IResult> UsersSearch(HttpContext http, string tenant) => Search(http, tenant, "Users.search", users);

    public Task<IResult> Groups(HttpContext http, string tenant) => Collection(http, tenant, "Groups", groups);

    public Task<IResult> Group(HttpContext http, string tenant, string id) => Resource(http, tenant, "Group", groups, id);

    public Task<IResult> GroupsSearch(HttpContext http, string tenant) => Search(http, tenant, "Groups.search", groups);

    /// <summary>POST /.search at the tenant's base URL: Users, then Groups, in one ListResponse.</summary>
    public Task<IResult> Search(HttpContext http, string tenant) => pipeline.RunAsync(http, tenant, "Search", r => http.Request.Method switch
    {
        "POST" => SearchAllAsync(r),
        _ => NotAllowed(http, "POST"),
    });

    /// <summary>Each type's query is read from the one SearchRequest against its own schema, so filters,
    /// projection and paging mean what they mean at /Users/.search and /Groups/.search. A users-only tenant
    /// (group provisioning off) searches its users only.</summary>
    async Task<IResult> SearchAllAsync(ScimRequest request)
    {
        var body = await request.ReadJsonObjectAsync();
        var userSource = users.Source(request, ListQuery.FromSearchRequest(body, request.Schema.User, limits));
        if (request.Settings.GroupProvisioning == Storage.Tenants.GroupProvisioningState.Off)
            return new ScimJsonResult(HttpStatusCode.OK, await queries.ListAsync(request, [userSource]));
        var groupQuery = ListQuery.FromSearchRequest(body, request.Schema.Group, limits);
        var list = await queries.ListAsync(request, [userSource, groups.Source(request, groupQuery)]);
        return groups.ListResult(request, groupQuery.Projection, list);
    }

    public Task<IResult> Bulk(HttpContext http, string tenant) => pipeline.RunAsync(http, tenant, ScimPipeline.BulkOperation, r => http.Request.Method switch
    {
        "POST" => bulk.PostAsync(r),
        _ => NotAllowed(http, "POST"),
    });

    public Task<IResult> ServiceProviderConfig(HttpContext http, string tenant) =>
        pipeline.RunAsync(http, tenant, "ServiceProviderConfig", r => GetOnly(http, () => discovery.ServiceProviderConfig(r)));

    public Task<IResult> ResourceTypes(HttpContext http, string tenant) =>
        pipeline.RunAsync(http, tenant, "ResourceTypes", r => GetOnly(http, () => discovery.ResourceTypes(r)));

    public Task<IResult> ResourceType(HttpContext http, string tenant, string id) =>
        pipeline.RunAsync(http, tenant, "ResourceType", r => GetOnly(http, () => discovery.ResourceType(r, id)));

    public Task<IResult> Schemas(HttpContext http, string tenant) =>
        pipeline.RunAsync(http, tenant, "Schemas", r => GetOnly(http, () => discovery.Schemas(r)));

    public Task<IResult> Schema(HttpContext http, string tenant, string id) =>
        pipeline.RunAsync(http, tenant, "Schema", r => GetOnly(http, () => discovery.Schema(r, id)));

    public Task<IResult> Roles(HttpContext http, string tenant) =>
        pipeline.RunAsync(http, tenant, "Roles", r => GetOnly(http, () => discovery.Roles(r)));

    public Task<IResult> Role(HttpContext http, string tenant, string id) =>
        pipeline.RunAsync(http, tenant, "Role", r => GetOnly(http, () => discovery.Role(r, id)));

    /// <summary>/Me needs an authenticated end user; this service only knows provisioning clients.</summary>
    public Task<IResult> Me(HttpContext http, string tenant) => pipeline.RunAsync(http, tenant, "Me", _ =>
        Task.FromResult<IResult>(ScimResults.Error(HttpStatusCode.NotImplemented, null, "/Me is not supported: tokens identify a provisioning client, not a user.")));

    /// <summary>Any other path under a tenant.</summary>
    public Task<IResult> NotFound(HttpContext http, string tenant) => pipeline.RunAsync(http, tenant, "NotFound", _ =>
        Task.FromResult<IResult>(ScimResults.Error(HttpStatusCode.NotFound, null, $"No SCIM endpoint at {http.Request.Path}.")));

    Task<IResult> Collection(HttpContext http, string tenant, string operation, IResourceHandlers handlers) =>
        pipeline.RunAsync(http, tenant, operation, r => MethodOf(r, handlers) switch
        {
            "GET" => handlers.ListAsync(r),
            "POST" => handlers.CreateAsync(r),
            _ => NotAllowed(http, "GET, POST"),
        });

    Task<IResult> Resource(HttpContext http, string tenant, string operation, IResourceHandlers handlers, string id) =>
        pipeline.RunAsync(http, tenant, operation, r => MethodOf(r, handlers) switch
        {
            "GET" => handlers.GetAsync(r, id),
            "PUT" => handlers.ReplaceAsync(r, id),
            "PATCH" => handlers.PatchAsync(r, id),
            "DELETE" => handlers.DeleteAsync(r, id),
            "POST" when IsSearch(id) => handlers.SearchAsync(r),
            _ => NotAllowed(http, "GET, PUT, PATCH, DELETE"),
        });

    Task<IResult> Search(HttpContext http, string tenant, string operation, IResourceHandlers handlers) =>
        pipeline.RunAsync(http, tenant, operation, r => MethodOf(r, handlers) switch
        {
            "POST" => handlers.SearchAsync(r),
            _ => NotAllowed(http, "POST"),
        });

    /// <summary>The request's method, once a group request is known to be for a tenant that provisions groups (else
    /// its SCIM 403, <see cref="ScimRequest.RequireGroupProvisioning"/>).</summary>
    string MethodOf(ScimRequest request, IResourceHandlers handlers)
    {
        if (ReferenceEquals(handlers, groups)) request.RequireGroupProvisioning();
        return request.Http.Request.Method;
    }

    static bool IsSearch(string id) => id.Equals(".search", StringComparison.OrdinalIgnoreCase);

    static Task<IResult> GetOnly(HttpContext http, Func<IResult> handler) =>
        http.Request.Method is "GET" ? Task.FromResult(handler()) : NotAllowed(http, "GET");

    static Task<IResult> NotAllowed(HttpContext http, string allow) => Task.FromResult<IResult>(ScimResults.MethodNotAllowed(http.Request.Method, allow));
}
