using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using ScimFunctions.Keys;

namespace ScimFunctions.Events;

/// <summary>
/// One ES256 (ECDSA P-256, SHA-256) signing key. Stored as its PKCS#8 private key (base64); its <see cref="Kid"/>
/// is the RFC 7638 JWK thumbprint of the public key, so the same key always has the same id wherever it is stored.
/// </summary>
public sealed class SigningKey
{
    public const string Algorithm = SecurityAlgorithms.EcdsaSha256;

    readonly ECParameters _public;

    SigningKey(string privateKeyPkcs8, DateTimeOffset created)
    {
        PrivateKeyPkcs8 = privateKeyPkcs8;
        Created = created;
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(Convert.FromBase64String(privateKeyPkcs8), out _);
        _public = ecdsa.ExportParameters(includePrivateParameters: false);
        if (_public.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            throw new CryptographicException("An events signing key is a P-256 key.");
        using var publicKey = ECDsa.Create(_public);
        Kid = Base64UrlEncoder.Encode(JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(publicKey)).ComputeJwkThumbprint());
    }

    public string Kid { get; }

    public DateTimeOffset Created { get; }

    /// <summary>The secret: base64 of the PKCS#8 private key.</summary>
    public string PrivateKeyPkcs8 { get; }

    public static SigningKey Create(DateTimeOffset created)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new SigningKey(Convert.ToBase64String(ecdsa.ExportPkcs8PrivateKey()), created);
    }

    /// <summary>The key as its ring keeps it (<see cref="KeyRing.EventSigning"/>): id = kid, secret = the private key.</summary>
    public static SigningKey FromStored(StoredKey stored) => new(stored.Secret, stored.Created);

    public StoredKey ToStored() => new(Kid, PrivateKeyPkcs8, Created);

    /// <summary>Credentials for <see cref="Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler"/>, made once and
    /// never disposed: IdentityModel caches a signature provider per key, holding this key's <see cref="ECDsa"/>.</summary>
    internal SigningCredentials Credentials => _credentials ??= CreateCredentials();

    SigningCredentials? _credentials;

    SigningCredentials CreateCredentials()
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(Convert.FromBase64String(PrivateKeyPkcs8), out _);
        return new SigningCredentials(new ECDsaSecurityKey(ecdsa) { KeyId = Kid }, Algorithm);
    }

    /// <summary>The public key as a JWK (RFC 7517) for the published key set.</summary>
    public JsonObject PublicJwk() => new()
    {
        ["kty"] = "EC",
        ["crv"] = "P-256",
        ["x"] = Base64UrlEncoder.Encode(_public.Q.X),
        ["y"] = Base64UrlEncoder.Encode(_public.Q.Y),
        ["kid"] = Kid,
        ["use"] = "sig",
        ["alg"] = Algorithm,
    };
}
