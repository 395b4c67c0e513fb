using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SetReceiver;

public sealed record ReceiverOptions(Uri JwksUrl, string Issuer, string Audience, int Port = 8080, string? Bearer = null, string SeenFile = "seen-jti.log")
{
    public static ReceiverOptions? Parse(string[] args)
    {
        string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        if (Value("--jwks-url") is not { } jwks || Value("--issuer") is not { } issuer || Value("--audience") is not { } audience) return null;
        return new ReceiverOptions(new Uri(jwks), issuer, audience, int.TryParse(Value("--port"), out var port) ? port : 8080,
            Value("--bearer"), Value("--seen-file") ?? "seen-jti.log");
    }
}

/// <summary>
/// An RFC 8935 push receiver for ScimFunctions' SETs: checks the transmitter's bearer secret, verifies each SET with
/// Microsoft.IdentityModel against the published JWKS (issuer, audience, <c>typ</c> secevent+jwt, ES256), handles
/// each jti once (delivery is at least once: a SET whose acknowledgement was lost comes again with the same jti) and
/// acknowledges with 202. A SET it cannot accept gets RFC 8935's 400 with an error code; a handler that throws
/// leaves the SET unacknowledged (503), so the transmitter sends it again.
/// </summary>
public static class SetReceiverApp
{
    const string SetMediaType = "application/secevent+jwt";
    const int MaxBody = 64 * 1024;

    /// <param name="handle">Your application's action; throw to have the SET sent again later.</param>
    public static WebApplication Build(ReceiverOptions options, Action<JsonObject> handle)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();
        var keys = new Jwks(options.JwksUrl);
        var seen = new Seen(options.SeenFile);
        var expectedAuthorization = options.Bearer is null ? null : Encoding.UTF8.GetBytes("Bearer " + options.Bearer);

        app.MapPost("/", async (HttpRequest request) =>
        {
            if (expectedAuthorization is not null
                && !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(request.Headers.Authorization.ToString()), expectedAuthorization))
                return Results.Unauthorized();
            if (request.ContentType?.StartsWith(SetMediaType, StringComparison.OrdinalIgnoreCase) != true)
                return Refuse("invalid_request", $"Content-Type must be {SetMediaType}.");
            if (request.ContentLength > MaxBody) return Refuse("invalid_request", "The SET is too large.");
            var token = (await new StreamReader(request.Body).ReadToEndAsync()).Trim();

            var result = await keys.ValidateAsync(token, options.Issuer, options.Audience, request.HttpContext.RequestAborted);
            if (!result.IsValid)
                return result.Exception switch
                {
                    SecurityTokenInvalidIssuerException e => Refuse("invalid_issuer", e.Message),
                    SecurityTokenInvalidAudienceException e => Refuse("invalid_audience", e.Message),
                    SecurityTokenSignatureKeyNotFoundException e => Refuse("invalid_key", e.Message),
                    var e => Refuse("authentication_failed", e?.Message ?? "The SET did not verify."),
                };
            var claims = JsonNode.Parse(Base64UrlEncoder.Decode(((JsonWebToken)result.SecurityToken).EncodedPayload))!.AsObject();
            if (claims["jti"] is not JsonValue jtiValue || !jtiValue.TryGetValue<string>(out var jti) || claims["events"] is not JsonObject
                || claims["sub_id"]?["format"]?.GetValue<string>() != "scim")
                return Refuse("invalid_request", "A SCIM SET has jti, sub_id (format scim) and events.");

            if (!seen.Contains(jti))
            {
                try
                {
                    handle(claims);
                }
                catch (Exception)
                {
                    return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
                }
                seen.Add(jti);
            }
            return Results.Accepted();
        });
        return app;
    }

    /// <summary>RFC 8935 §2.4: 400 with an error code and a description.</summary>
    static IResult Refuse(string err, string description) => Results.Json(new { err, description }, statusCode: StatusCodes.Status400BadRequest);

    /// <summary>What an application would act on (RFC 9967 §2.4): the event URIs and the resource. Notice events name
    /// the changed attributes; read the values with a SCIM GET of <c>issuer + sub_id.uri</c> (an application token may).</summary>
    public static string Describe(JsonObject claims)
    {
        var events = string.Join(", ", claims["events"]!.AsObject().Select(e => e.Key.Replace("urn:ietf:params:scim:event:prov:", "", StringComparison.Ordinal)
            + (e.Value?["attributes"] is JsonArray attributes ? $" [{string.Join(", ", attributes)}]" : "")));
        return $"{claims["jti"]} {claims["sub_id"]!["uri"]} {events} (txn {claims["txn"]})";
    }

    /// <summary>The published keys, fetched again when a SET names a key id not seen yet (the service rotated its key).</summary>
    sealed class Jwks(Uri url)
    {
        readonly HttpClient _http = new();
        readonly SemaphoreSlim _lock = new(1, 1);
        IList<SecurityKey> _keys = [];
        DateTimeOffset _fetched = DateTimeOffset.MinValue;

        public async Task<TokenValidationResult> ValidateAsync(string token, string issuer, string audience, CancellationToken ct)
        {
            if (_keys.Count == 0) await RefreshAsync(ct);
            var result = await ValidateWithAsync(token, issuer, audience);
            // At most one refetch a minute, so a stranger's made-up key ids cannot make us hammer the JWKS URL.
            if (result.Exception is SecurityTokenSignatureKeyNotFoundException && DateTimeOffset.UtcNow - _fetched > TimeSpan.FromMinutes(1))
            {
                await RefreshAsync(ct);
                result = await ValidateWithAsync(token, issuer, audience);
            }
            return result;
        }

        Task<TokenValidationResult> ValidateWithAsync(string token, string issuer, string audience) =>
            new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
            {
                IssuerSigningKeys = _keys,
                ValidIssuer = issuer,
                ValidAudience = audience,
                ValidTypes = ["secevent+jwt"],
                ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
                // SETs carry no exp (RFC 8417 §2.2): replays are caught by jti instead.
                RequireExpirationTime = false,
                ValidateLifetime = false,
            });

        async Task RefreshAsync(CancellationToken ct)
        {
            await _lock.WaitAsync(ct);
            try
            {
                _keys = new JsonWebKeySet(await _http.GetStringAsync(url, ct)).GetSigningKeys();
                _fetched = DateTimeOffset.UtcNow;
            }
            finally
            {
                _lock.Release();
            }
        }
    }

    /// <summary>Handled jti values, kept in a file so a restart does not handle a redelivered SET again.</summary>
    sealed class Seen(string file)
    {
        readonly HashSet<string> _jtis = File.Exists(file) ? [.. File.ReadAllLines(file).Where(l => l.Length > 0)] : [];
        readonly Lock _lock = new();

        public bool Contains(string jti)
        {
            lock (_lock) return _jtis.Contains(jti);
        }

        public void Add(string jti)
        {
            lock (_lock)
            {
                if (_jtis.Add(jti)) File.AppendAllLines(file, [jti]);
            }
        }
    }
}
