using System.Net;
using Microsoft.AspNetCore.Http;
using ScimFunctions.Protocol;

namespace ScimFunctions.Http;

/// <summary>
/// One method per route of <see cref="ScimRoutes"/>: the whole surface both hosts bind. Each call goes
/// through <see cref="ScimPipeline"/> (authentication, errors, logging) and dispatches on the HTTP method.
/// </summary>
public sealed class ScimEndpoints(ScimPipeline pipeline, UserHandlers users, GroupHandlers groups, DiscoveryHandlers discovery)
{
    public Task<IResult> Users(HttpContext http, string tenant) => pipeline.RunAsync(http, tenant, "Users", r => http.Request.Method switch
    {
        "GET" => users.ListAsync(r),
        "POST" => users.CreateAsync(r),
        _ => NotAllowed(http, "GET, POST"),
    });

    public Task<IResult> User(HttpContext http, string tenant, string id) => pipeline.RunAsync(http, tenant, "User", r => http.Request.Method switch
    {
        "GET" => users.GetAsync(r, id),
        "PUT" => users.ReplaceAsync(r, id),
        "PATCH" => users.PatchAsync(r, id),
        "DELETE" => users.DeleteAsync(r, id),
        "POST" when IsSearch(id) => users.SearchAsync(r),
        _ => NotAllowed(http, "GET, PUT, PATCH, DELETE"),
    });

    public Task<IResult> UsersSearch(HttpContext http, string tenant) => pipeline.RunAsync(http, tenant, "Users.search", r => http.Request.Method switch
    {
        "POST" => users.SearchAsync(r),
        _ => NotAllowed(http, "POST"),
    });

    public Task<IResult> Groups(HttpContext http, string tenant) => pipeline.RunAsync(http, tenant, "Groups", r => http.Request.Method switch
    {
        "GET" => groups.ListAsync(r),
        "POST" => groups.CreateAsync(r),
        _ => NotAllowed(http, "GET, POST"),
    });

    public Task<IResult> Group(HttpContext http, string tenant, string id) => pipeline.RunAsync(http, tenant, "Group", r => http.Request.Method switch
    {
        "GET" => groups.GetAsync(r, id),
        "PUT" => groups.ReplaceAsync(r, id),
        "PATCH" => groups.PatchAsync(r, id),
        "DELETE" => groups.DeleteAsync(r, id),
        "POST" when IsSearch(id) => groups.SearchAsync(r),
        _ => NotAllowed(http, "GET, PUT, PATCH, DELETE"),
    });

    public Task<IResult> GroupsSearch(HttpContext http, string tenant) => pipeline.RunAsync(http, tenant, "Groups.search", r => http.Request.Method switch
    {
        "POST" => groups.SearchAsync(r),
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

    static bool IsSearch(string id) => id.Equals(".search", StringComparison.OrdinalIgnoreCase);

    static Task<IResult> GetOnly(HttpContext http, Func<IResult> handler) =>
        http.Request.Method is "GET" ? Task.FromResult(handler()) : NotAllowed(http, "GET");

    static Task<IResult> NotAllowed(HttpContext http, string allow) => Task.FromResult<IResult>(ScimResults.MethodNotAllowed(http.Request.Method, allow));
}
