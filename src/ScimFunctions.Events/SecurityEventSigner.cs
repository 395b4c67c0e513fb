using Microsoft.IdentityModel.JsonWebTokens;

namespace ScimFunctions.Events;

/// <summary>Signs SETs as compact JWS (RFC 7515) with the ring's current key: header <c>alg: ES256</c>, the key's
/// <c>kid</c>, and <c>typ: secevent+jwt</c> (RFC 8417 §2.3).</summary>
public sealed class SecurityEventSigner(SigningKeyRing keys)
{
    public const string MediaType = "secevent+jwt";

    static readonly JsonWebTokenHandler s_handler = new() { SetDefaultTimesOnTokenCreation = false };

    public async Task<string> SignAsync(SecurityEvent set, CancellationToken ct) => Sign(set, await keys.GetSigningKeyAsync(ct));

    public static string Sign(SecurityEvent set, SigningKey key) =>
        s_handler.CreateToken(set.Claims.ToJsonString(), key.Credentials, new Dictionary<string, object> { [JwtHeaderParameterNames.Typ] = MediaType });
}
