using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ScimFunctions.Events;
using ScimFunctions.Http;
using ScimFunctions.Protocol;

namespace ScimFunctions.FunctionApp;

/// <summary>Provisioning events (RFC 9967 SETs) in the Functions app: the published signing keys, the poll, and push delivery.</summary>
public sealed class EventFunctions(SigningKeyRing keys, SigningKeyOptions keyOptions, EventDelivery delivery, EventPollEndpoint poll)
{
    /// <summary>The RFC 8936 poll, with the tenant's application token: the same handler the local host maps. Every
    /// method reaches it, so the shared handler answers 405 with a SCIM body.</summary>
    [Function("EventsPoll")]
    public async Task<IActionResult> EventsPoll(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ScimRoutes.EventsPoll)] HttpRequest req, string tenant) =>
        new ScimActionResult(await poll.PollAsync(req.HttpContext, tenant));

    /// <summary>Unauthenticated, like any JWKS: the same handler the local host maps.</summary>
    [Function("EventKeys")]
    public async Task<IActionResult> EventKeys(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ScimRoutes.EventKeys)] HttpRequest req) =>
        new ScimActionResult(await EventsEndpoints.JwksAsync(req.HttpContext, keys, keyOptions));

    /// <summary>One delivery sweep on the EventDeliverySchedule app setting (NCRONTAB). A timer because the outbox is
    /// a table (nothing to trigger on); sweeps are idempotent and leased per receiver, so overlapping runs on
    /// several instances are safe, and a failed sweep is retried by the next one (cursors are in storage).</summary>
    [Function("EventDelivery")]
    public Task Deliver([TimerTrigger("%EventDeliverySchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        delivery.SweepAsync(cancellationToken);
}
