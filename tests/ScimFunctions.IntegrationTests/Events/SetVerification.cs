using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ScimFunctions.Events;
using ScimFunctions.Keys;

namespace ScimFunctions.IntegrationTests.Events;

/// <summary>What a receiver does with a SET, done with Microsoft.IdentityModel (never this project's code): verify
/// it against the published JWKS with issuer, audience and type, and read its claims.</summary>
public static class SetVerification
{
    public static async Task<JsonObject> VerifyAsync(string token, JsonObject jwks, string issuer, string audience)
    {
        var result = await ValidateAsync(token, jwks, issuer, audience);
        Assert.True(result.IsValid, result.Exception?.Message);
        return JsonNode.Parse(Base64UrlEncoder.Decode(((JsonWebToken)result.SecurityToken).EncodedPayload))!.AsObject();
    }

    public static Task<TokenValidationResult> ValidateAsync(string token, JsonObject jwks, string issuer, string audience) =>
        new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = new JsonWebKeySet(jwks.ToJsonString()).GetSigningKeys(),
            ValidIssuer = issuer,
            ValidAudience = audience,
            ValidTypes = [SecurityEventSigner.MediaType],
            // SETs carry no exp (RFC 8417): a receiver checks jti instead.
            RequireExpirationTime = false,
            ValidateLifetime = false,
        });

    /// <summary>A key ring over a fresh keys table on Azurite.</summary>
    public static async Task<SigningKeyRing> KeyRingAsync(AzuriteFixture azurite, string tableName)
    {
        var keys = new TableClient(azurite.ConnectionString, tableName);
        await keys.CreateIfNotExistsAsync();
        return new SigningKeyRing(new TableKeyStore(keys, KeyRing.EventSigning), TimeProvider.System, new SigningKeyOptions());
    }
}
