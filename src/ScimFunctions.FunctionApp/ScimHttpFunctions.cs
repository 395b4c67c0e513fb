using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ScimFunctions.Http;
using ScimFunctions.Protocol;

namespace ScimFunctions.FunctionApp;

/// <summary>
/// One function per SCIM route. Authorization level is anonymous on purpose: Entra sends no function
/// key; every handler checks the tenant's bearer token itself. Routes come from the shared routing table,
/// and every route takes every method so the shared dispatcher answers 405 with a SCIM body.
/// </summary>
public sealed class ScimHttpFunctions(ScimEndpoints scim, ScimHealth health)
{
    [Function("Users")]
    public async Task<IActionResult> Users(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.Users)] HttpRequest req, string tenant) =>
        new ScimActionResult(await scim.Users(req.HttpContext, tenant));

    [Function("UsersSearch")]
    public async Task<IActionResult> UsersSearch(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.UsersSearch)] HttpRequest req, string tenant) =>
        new ScimActionResult(await scim.UsersSearch(req.HttpContext, tenant));

    [Function("User")]
    public async Task<IActionResult> User(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.User)] HttpRequest req, string tenant, string id) =>
        new ScimActionResult(await scim.User(req.HttpContext, tenant, id));

    [Function("Groups")]
    public async Task<IActionResult> Groups(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.Groups)] HttpRequest req, string tenant) =>
        new ScimActionResult(await scim.Groups(req.HttpContext, tenant));

    [Function("GroupsSearch")]
    public async Task<IActionResult> GroupsSearch(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.GroupsSearch)] HttpRequest req, string tenant) =>
        new ScimActionResult(await scim.GroupsSearch(req.HttpContext, tenant));

    [Function("Search")]
    public async Task<IActionResult> Search(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.Search)] HttpRequest req, string tenant) =>
        new ScimActionResult(await scim.Search(req.HttpContext, tenant));

    [Function("Bulk")]
    public async Task<IActionResult> Bulk(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.Bulk)] HttpRequest req, string tenant) =>
        new ScimActionResult(await scim.Bulk(req.HttpContext, tenant));

    [Function("Group")]
    public async Task<IActionResult> Group(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.Group)] HttpRequest req, string tenant, string id) =>
        new ScimActionResult(await scim.Group(req.HttpContext, tenant, id));

    [Function("ServiceProviderConfig")]
    public async Task<IActionResult> ServiceProviderConfig(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.ServiceProviderConfig)] HttpRequest req, string tenant) =>
        new ScimActionResult(await scim.ServiceProviderConfig(req.HttpContext, tenant));

    [Function("ResourceTypes")]
    public async Task<IActionResult> ResourceTypes(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.ResourceTypes)] HttpRequest req, string tenant) =>
        new ScimActionResult(await scim.ResourceTypes(req.HttpContext, tenant));

    [Function("ResourceType")]
    public async Task<IActionResult> ResourceType(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.ResourceType)] HttpRequest req, string tenant, string id) =>
        new ScimActionResult(await scim.ResourceType(req.HttpContext, tenant, id));

    [Function("Schemas")]
    public async Task<IActionResult> Schemas(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.Schemas)] HttpRequest req, string tenant) =>
        new ScimActionResult(await scim.Schemas(req.HttpContext, tenant));

    [Function("Schema")]
    public async Task<IActionResult> Schema(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.Schema)] HttpRequest req, string tenant, string id) =>
        new ScimActionResult(await scim.Schema(req.HttpContext, tenant, id));

    [Function("Roles")]
    public async Task<IActionResult> Roles(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.Roles)] HttpRequest req, string tenant) =>
        new ScimActionResult(await scim.Roles(req.HttpContext, tenant));

    [Function("Role")]
    public async Task<IActionResult> Role(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.Role)] HttpRequest req, string tenant, string id) =>
        new ScimActionResult(await scim.Role(req.HttpContext, tenant, id));

    [Function("Me")]
    public async Task<IActionResult> Me(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.Me)] HttpRequest req, string tenant) =>
        new ScimActionResult(await scim.Me(req.HttpContext, tenant));

    /// <summary>Any other path under a tenant: a SCIM 404 rather than the host's HTML one.</summary>
    [Function("NotFound")]
    public async Task<IActionResult> NotFound(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.Fallback)] HttpRequest req, string tenant) =>
        new ScimActionResult(await scim.NotFound(req.HttpContext, tenant));

    /// <summary>Unauthenticated: storage and Key Vault reachability, nothing about tenants.</summary>
    [Function("Health")]
    public async Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ScimRoutes.Health)] HttpRequest req) =>
        new ScimActionResult(await health.Get(req.HttpContext));
}
