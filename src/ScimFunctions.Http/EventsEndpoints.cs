using Microsoft.AspNetCore.Http;
using ScimFunctions.Events;

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
