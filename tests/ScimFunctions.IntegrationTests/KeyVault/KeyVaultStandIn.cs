using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ScimFunctions.IntegrationTests.KeyVault;

/// <summary>What the stand-in saw of one request (the bearer is the fake one of <see cref="FakeVaultCredential"/>).</summary>
public sealed record SeenRequest(string Method, string PathAndQuery, string? Authorization, int BodyLength, int Status);

/// <summary>
/// A local stand-in for the Key Vault secrets REST API, enough for <see cref="Storage.Tokens.KeyVaultTokenStore"/>
/// through the real <see cref="SecretClient"/>: set (PUT), get a version, list versions (paged with nextLink),
/// update attributes (PATCH), with Key Vault's error bodies and its challenge-based authentication.
/// HTTPS on 127.0.0.1 with a certificate made at start, which only this stand-in's clients trust.
/// </summary>
public sealed partial class KeyVaultStandIn : IAsyncDisposable
{
    public const string TenantId = "00000000-0000-0000-0000-00000000cafe";
    public const string Challenge = $"Bearer authorization=\"https://login.microsoftonline.com/{TenantId}\", resource=\"https://vault.azure.net\"";

    /// <summary>The SDK caches a vault's challenge per host:port for the whole process, so a stand-in never
    /// reuses a port an earlier one had: each one sees its clients' unauthenticated first request.</summary>
    static readonly HashSet<int> s_usedPorts = [];

    readonly WebApplication _app;
    readonly object _lock = new();
    readonly Dictionary<string, List<StoredVersion>> _secrets = new(StringComparer.OrdinalIgnoreCase);
    readonly List<SeenRequest> _requests = [];

    KeyVaultStandIn(WebApplication app, X509Certificate2 certificate, int pageSize)
    {
        _app = app;
        Certificate = certificate;
        PageSize = pageSize;
    }

    public Uri VaultUri { get; private set; } = null!;
    public X509Certificate2 Certificate { get; }

    /// <summary>Versions per page of a version list (Key Vault's default is 25; small here so paging happens).</summary>
    public int PageSize { get; }

    public FakeVaultCredential Credential { get; } = new();

    public IReadOnlyList<SeenRequest> Requests
    {
        get { lock (_lock) return [.. _requests]; }
    }

    public static async Task<KeyVaultStandIn> StartAsync(int pageSize = 2)
    {
        var certificate = CreateCertificate();
        while (true)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
            var app = builder.Build();
            var standIn = new KeyVaultStandIn(app, certificate, pageSize);
            standIn.Map(app);
            await app.StartAsync();
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            bool fresh;
            lock (s_usedPorts) fresh = s_usedPorts.Add(address.Port);
            if (fresh)
            {
                standIn.VaultUri = new Uri($"https://127.0.0.1:{address.Port}/");
                return standIn;
            }
            await app.DisposeAsync();
        }
    }

    /// <summary>A real <see cref="SecretClient"/> for this stand-in: trusts exactly its certificate, and
    /// authenticates with <see cref="Credential"/> after the challenge.</summary>
    public SecretClient CreateClient()
    {
        var thumbprint = Certificate.GetCertHashString(HashAlgorithmName.SHA256);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
            cert is not null && string.Equals(cert.GetCertHashString(HashAlgorithmName.SHA256), thumbprint, StringComparison.OrdinalIgnoreCase);
        var options = new SecretClientOptions
        {
            Transport = new HttpClientTransport(handler),
            // The challenge names vault.azure.net, which 127.0.0.1 is not under.
            DisableChallengeResourceVerification = true,
        };
        options.Retry.MaxRetries = 0;
        return new SecretClient(VaultUri, Credential, options);
    }

    /// <summary>The stored attributes of one version, as the REST API would return them (for assertions).</summary>
    public JsonObject? Inspect(string name, string version)
    {
        lock (_lock) return Find(name, version) is { } v ? Bundle(name, v, withValue: false) : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }

    sealed class StoredVersion(string id, string value)
    {
        public string Id { get; } = id;
        public string Value { get; } = value;
        public string? ContentType { get; set; }
        public bool Enabled { get; set; } = true;
        public long? NotBefore { get; set; }
        public long? Expires { get; set; }
        public long Created { get; init; }
        public long Updated { get; set; }
        public JsonObject Tags { get; set; } = [];
    }

    void Map(WebApplication app)
    {
        app.Use(async (ctx, next) =>
        {
            ctx.Request.EnableBuffering();
            using var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            ctx.Request.Body.Position = 0;
            var authorization = ctx.Request.Headers.Authorization.ToString();
            try
            {
                if (authorization != "Bearer " + FakeVaultCredential.Token)
                {
                    // Key Vault's answer to a request without (or with a wrong) bearer: the challenge.
                    ctx.Response.Headers.WWWAuthenticate = Challenge;
                    await Error(ctx, 401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
                }
                else if (string.IsNullOrEmpty(ctx.Request.Query["api-version"]))
                    await Error(ctx, 400, "BadParameter", "The request URI must contain an api-version.");
                else
                    await next(ctx);
            }
            finally
            {
                lock (_lock)
                    _requests.Add(new SeenRequest(ctx.Request.Method, ctx.Request.Path + ctx.Request.QueryString,
                        authorization.Length > 0 ? authorization : null, (int)body.Length, ctx.Response.StatusCode));
            }
        });
        app.MapPut("/secrets/{name}", (HttpContext ctx, string name) => SetAsync(ctx, name));
        app.MapGet("/secrets/{name}/versions", (HttpContext ctx, string name) => ListVersionsAsync(ctx, name));
        app.MapGet("/secrets/{name}/{version?}", (HttpContext ctx, string name, string? version) => GetAsync(ctx, name, version));
        app.MapPatch("/secrets/{name}/{version}", (HttpContext ctx, string name, string version) => UpdateAsync(ctx, name, version));
        app.MapFallback((HttpContext ctx) => Error(ctx, 400, "BadParameter", "Not supported by the stand-in."));
    }

    async Task SetAsync(HttpContext ctx, string name)
    {
        if (!SecretName().IsMatch(name)) { await Error(ctx, 400, "BadParameter", "The secret name is invalid."); return; }
        var body = await ReadAsync(ctx);
        if (body?["value"]?.GetValue<string>() is not { } value) { await Error(ctx, 400, "BadParameter", "The secret value is missing."); return; }
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var version = new StoredVersion(Guid.NewGuid().ToString("N"), value) { Created = now, Updated = now };
        Apply(version, body);
        JsonObject result;
        lock (_lock)
        {
            if (!_secrets.TryGetValue(name, out var versions)) _secrets[name] = versions = [];
            versions.Add(version);
            result = Bundle(name, version, withValue: true);
        }
        await Write(ctx, 200, result);
    }

    async Task GetAsync(HttpContext ctx, string name, string? version)
    {
        JsonObject? result = null;
        var disabled = false;
        lock (_lock)
        {
            var v = Find(name, version);
            if (v is { Enabled: false }) disabled = true;
            else if (v is not null) result = Bundle(name, v, withValue: true);
        }
        // Key Vault never returns a disabled version's value; expired ones it does return (exp is advisory).
        if (disabled) await Error(ctx, 403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled");
        else if (result is null) await NotFound(ctx, name);
        else await Write(ctx, 200, result);
    }

    async Task ListVersionsAsync(HttpContext ctx, string name)
    {
        var max = int.TryParse(ctx.Request.Query["maxresults"], CultureInfo.InvariantCulture, out var m) ? Math.Clamp(m, 1, 25) : 25;
        var size = Math.Min(max, PageSize);
        var skip = int.TryParse(ctx.Request.Query["$skiptoken"], CultureInfo.InvariantCulture, out var s) ? s : 0;
        JsonObject? page = null;
        lock (_lock)
        {
            if (_secrets.TryGetValue(name, out var versions))
            {
                page = new JsonObject { ["value"] = new JsonArray([.. versions.Skip(skip).Take(size).Select(v => (JsonNode)Bundle(name, v, withValue: false))]) };
                page["nextLink"] = skip + size < versions.Count
                    ? $"{VaultUri}secrets/{name}/versions?api-version={ctx.Request.Query["api-version"]}&$skiptoken={skip + size}&maxresults={max}"
                    : null;
            }
        }
        if (page is null) await NotFound(ctx, name);
        else await Write(ctx, 200, page);
    }

    async Task UpdateAsync(HttpContext ctx, string name, string version)
    {
        var body = await ReadAsync(ctx);
        JsonObject? result = null;
        lock (_lock)
        {
            if (Find(name, version) is { } v)
            {
                Apply(v, body);
                v.Updated = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                result = Bundle(name, v, withValue: false);
            }
        }
        if (result is null) await NotFound(ctx, name);
        else await Write(ctx, 200, result);
    }

    /// <summary>Set and update share one body shape: contentType, attributes (enabled, nbf, exp) and tags;
    /// what is absent stays as it was, and tags, when present, replace the whole set.</summary>
    static void Apply(StoredVersion v, JsonNode? body)
    {
        if (body?["contentType"] is { } contentType) v.ContentType = contentType.GetValue<string>();
        if (body?["attributes"] is JsonObject a)
        {
            if (a["enabled"] is { } enabled) v.Enabled = enabled.GetValue<bool>();
            if (a["nbf"] is { } nbf) v.NotBefore = nbf.GetValue<long>();
            if (a["exp"] is { } exp) v.Expires = exp.GetValue<long>();
        }
        if (body?["tags"] is JsonObject tags) v.Tags = (JsonObject)tags.DeepClone();
    }

    StoredVersion? Find(string name, string? version) => _secrets.TryGetValue(name, out var versions)
        ? string.IsNullOrEmpty(version) ? versions.LastOrDefault() : versions.FirstOrDefault(v => v.Id == version)
        : null;

    JsonObject Bundle(string name, StoredVersion v, bool withValue)
    {
        var attributes = new JsonObject { ["enabled"] = v.Enabled };
        if (v.NotBefore is { } nbf) attributes["nbf"] = nbf;
        if (v.Expires is { } exp) attributes["exp"] = exp;
        attributes["created"] = v.Created;
        attributes["updated"] = v.Updated;
        attributes["recoveryLevel"] = "Recoverable";
        attributes["recoverableDays"] = 90;
        var bundle = new JsonObject();
        if (withValue) bundle["value"] = v.Value;
        bundle["id"] = $"{VaultUri}secrets/{name}/{v.Id}";
        if (v.ContentType is not null) bundle["contentType"] = v.ContentType;
        bundle["attributes"] = attributes;
        bundle["tags"] = v.Tags.DeepClone();
        return bundle;
    }

    static async Task<JsonNode?> ReadAsync(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    static Task NotFound(HttpContext ctx, string name) =>
        Error(ctx, 404, "SecretNotFound", $"A secret with (name/id) {name} was not found in this key vault.");

    static Task Error(HttpContext ctx, int status, string code, string message, string? inner = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (inner is not null) error["innererror"] = new JsonObject { ["code"] = inner };
        return Write(ctx, status, new JsonObject { ["error"] = error });
    }

    static Task Write(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        return ctx.Response.WriteAsync(body.ToJsonString());
    }

    static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Key Vault stand-in", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Round trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    [GeneratedRegex("^[0-9a-zA-Z-]{1,127}$")]
    private static partial Regex SecretName();
}

/// <summary>Stands in for Entra ID: hands out a fixed fake token and remembers what it was asked for.</summary>
public sealed class FakeVaultCredential : TokenCredential
{
    public const string Token = "fake-vault-access-token";

    readonly List<TokenRequestContext> _requests = [];

    public IReadOnlyList<TokenRequestContext> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        lock (_requests) _requests.Add(requestContext);
        return new AccessToken(Token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(GetToken(requestContext, cancellationToken));
}

/// <summary>Stand-ins started by one test class, a fresh vault each (a key ring's secret name is fixed, as in a real
/// deployment's vault), all stopped with the class.</summary>
public sealed class KeyVaultStandIns : IAsyncDisposable
{
    readonly List<KeyVaultStandIn> _started = [];

    public async Task<KeyVaultStandIn> StartAsync()
    {
        var vault = await KeyVaultStandIn.StartAsync();
        _started.Add(vault);
        return vault;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var vault in _started) await vault.DisposeAsync();
    }
}
