using System.Diagnostics;
using System.Net;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.Http;

/// <summary>
/// What every SCIM request goes through, under both hosts: tenant check, bearer authentication,
/// the storage-request scope, one mapping from exceptions to SCIM errors, and one log line.
/// It runs inside the handler call (not as host middleware) so the Functions app and the local host
/// behave identically.
/// </summary>
public sealed class ScimPipeline(TokenService tokens, TenantDirectory tenants, ScimTables tables, AuditLog audit, ScimLimits limits, ILogger<ScimPipeline> log)
{
    /// <summary>Runs a handler that needs an authenticated tenant.</summary>
    public async Task<IResult> RunAsync(HttpContext http, string tenant, string operation, Func<ScimRequest, Task<IResult>> handler)
    {
        var started = Stopwatch.GetTimestamp();
        // Counting starts after authentication: token and tenant lookups are cached and amortised, so the
        // header reports what the SCIM operation itself costs.
        StorageRequestCounter.Scope? storage = null;
        var isWrite = http.Request.Method is "POST" or "PUT" or "PATCH" or "DELETE";
        var auditScope = isWrite ? AuditScope.Begin($"{http.Request.Method} {operation}", ClientKind(http), http.TraceIdentifier) : null;
        var authenticated = false;
        IResult result;
        // A request that storage has slowed past this deadline answers 503 (the client retries) instead of
        // running on: Entra gives up at 60 s, and each storage call may take up to 4 attempts of 10 s.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        deadline.CancelAfter(TimeSpan.FromSeconds(limits.RequestTimeoutSeconds));
        try
        {
            await tables.EnsureCreatedAsync();
            if (await AuthenticateAsync(http, tenant, deadline.Token) is { } settings)
            {
                authenticated = true;
                storage = StorageRequestCounter.BeginScope();
                result = await handler(new ScimRequest(http, settings, limits, deadline.Token));
            }
            else
            {
                result = Unauthorized(http, tenant);
            }
        }
        catch (Exception e) when (ToError(e, http) is { } error)
        {
            result = error;
        }
        if (auditScope is not null)
        {
            // Applied changes were audited inside their own transactions; record the rest (rejections, no-ops).
            if (authenticated && auditScope.Committed == 0) await RecordOutcomeAsync(http, tenant, operation, StatusOf(result));
            AuditScope.End();
        }
        var storageRequests = storage?.Count ?? 0;
        http.Response.Headers["X-Storage-Requests"] = storageRequests.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var status = StatusOf(result);
        log.LogInformation("SCIM {Method} {Operation} tenant {Tenant} status {Status} in {ElapsedMs:0.0} ms, {StorageRequests} storage requests, request {RequestId}, client {Client}",
            http.Request.Method, operation, tenant, status, Stopwatch.GetElapsedTime(started).TotalMilliseconds, storageRequests,
            http.TraceIdentifier, ClientKind(http));
        return result;
    }

    async Task<TenantSettings?> AuthenticateAsync(HttpContext http, string tenant, CancellationToken ct)
    {
        if (!TenantIds.IsValid(tenant)) return null;
        var header = http.Request.Headers.Authorization.ToString();
        string? token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        var client = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var check = await tokens.ValidateAsync(tenant, token, client, ct);
        if (check == TokenCheck.Throttled)
            throw new ThrottledException();
        if (check != TokenCheck.Valid) return null;
        return await tenants.GetAsync(tenant, ct);
    }

    static IResult Unauthorized(HttpContext http, string tenant)
    {
        var hasHeader = http.Request.Headers.Authorization.Count > 0;
        http.Response.Headers.WWWAuthenticate = hasHeader ? "Bearer realm=\"scim\", error=\"invalid_token\"" : "Bearer realm=\"scim\"";
        return ScimResults.Error(HttpStatusCode.Unauthorized, null,
            hasHeader ? "The bearer token is not valid for this tenant." : "Send the tenant's Secret Token as 'Authorization: Bearer <token>'.");
    }

    /// <summary>The single exception → SCIM error mapping. Transient storage trouble is 503 with
    /// Retry-After (the client retries); a bug is a 500 with a SCIM body and no details.</summary>
    IResult? ToError(Exception e, HttpContext http)
    {
        switch (e)
        {
            case ScimException scim:
                return ScimResults.Error(scim);
            case ThrottledException:
                http.Response.Headers.RetryAfter = "60";
                return ScimResults.Error(HttpStatusCode.TooManyRequests, null, "Too many failed authentication attempts; retry later.");
            case ConcurrencyConflictException:
                return ScimResults.Error(HttpStatusCode.PreconditionFailed, null, "The resource was changed by another request; read it again.");
            case OperationCanceledException when http.RequestAborted.IsCancellationRequested:
                return ScimResults.Error(HttpStatusCode.BadRequest, null, "The request was cancelled by the client.");
            case var transient when IsTransient(transient):
                log.LogWarning(e, "Storage unavailable for {Method} {Path}", http.Request.Method, http.Request.Path.Value);
                http.Response.Headers.RetryAfter = "5";
                return ScimResults.Error(HttpStatusCode.ServiceUnavailable, null, "Storage is temporarily unavailable; retry the request.");
            default:
                log.LogError(e, "Unhandled error for {Method} {Path}", http.Request.Method, http.Request.Path.Value);
                return ScimResults.Error(HttpStatusCode.InternalServerError, null, "An internal error occurred.");
        }
    }

    /// <summary>Storage trouble a retry could fix: what the Azure SDK throws once its own retries are spent
    /// (service errors, connection failures, timeouts). Shared with results that read storage while they
    /// execute (<see cref="Groups.GroupStreamResult"/>), so every path answers 503, never 500.</summary>
    public static bool IsTransient(Exception e) =>
        e is RequestFailedException or IOException or TimeoutException or HttpRequestException or OperationCanceledException or AggregateException;

    static int StatusOf(IResult result) => result is IStatusCodeHttpResult { StatusCode: { } code } ? code : 200;

    async Task RecordOutcomeAsync(HttpContext http, string tenant, string operation, int status)
    {
        var segments = http.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var resourceType = operation.StartsWith("User", StringComparison.Ordinal) ? "User" : operation.StartsWith("Group", StringComparison.Ordinal) ? "Group" : operation;
        var id = segments.Length == 5 ? segments[4] : null;
        try
        {
            await audit.RecordOutcomeAsync(tenant, resourceType, id, status, CancellationToken.None);
        }
        catch (Exception e) when (IsTransient(e))
        {
            log.LogWarning(e, "Audit entry for a {Status} {Operation} could not be written", status, operation);
        }
    }

    /// <summary>Which provisioning client is calling, for the logs (Entra sends ADSCIMVersion).</summary>
    static string ClientKind(HttpContext http) =>
        http.Request.Headers.TryGetValue("ADSCIMVersion", out var v) ? "entra/" + v
        : http.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent && agent.Contains("Okta", StringComparison.OrdinalIgnoreCase) ? "okta"
        : "other";

    sealed class ThrottledException : Exception;
}

/// <summary>Tenant settings with a short in-memory cache: one point read per tenant per window, not per request.</summary>
public sealed class TenantDirectory(TenantStore store, TimeProvider time)
{
    static readonly TimeSpan Window = TimeSpan.FromSeconds(30);
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, (DateTimeOffset Until, TenantSettings? Settings)> _cache = new();

    public async Task<TenantSettings?> GetAsync(string tenant, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(tenant, out var hit) && hit.Until > now) return hit.Settings;
        var settings = await store.GetAsync(tenant, ct);
        _cache[tenant] = (now + Window, settings);
        return settings;
    }
}
