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
/// What every SCIM request goes through, under both hosts: the tenant id parsed (the one place a route's
/// tenant text is checked), bearer authentication, the write context of a write, the storage-request scope,
/// one mapping from exceptions (the protocol's and the stores' outcomes) to SCIM errors, and one log line.
/// It runs inside the handler call (not as host middleware) so the Functions app and the local host
/// behave identically.
/// </summary>
public sealed class ScimPipeline(TokenService tokens, TenantSettingsCache tenants, ScimTables tables, AuditLog audit, ScimLimits limits, ILogger<ScimPipeline> log)
{
    /// <summary>Runs a handler that needs an authenticated tenant.</summary>
    public async Task<IResult> RunAsync(HttpContext http, string tenant, string operation, Func<ScimRequest, Task<IResult>> handler)
    {
        var started = Stopwatch.GetTimestamp();
        // Counting starts after authentication: token and tenant lookups are cached and amortised, so the
        // header reports what the SCIM operation itself costs.
        StorageRequestCounter.Scope? storage = null;
        var isWrite = http.Request.Method is "POST" or "PUT" or "PATCH" or "DELETE";
        var write = isWrite ? new WriteContext(http.TraceIdentifier, $"{http.Request.Method} {operation}", ClientKind(http)) : null;
        TenantSettings? authenticated = null;
        IResult result;
        // A request that storage has slowed past this deadline answers 503 (the client retries) instead of
        // running on: Entra gives up at 60 s, and each storage call may take up to 4 attempts of 10 s.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        deadline.CancelAfter(TimeSpan.FromSeconds(limits.RequestTimeoutSeconds));
        try
        {
            await tables.EnsureCreatedAsync();
            if (TenantId.TryParse(tenant, out var id) && await AuthenticateAsync(http, id, deadline.Token) is { } settings)
            {
                authenticated = settings;
                storage = StorageRequestCounter.BeginScope();
                result = await handler(new ScimRequest(http, settings, write, limits, deadline.Token));
            }
            else
            {
                result = Unauthorized(http);
            }
        }
        catch (Exception e) when (ToError(e, http) is { } error)
        {
            result = error;
        }
        // Applied changes were audited inside their own transactions; record the rest (rejections, no-ops).
        if (write is not null && authenticated is not null && write.Committed == 0)
            await RecordOutcomeAsync(http, authenticated.Tenant, write, operation, StatusOf(result));
        var storageRequests = storage?.Count ?? 0;
        http.Response.Headers["X-Storage-Requests"] = storageRequests.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var status = StatusOf(result);
        log.LogInformation("SCIM {Method} {Operation} tenant {Tenant} status {Status} in {ElapsedMs:0.0} ms, {StorageRequests} storage requests, request {RequestId}, client {Client}",
            http.Request.Method, operation, tenant, status, Stopwatch.GetElapsedTime(started).TotalMilliseconds, storageRequests,
            http.TraceIdentifier, ClientKind(http));
        return result;
    }

    async Task<TenantSettings?> AuthenticateAsync(HttpContext http, TenantId tenant, CancellationToken ct)
    {
        var header = http.Request.Headers.Authorization.ToString();
        string? token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        var client = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var check = await tokens.ValidateAsync(tenant, token, client, ct);
        if (check == TokenCheck.Throttled)
            throw new ThrottledException();
        if (check != TokenCheck.Valid) return null;
        return await tenants.GetAsync(tenant, ct);
    }

    static IResult Unauthorized(HttpContext http)
    {
        var hasHeader = http.Request.Headers.Authorization.Count > 0;
        return ScimResults.Error(HttpStatusCode.Unauthorized, null,
                hasHeader ? "The bearer token is not valid for this tenant." : "Send the tenant's Secret Token as 'Authorization: Bearer <token>'.")
            .WithHeader("WWW-Authenticate", hasHeader ? "Bearer realm=\"scim\", error=\"invalid_token\"" : "Bearer realm=\"scim\"");
    }

    /// <summary>The single exception → SCIM error mapping: the protocol's errors as they are, the stores'
    /// outcomes as the SCIM errors they mean. Transient storage trouble is 503 with Retry-After (the client
    /// retries); a bug is a 500 with a SCIM body and no details.</summary>
    IResult? ToError(Exception e, HttpContext http)
    {
        switch (e)
        {
            case ScimException scim:
                return ScimResults.Error(scim);
            case ThrottledException:
                return ScimResults.Error(HttpStatusCode.TooManyRequests, null, "Too many failed authentication attempts; retry later.").WithHeader("Retry-After", "60");
            case ConcurrencyConflictException:
                return ScimResults.Error(HttpStatusCode.PreconditionFailed, null, "The resource was changed by another request; read it again.");
            case UniquenessConflictException conflict:
                return ScimResults.Error(HttpStatusCode.Conflict, ScimType.Uniqueness, conflict.Message);
            case ResourceTooLargeException tooLarge:
                return ScimResults.Error(HttpStatusCode.RequestEntityTooLarge, null, tooLarge.Message);
            case ResourceNotFoundException notFound:
                return ScimResults.Error(HttpStatusCode.NotFound, null, notFound.Message);
            case RequiredAttributeMissingException missing:
                return ScimResults.Error(HttpStatusCode.BadRequest, ScimType.InvalidValue, missing.Message);
            case OperationCanceledException when http.RequestAborted.IsCancellationRequested:
                return ScimResults.Error(HttpStatusCode.BadRequest, null, "The request was cancelled by the client.");
            case var transient when IsTransient(transient):
                log.LogWarning(e, "Storage unavailable for {Method} {Path}", http.Request.Method, http.Request.Path.Value);
                return ScimResults.Unavailable();
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

    async Task RecordOutcomeAsync(HttpContext http, TenantId tenant, WriteContext write, string operation, int status)
    {
        var segments = http.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var resourceType = operation.StartsWith("User", StringComparison.Ordinal) ? "User" : operation.StartsWith("Group", StringComparison.Ordinal) ? "Group" : operation;
        var id = segments.Length == 5 ? segments[4] : null;
        try
        {
            await audit.RecordOutcomeAsync(tenant, write, resourceType, id, status, CancellationToken.None);
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
