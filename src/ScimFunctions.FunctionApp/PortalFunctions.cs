using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ScimFunctions.Http;
using ScimFunctions.Http.Portal;
using ScimFunctions.Protocol;

namespace ScimFunctions.FunctionApp;

/// <summary>The self-service page: the same handlers the local host maps. Anonymous on purpose: a signed link
/// starts the session, and every handler checks it (and each form post's CSRF proof) itself.</summary>
public sealed class PortalFunctions(PortalEndpoints portal)
{
    [Function("Portal")]
    public async Task<IActionResult> Page(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.Portal)] HttpRequest req, string tenant) =>
        new ScimActionResult(await portal.Page(req.HttpContext, tenant));

    [Function("PortalOpen")]
    public async Task<IActionResult> Open(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.PortalOpen)] HttpRequest req, string tenant, string link) =>
        new ScimActionResult(await portal.Open(req.HttpContext, tenant, link));

    [Function("PortalAction")]
    public async Task<IActionResult> Action(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.PortalAction)] HttpRequest req, string tenant, string action) =>
        new ScimActionResult(await portal.Action(req.HttpContext, tenant, action));

    [Function("PortalAsset")]
    public IActionResult Asset(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.PortalAsset)] HttpRequest req, string file) =>
        new ScimActionResult(PortalEndpoints.Asset(req.HttpContext, file));
}
