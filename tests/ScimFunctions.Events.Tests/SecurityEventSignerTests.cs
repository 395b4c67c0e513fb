using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ScimFunctions.Events.Tests;

/// <summary>Signed SETs verified the way a receiver does it: Microsoft.IdentityModel's JWT validation against the
/// published JWK Set (as JSON, parsed by the library), with issuer, audience and type checked.</summary>
public class SecurityEventSignerTests
{
    const string Issuer = "https://scim.example.com/scim/v2/contoso", Audience = "https://app.example.com/events";

    static SecurityEvent Sample(string id = "e1") => Assert.Single(SecurityEventMapper.Map(JsonNode.Parse($$"""
        {"v":1,"id":"{{id}}","type":"user.disabled","time":"2025-01-14T09:30:02Z","tenant":"contoso","userId":"u1","version":3,"changed":["active"],"requestId":"r1"}
        """)!.AsObject(), Issuer, Audience));

    static JsonObject Jwks(params SigningKey[] keys) => new() { ["keys"] = new JsonArray([.. keys.Select(k => (JsonNode)k.PublicJwk())]) };

    internal static Task<TokenValidationResult> ValidateAsync(string token, JsonObject jwks, string audience = Audience) =>
        new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = new JsonWebKeySet(jwks.ToJsonString()).GetSigningKeys(),
            ValidIssuer = Issuer,
            ValidAudience = audience,
            ValidTypes = [SecurityEventSigner.MediaType],
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            // SETs carry no exp (RFC 8417 §2.2): a receiver checks jti and iat instead.
            RequireExpirationTime = false,
            ValidateLifetime = false,
        });

    [Fact]
    public async Task A_signed_SET_verifies_against_the_published_keys_with_its_claims_intact()
    {
        var key = SigningKey.Create(DateTimeOffset.UtcNow);
        var set = Sample();
        var token = SecurityEventSigner.Sign(set, key);

        var result = await ValidateAsync(token, Jwks(key));
        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.Equal(("ES256", key.Kid, "secevent+jwt"), (jwt.Alg, jwt.Kid, jwt.Typ));
        Assert.True(JsonNode.DeepEquals(set.Claims, JsonNode.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload))), "the payload is exactly the claims");
    }

    [Fact]
    public async Task Verification_fails_for_another_key_a_tampered_payload_or_another_audience()
    {
        var key = SigningKey.Create(DateTimeOffset.UtcNow);
        var token = SecurityEventSigner.Sign(Sample(), key);

        Assert.False((await ValidateAsync(token, Jwks(SigningKey.Create(DateTimeOffset.UtcNow)))).IsValid);
        Assert.False((await ValidateAsync(token, Jwks(key), audience: "https://other.example.com")).IsValid);

        var parts = token.Split('.');
        var forged = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        forged["sub_id"]!["uri"] = "/Users/someone-else";
        var tampered = string.Join('.', parts[0], Base64UrlEncoder.Encode(forged.ToJsonString()), parts[2]);
        Assert.False((await ValidateAsync(tampered, Jwks(key))).IsValid);
    }

    [Fact]
    public void The_kid_is_the_RFC_7638_thumbprint_and_survives_storage()
    {
        var key = SigningKey.Create(DateTimeOffset.UtcNow);
        var stored = SigningKey.FromStored(key.ToStored());
        var jwk = new JsonWebKey(key.PublicJwk().ToJsonString());
        Assert.Equal(Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint()), key.Kid);
        Assert.Equal(key.Kid, stored.Kid);
        Assert.False(jwk.HasPrivateKey);
        Assert.Null(key.PublicJwk()["d"]);
    }
}
