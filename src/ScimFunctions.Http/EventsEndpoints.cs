using Microsoft.AspNetCore.Http;
using ScimFunctions.Events;
using ScimFunctions.Protocol;

namespace ScimFunctions.Http;

public static class EventsEndpoints
{
    /// <summary>The published signing keys (RFC 7517 JWK Set), public and unauthenticated like any JWKS. Cached
    /// for less than a new key's publish-before-use time, so a receiver always has a key before it signs.</summary>
    public static async Task<IResult> JwksAsync(HttpContext http, SigningKeyRing keys, SigningKeyOptions options)
    {
        var jwks = await keys.GetJwksAsync(http.RequestAborted);
        http.Response.Headers.CacheControl = $"public, max-age={(int)((options.PublishBeforeUse - options.CacheDuration) / 2).TotalSeconds}";
        return Results.Text(jwks.ToJsonString(), "application/jwk-set+json");
    }
}

/// <summary>
/// The RFC 8936 poll (<see cref="ScimRoutes.EventsPoll"/>): POST a poll request (<c>ack</c>, <c>setErrs</c>,
/// <c>maxEvents</c>, <c>returnImmediately</c>), get <c>{"sets": {jti: SET}, "moreAvailable": bool}</c>. Only the tenant's
/// application token may poll (<see cref="ScimPipeline.RunPollAsync"/>). Without <c>returnImmediately</c> the poll
/// waits for an event up to <see cref="DeliveryOptions.LongPoll"/>, kept under the request deadline.
/// </summary>
public sealed class EventPollEndpoint(ScimPipeline pipeline, SetPolling polling, DeliveryOptions options, ScimLimits limits)
{
    public Task<IResult> PollAsync(HttpContext http, string tenant) => pipeline.RunPollAsync(http, tenant, async r =>
    {
        if (!HttpMethods.IsPost(http.Request.Method)) return ScimResults.MethodNotAllowed(http.Request.Method, "POST");
        var (request, error) = PollRequest.Parse(await r.ReadJsonObjectAsync());
        if (request is null) throw ScimException.BadRequest(ScimType.InvalidValue, error!);
        var response = await polling.PollAsync(r.Tenant.Value, request, request.ReturnImmediately ? TimeSpan.Zero : LongPoll, r.Aborted);
        return Results.Text(response.ToJsonString(), "application/json");
    });

    /// <summary>The long poll's wait: 5 s under the request deadline, so a poll with nothing to return answers 200 with no
    /// SETs rather than running into the deadline's 503.</summary>
    TimeSpan LongPoll => TimeSpan.FromSeconds(Math.Max(0, Math.Min(options.LongPoll.TotalSeconds, limits.RequestTimeoutSeconds - 5)));
}
