using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ScimFunctions.Administration;
using ScimFunctions.Administration.Portal;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.Http.Portal;

/// <summary>
/// The self-service page's handlers, one per route of <see cref="ScimRoutes"/> (Portal*), bound by both hosts. A
/// signed link starts a session (cookie) for its tenant; every other request needs that session, and every form
/// post also the session's CSRF proof. Each action goes through the admin core with the link as the caller.
/// Refusals are logged and limited per client address like failed SCIM authentication.
/// </summary>
public sealed class PortalEndpoints(AdminCore admin, ScimEdgeOptions edge, TokenOptions limits, TimeProvider time, ILogger<PortalEndpoints> log)
{
    public const string CookieName = "scim-portal";
    public const string CsrfField = "csrf";

    /// <summary>No third-party origin, no inline script or style, no framing, forms only to this origin.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    readonly PartitionedRateLimiter<string> _refusals = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = key.StartsWith("address|", StringComparison.Ordinal) ? limits.MaxFailuresPerAddress : limits.MaxFailures,
            Window = limits.FailureWindow,
            QueueLimit = 0,
        }));

    /// <summary>GET a signed link: a session for its tenant, then on to the page without the secret in the address bar.</summary>
    public async Task<IResult> Open(HttpContext http, string tenant, string link)
    {
        if (http.Request.Method != "GET") return NotAllowed("GET");
        if (!TenantId.TryParse(tenant, out var id)) return Refused(http, tenant, PortalRefusal.Malformed);
        try
        {
            var (session, cookie) = await admin.Portal.OpenAsync(id, link, http.RequestAborted);
            http.Response.Cookies.Append(CookieName, cookie, new CookieOptions
            {
                HttpOnly = true,
                Secure = IsSecure(http),
                SameSite = SameSiteMode.Strict,
                Path = ScimRoutes.PortalPath(id),
                Expires = session.Expires,
            });
            log.LogInformation("Self-service page session started for tenant {Tenant} by link {LinkId}", id.Value, session.LinkId);
            // A page of our own that moves on, rather than a redirect: a navigation that came from another site (a mail,
            // a chat) would not send the SameSite=Strict cookie on its redirect; one that starts here does.
            return Html(http, HttpStatusCode.OK, PortalPage.Continue(ScimRoutes.PortalPath(id)));
        }
        catch (PortalRefusedException e)
        {
            return Refused(http, id.Value, e.Reason);
        }
    }

    /// <summary>GET the page (with the log's filter in the query string).</summary>
    public async Task<IResult> Page(HttpContext http, string tenant)
    {
        if (http.Request.Method != "GET") return NotAllowed("GET");
        var (session, refusal) = await SessionAsync(http, tenant);
        if (session is null) return Refused(http, tenant, refusal);
        var q = http.Request.Query;
        return await RenderAsync(http, session, new PortalNotice(Done: Message(q["done"], q["n"])));
    }

    /// <summary>POST a form of the page: checked for the session's CSRF proof, then one admin core call.</summary>
    public async Task<IResult> Action(HttpContext http, string tenant, string action)
    {
        if (http.Request.Method != "POST") return NotAllowed("POST");
        var (session, refusal) = await SessionAsync(http, tenant);
        if (session is null) return Refused(http, tenant, refusal);
        if (!http.Request.HasFormContentType) return Html(http, HttpStatusCode.UnsupportedMediaType, PortalPage.Refusal("The page sends forms only."));
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (!await admin.Portal.IsValidCsrfAsync(session, form[CsrfField], http.RequestAborted))
        {
            log.LogWarning("Self-service page form refused for tenant {Tenant}: no valid CSRF proof (link {LinkId}, client {Client})",
                session.Tenant.Value, session.LinkId, edge.ClientAddress(http));
            return Html(http, HttpStatusCode.Forbidden, PortalPage.Refusal("This form did not come from the page, or the page is too old. Reload the page and try again."));
        }
        var t = session.Tenant;
        var by = session.Caller;
        var ct = http.RequestAborted;
        // An action may move users and groups between states: the next page counts them again.
        admin.Counts.Forget(t);
        try
        {
            switch (action)
            {
                case "token-issue":
                case "token-rotate":
                    var days = Int(form["days"], 365);
                    var issued = action == "token-issue"
                        ? await admin.Tokens.IssueAsync(t, days, null, by, ct)
                        : await admin.Tokens.RotateAsync(t, days, TimeSpan.FromMinutes(Int(form["overlap"], 60)), by, ct);
                    // Shown in this response only: never stored, never redirected, never cached.
                    return await RenderAsync(http, session, new PortalNotice(Issued: issued));
                case "token-revoke":
                    await admin.Tokens.RevokeAsync(t, Required(form["id"], "token"), by, ct);
                    return Done(t, "revoked");
                case "settings":
                    var change = new SettingsChange(
                        Deprovision: Enum<DeprovisionMode>(form["deprovision"]),
                        Mode: Enum<OperationMode>(form["mode"]),
                        Provisioning: Enum<ProvisioningState>(form["provisioning"]),
                        Activation: Enum<UserActivation>(form["activation"]),
                        GroupProvisioning: Enum<GroupProvisioningState>(form["groups"]),
                        BrakeThreshold: Number(form["brake-threshold"]),
                        BrakeWindowMinutes: Number(form["brake-window"]));
                    if (change.Provisioning == ProvisioningState.Off && form["confirm"] != "off")
                        throw AdminException.Invalid("Tick the confirmation to turn provisioning off.");
                    var changed = await admin.Tenants.ChangeSettingsAsync(t, change, by, ct);
                    return Done(t, "saved", changed.Promoted);
                case "activate":
                    if (form["all"] == "true") return Done(t, "activated", await admin.Review.ActivateAllAsync(t, by, ct));
                    await admin.Review.ActivateAsync(t, Enum<ResourceKind>(form["kind"]) ?? throw AdminException.Invalid("Choose a user or a group."),
                        Required(form["id"], "pending item"), by, ct);
                    return Done(t, "activated", 1);
                case "activate-user":
                    if (form["all"] == "true") return Done(t, "users-activated", await admin.Activation.ActivateAllUsersAsync(t, by, ct));
                    await admin.Activation.ActivateUserAsync(t, Required(form["id"], "user"), by, ct);
                    return Done(t, "users-activated", 1);
                case "group-role-map":
                    await admin.Tenants.MapGroupRoleAsync(t, Required(form["group"], "group"), Required(form["role"], "role"), by, ct);
                    return Done(t, "mapped");
                case "group-role-unmap":
                    await admin.Tenants.UnmapGroupRoleAsync(t, Required(form["group"], "group"), Required(form["role"], "role"), by, ct);
                    return Done(t, "unmapped");
                case "held-release":
                case "held-discard":
                    var release = action == "held-release";
                    string? heldUser = null;
                    // One user from its row; all only with the ticked confirmation that says what it does.
                    if (form["all"] != "true") heldUser = Required(form["id"], "held user");
                    else if (form["confirm"] != (release ? "release" : "discard"))
                        throw AdminException.Invalid($"Tick the confirmation to {(release ? "release" : "discard")} every held deprovisioning.");
                    var decided = release ? await admin.Brake.ReleaseAsync(t, heldUser, by, ct) : await admin.Brake.DiscardAsync(t, heldUser, by, ct);
                    return Done(t, release ? "released" : "discarded", decided);
                case "events-subscribe":
                    var subscribed = await admin.Events.SubscribeAsync(t, Required(form["url"], "receiver URL"), form["audience"], form["full"] == "true", by, ct);
                    // The bearer secret is shown in this response only, like a Secret Token.
                    return await RenderAsync(http, session, new PortalNotice(Subscribed: subscribed));
                case "events-unsubscribe":
                    await admin.Events.UnsubscribeAsync(t, Required(form["id"], "receiver"), by, ct);
                    return Done(t, "unsubscribed");
                default:
                    return Html(http, HttpStatusCode.NotFound, PortalPage.Refusal("The page has no such action."));
            }
        }
        catch (AdminException e) when (e.Kind is AdminErrorKind.InvalidArgument or AdminErrorKind.NotFound)
        {
            return await RenderAsync(http, session, new PortalNotice(Error: e.Message), HttpStatusCode.BadRequest);
        }
    }

    /// <summary>GET the stylesheet or the script (same origin, so the CSP needs no other source).</summary>
    public static IResult Asset(HttpContext http, string file)
    {
        if (http.Request.Method != "GET") return NotAllowed("GET");
        if (PortalAssets.Find(file) is not { } asset) return Results.NotFound();
        http.Response.Headers.CacheControl = "public, max-age=3600";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    /// <summary>The request's session, or why there is none.</summary>
    async Task<(PortalSession? Session, PortalRefusal Refusal)> SessionAsync(HttpContext http, string tenant)
    {
        if (!TenantId.TryParse(tenant, out var id)) return (null, PortalRefusal.Malformed);
        try
        {
            return (await admin.Portal.ValidateSessionAsync(id, http.Request.Cookies[CookieName], http.RequestAborted), default);
        }
        catch (PortalRefusedException e)
        {
            return (null, e.Reason);
        }
    }

    async Task<IResult> RenderAsync(HttpContext http, PortalSession session, PortalNotice notice, HttpStatusCode status = HttpStatusCode.OK)
    {
        var ct = http.RequestAborted;
        var t = session.Tenant;
        var log = LogFilter.From(http.Request.Query, time.GetUtcNow());
        var model = new PortalModel(
            session,
            ScimRoutes.TenantUrl(edge.Origin(http), t),
            await admin.Tenants.GetAsync(t, ct),
            await admin.Tokens.ListAsync(t, ct),
            await admin.Review.ListPendingAsync(t, ct),
            await admin.Activation.ListAwaitingUsersAsync(t, ct),
            await admin.Brake.ListAsync(t, ct),
            log.Apply(await admin.Audit.QueryAsync(t, log.Query, ct)),
            log,
            await PortalHealth.ReadAsync(admin, t, time.GetUtcNow(), ct),
            await admin.Counts.GetAsync(t, ct),
            await admin.Events.ListAsync(t, ct),
            await admin.Portal.CsrfTokenAsync(session, ct),
            notice,
            time.GetUtcNow());
        return Html(http, status, PortalPage.Render(model));
    }

    IResult Refused(HttpContext http, string tenant, PortalRefusal reason)
    {
        var client = edge.ClientAddress(http);
        log.LogWarning("Self-service page refused for tenant {Tenant}: {Reason} (client {Client})", tenant, reason, client);
        using var address = _refusals.AttemptAcquire("address|" + client, 1);
        using var perTenant = _refusals.AttemptAcquire("tenant|" + tenant + "|" + client, 1);
        if (!address.IsAcquired || !perTenant.IsAcquired)
        {
            http.Response.Headers.RetryAfter = "60";
            return Html(http, HttpStatusCode.TooManyRequests, PortalPage.Refusal("Too many refused attempts from your address. Wait a minute and try again."));
        }
        return Html(http, HttpStatusCode.Forbidden, PortalPage.Refusal(reason switch
        {
            PortalRefusal.Expired => "This link or session has expired. Ask your application for a new link.",
            PortalRefusal.Revoked => "This link has been revoked. Ask your application for a new link.",
            _ => "This link is not valid for this page. Ask your application for a new link.",
        }));
    }

    static IResult Done(TenantId tenant, string what, int count = 0) =>
        Results.Redirect($"{ScimRoutes.PortalPath(tenant)}?done={what}&n={count.ToString(CultureInfo.InvariantCulture)}", permanent: false, preserveMethod: false);

    static string? Message(string? done, string? n)
    {
        var count = int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : 0;
        return done switch
        {
            "revoked" => "The token is revoked: the SCIM endpoint refuses it from now on.",
            "saved" => count > 0 ? $"Settings saved. {count} pending users and groups are now live." : "Settings saved. Writes follow them at once, reads within 30 seconds.",
            "activated" => $"{count} pending users and groups are now live.",
            "users-activated" => $"{count} users activated: the application treats them as active now.",
            "mapped" => "Mapping saved: the group's members get the role in the application.",
            "unmapped" => "Mapping removed.",
            "unsubscribed" => "Receiver removed: no more events are pushed to it.",
            "released" => $"{count} held deprovisionings released: those users are deleted or deactivated now, as Entra asked.",
            "discarded" => $"{count} held deprovisionings discarded: those users stay as they are.",
            _ => null,
        };
    }

    static IResult Html(HttpContext http, HttpStatusCode status, string html)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        return Results.Content(html, "text/html; charset=utf-8", statusCode: (int)status);
    }

    static IResult NotAllowed(string allow) => new AllowResult(allow);

    sealed class AllowResult(string allow) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            http.Response.Headers.Allow = allow;
            return Task.CompletedTask;
        }
    }

    /// <summary>Secure unless plain HTTP on the machine itself (the local host); anything else is served over HTTPS.</summary>
    static bool IsSecure(HttpContext http) => http.Request.IsHttps || !(http.Request.Host.Host is "localhost" || IPAddress.TryParse(http.Request.Host.Host, out var ip) && IPAddress.IsLoopback(ip));

    static int Int(string? value, int fallback) => Number(value) ?? fallback;

    /// <summary>A whole number from a form field; null when the field is absent or empty (the setting stays as it is).</summary>
    static int? Number(string? value) => string.IsNullOrEmpty(value) ? null
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw AdminException.Invalid($"'{value}' is not a whole number.");

    static T? Enum<T>(string? value) where T : struct, System.Enum => string.IsNullOrEmpty(value) ? null
        : System.Enum.TryParse<T>(value, ignoreCase: false, out var v) && System.Enum.IsDefined(v) && !int.TryParse(value, out _) ? v
        : throw AdminException.Invalid($"'{value}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}.");

    static string Required(string? value, string what) => string.IsNullOrEmpty(value) ? throw AdminException.Invalid($"Choose a {what}.") : value;
}
