using System.Diagnostics;
using System.Net;
using System.Threading.RateLimiting;
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
public sealed class ScimPipeline(TokenService tokens, TenantSettingsCache tenants, ScimTables tables, AuditLog audit, ScimLimits limits,
    ScimEdgeOptions edge, ILogger<ScimPipeline> log)
{
    /// <summary>Fairness between tenants: a concurrency limit per authenticated tenant (idle partitions are
    /// dropped by the limiter itself, so only tenants with requests in flight hold one).</summary>
    readonly PartitionedRateLimiter<string> _perTenant = PartitionedRateLimiter.Create<string, string>(tenant =>
        RateLimitPartition.GetConcurrencyLimiter(tenant, _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = limits.MaxConcurrentRequestsPerTenant,
            QueueLimit = limits.MaxQueuedRequestsPerTenant,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }));

    /// <summary>Events polls waiting at once per tenant: a long poll holds its slot while it waits, so polls have their
    /// own small limit and never take the provisioning requests' slots.</summary>
    readonly PartitionedRateLimiter<string> _pollsPerTenant = PartitionedRateLimiter.Create<string, string>(tenant =>
        RateLimitPartition.GetConcurrencyLimiter(tenant, _ => new ConcurrencyLimiterOptions { PermitLimit = MaxPollsPerTenant, QueueLimit = 0 }));

    public const int MaxPollsPerTenant = 2;

    /// <summary>Runs a SCIM handler that needs an authenticated tenant: the Secret Token may do everything, the
    /// application token only reads (<see cref="ApplicationMayRun"/>).</summary>
    public Task<IResult> RunAsync(HttpContext http, string tenant, string operation, Func<ScimRequest, Task<IResult>> handler) =>
        RunAsync(http, tenant, operation, poll: false, handler);

    /// <summary>Runs the events poll (RFC 8936): the application token only (the Secret Token is the identity
    /// provider's, and a poll acknowledges events, which is the application's to do); not a write.</summary>
    public Task<IResult> RunPollAsync(HttpContext http, string tenant, Func<ScimRequest, Task<IResult>> handler) =>
        RunAsync(http, tenant, "Events.poll", poll: true, handler);

    async Task<IResult> RunAsync(HttpContext http, string tenant, string operation, bool poll, Func<ScimRequest, Task<IResult>> handler)
    {
        var started = Stopwatch.GetTimestamp();
        // Counting starts after authentication: token and tenant lookups are cached and amortised, so the
        // header reports what the SCIM operation itself costs.
        StorageRequestCounter.Scope? storage = null;
        var isWrite = !poll && http.Request.Method is "POST" or "PUT" or "PATCH" or "DELETE";
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
            if (TenantId.TryParse(tenant, out var id) && await AuthenticateAsync(http, id, fresh: isWrite, deadline.Token) is { } caller)
            {
                var settings = authenticated = caller.Settings;
                if (Refusal(http, poll, caller.Application) is { } refused)
                {
                    result = refused;
                }
                else
                {
                    using var slot = poll
                        ? _pollsPerTenant.AttemptAcquire(settings.Tenant.Value, 1)
                        : await _perTenant.AcquireAsync(settings.Tenant.Value, 1, deadline.Token);
                    if (!slot.IsAcquired) throw poll ? new PollBusyException() : new TenantBusyException();
                    storage = StorageRequestCounter.BeginScope();
                    result = settings.Provisioning == ProvisioningState.Off
                        ? ProvisioningOff()
                        : await handler(new ScimRequest(http, settings, write, limits, edge, deadline.Token));
                }
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
        // (Not while provisioning is off: then nothing stored is touched, the audit log included. Nor for a Bulk
        // request that ran: each of its operations has its own entry.)
        if (write is not null && authenticated is { Provisioning: ProvisioningState.On } && write.Committed == 0
            && !(operation == BulkOperation && StatusOf(result) == 200))
            await RecordOutcomeAsync(http, authenticated.Tenant, write, operation, StatusOf(result));
        var storageRequests = storage?.Count ?? 0;
        http.Response.Headers["X-Storage-Requests"] = storageRequests.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var status = StatusOf(result);
        log.LogInformation("SCIM {Method} {Operation} tenant {Tenant} status {Status} in {ElapsedMs:0.0} ms, {StorageRequests} storage requests, request {RequestId}, client {Client}",
            http.Request.Method, operation, LoggedTenant(tenant), status, Stopwatch.GetElapsedTime(started).TotalMilliseconds, storageRequests,
            http.TraceIdentifier, ClientKind(http));
        return result;
    }

    /// <summary>The operation name of /Bulk requests.</summary>
    public const string BulkOperation = "Bulk";

    /// <summary>Runs one operation of a /Bulk request (<paramref name="operation"/>, made by <see cref="BulkHandler"/>
    /// with the operation's method, path, body and If-Match) as the single request it stands for, inside the Bulk
    /// request's authentication, tenant slot, storage count and deadline: its own write context (audit entry and
    /// change-feed event, rejections recorded as for a single request) and the same exception → SCIM error mapping.</summary>
    public async Task<IResult> RunOperationAsync(HttpContext operation, ScimRequest bulk, string name, Func<ScimRequest, Task<IResult>> handler)
    {
        var write = new WriteContext(operation.TraceIdentifier, $"{operation.Request.Method} {name}", ClientKind(bulk.Http));
        IResult result;
        try
        {
            result = await handler(new ScimRequest(operation, bulk.Settings, write, limits, edge, bulk.Aborted));
        }
        catch (Exception e) when (ToError(e, operation) is { } error)
        {
            result = error;
        }
        if (write.Committed == 0) await RecordOutcomeAsync(operation, bulk.Tenant, write, name, StatusOf(result));
        return result;
    }

    /// <summary>The tenant's admin turned provisioning off. 403, not 503: it is a decision, not an outage, so
    /// the client should not retry at once; Entra shows the detail in its provisioning logs and Test Connection.</summary>
    static IResult ProvisioningOff() => ScimResults.Error(HttpStatusCode.Forbidden, null,
        "Provisioning is turned off for this tenant by its administrator; nothing was read or changed. It resumes when turned on again.");

    /// <summary>The tenant's settings and whether the caller holds the application token; null when not authenticated.</summary>
    async Task<(TenantSettings Settings, bool Application)?> AuthenticateAsync(HttpContext http, TenantId tenant, bool fresh, CancellationToken ct)
    {
        var header = http.Request.Headers.Authorization.ToString();
        string? token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        var client = edge.ClientAddress(http);
        var check = await tokens.ValidateAsync(tenant, token, client, ct);
        if (check == TokenCheck.Throttled)
            throw new ThrottledException();
        if (check is not (TokenCheck.Valid or TokenCheck.ValidApplication)) return null;
        return await tenants.GetAsync(tenant, fresh, ct) is { } settings ? (settings, check == TokenCheck.ValidApplication) : null;
    }

    /// <summary>The one place that decides what each kind of token may do: the poll takes the application token
    /// only; the application token reads (and polls) but never writes. Every SCIM route runs through here, so a
    /// route added later (Bulk) is refused to the application token unless it is a read.</summary>
    static IResult? Refusal(HttpContext http, bool poll, bool application) =>
        poll && !application ? ScimResults.Error(HttpStatusCode.Forbidden, null,
                "The events poll takes the tenant's application token (scim-admin token issue <tenant> --application), not the Secret Token.")
        : !poll && application && !ApplicationMayRun(http) ? ScimResults.Error(HttpStatusCode.Forbidden, null,
                "The application token reads: it may not create, change or delete anything. Writes take the tenant's Secret Token.")
        : null;

    /// <summary>What the application token may do besides the poll: GET (resources, filters, discovery) and POST
    /// queries (<c>.search</c>, RFC 7644 §3.4.3). Everything else is a write.</summary>
    static bool ApplicationMayRun(HttpContext http) =>
        HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
        || (HttpMethods.IsPost(http.Request.Method) && http.Request.Path.Value?.TrimEnd('/').EndsWith("/.search", StringComparison.OrdinalIgnoreCase) == true);

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
            case PollBusyException:
                return ScimResults.Error(HttpStatusCode.TooManyRequests, null,
                    $"{MaxPollsPerTenant} polls of this tenant's events are already waiting; poll from one client at a time.").WithHeader("Retry-After", "1");
            case TenantBusyException:
                return ScimResults.Error(HttpStatusCode.TooManyRequests, null,
                    $"The tenant has {limits.MaxConcurrentRequestsPerTenant} requests in progress and {limits.MaxQueuedRequestsPerTenant} waiting; retry later.")
                    .WithHeader("Retry-After", "1");
            case RequestFailedException { Status: 400 or 413 } tooLarge when tooLarge.Status == 413 || TooLargeCodes.Contains(tooLarge.ErrorCode ?? ""):
                // Bad input, not an outage: a 503 would make Entra retry it forever.
                return ScimResults.Error(HttpStatusCode.BadRequest, ScimType.InvalidValue, "The resource or one of its values is too large to store.");
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
                log.LogWarning(e, "Storage unavailable for {Method} {Path}", http.Request.Method, LogSafe(http.Request.Path.Value));
                return ScimResults.Unavailable();
            default:
                log.LogError(e, "Unhandled error for {Method} {Path}", http.Request.Method, LogSafe(http.Request.Path.Value));
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

    /// <summary>Table storage's answers to a value, entity or batch too large: the client's input.</summary>
    static readonly HashSet<string> TooLargeCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "PropertyValueTooLarge", "EntityTooLarge", "RequestBodyTooLarge", "KeyValueTooLarge",
    };

    /// <summary>The tenant as logged: only a valid slug is written as text, so a URL segment cannot forge a line.</summary>
    internal static string LoggedTenant(string tenant) => TenantId.TryParse(tenant, out var id) ? id.Value : "(invalid)";

    /// <summary>Client text for a log line: percent-encoded (no line breaks or control characters) and cut short.</summary>
    internal static string LogSafe(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var cut = text.Length > 200 ? text[..200] : text;
        if (char.IsHighSurrogate(cut[^1])) cut = cut[..^1];
        return Uri.EscapeDataString(cut).Replace("%2F", "/", StringComparison.Ordinal);
    }

    /// <summary>Which provisioning client is calling, for the logs (Entra sends ADSCIMVersion).</summary>
    static string ClientKind(HttpContext http) =>
        http.Request.Headers.TryGetValue("ADSCIMVersion", out var v) ? "entra/" + LogSafe(v.ToString())
        : http.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent && agent.Contains("Okta", StringComparison.OrdinalIgnoreCase) ? "okta"
        : "other";

    sealed class ThrottledException : Exception;

    sealed class TenantBusyException : Exception;

    sealed class PollBusyException : Exception;
}
