using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ScimFunctions.Events;
using ScimFunctions.Http;
using ScimFunctions.Protocol;

namespace ScimFunctions.FunctionApp;

/// <summary>The events' public endpoints, outside any tenant, as the local host maps them.</summary>
public sealed class EventsFunctions(SigningKeyRing keys, SigningKeyOptions options)
{
    /// <summary>Unauthenticated like any JWKS: receivers verify the SETs with these keys.</summary>
    [Function("EventsJwks")]
    public async Task<IActionResult> Jwks(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ScimRoutes.EventsJwks)] HttpRequest req) =>
        new ScimActionResult(await EventsEndpoints.JwksAsync(req.HttpContext, keys, options));
}
