using System.Globalization;
using Microsoft.AspNetCore.Http;
using ScimFunctions.Administration;
using ScimFunctions.Administration.Portal;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Http.Portal;

/// <summary>What one response of the page says beyond the tenant's state: a token shown once, a result, an error.</summary>
public sealed record PortalNotice(IssuedTokenView? Issued = null, string? Done = null, string? Error = null, SubscribedReceiver? Subscribed = null);

/// <summary>Everything the page shows, read for one response.</summary>
public sealed record PortalModel(
    PortalSession Session, string TenantUrl, TenantSettings Settings, IReadOnlyList<TokenView> Tokens, IReadOnlyList<PendingItem> Pending, IReadOnlyList<AwaitingUser> Awaiting,
    BrakeReport Brake, IReadOnlyList<AuditEntry> Log, LogFilter Filter, PortalHealth Health, TenantCounts Counts, IReadOnlyList<ReceiverView> Receivers, string Csrf,
    PortalNotice Notice, DateTimeOffset Now);

/// <summary>The provisioning log's filter, from the page's query string (times are UTC, as the form says).</summary>
public sealed record LogFilter(string Outcome, string ResourceType, string ResourceId, DateTimeOffset? Since, DateTimeOffset? Until)
{
    public const int Shown = 200;
    public static readonly string[] Outcomes = ["", "failures", "applied", "400", "403", "404", "409", "412", "413", "429", "500", "503"];
    public static readonly string[] ResourceTypes = ["", "User", "Group", "Token", "Settings", "GroupRole", "PortalLink", "Receiver"];

    public static LogFilter From(IQueryCollection q, DateTimeOffset now) => new(
        Outcomes.Contains(q["outcome"].ToString()) ? q["outcome"].ToString() : "",
        ResourceTypes.Contains(q["type"].ToString()) ? q["type"].ToString() : "",
        q["resource"].ToString().Trim() is { Length: > 0 and <= 200 } id ? id : "",
        Time(q["since"]), Time(q["until"]));

    /// <summary>The audit query: an exact outcome goes to storage, "failures" and the type are filtered here.</summary>
    public AuditQuery Query => new(Since, Until, ResourceId.Length > 0 ? ResourceId : null,
        Outcome is "" or "failures" ? null : Outcome, Top: Outcome == "failures" || ResourceType.Length > 0 ? 2000 : Shown);

    public IReadOnlyList<AuditEntry> Apply(IEnumerable<AuditEntry> entries) => [.. entries
        .Where(e => Outcome != "failures" || PortalExplain.IsFailure(e))
        .Where(e => ResourceType.Length == 0 || e.ResourceType == ResourceType)
        .Take(Shown)];

    static DateTimeOffset? Time(string? value) =>
        DateTime.TryParseExact(value, ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? new DateTimeOffset(t, TimeSpan.Zero) : null;
}

/// <summary>Health at a glance, from the last 24 hours of the audit log (SCIM writes only).</summary>
public sealed record PortalHealth(int Requests, int Failures, DateTimeOffset? LastRequest, string? LastClient, bool Capped)
{
    /// <summary>Most audit entries read for the figures: a page load stays a few storage pages.</summary>
    public const int MaxRead = 10_000;

    /// <summary>Entra's quarantine thresholds: more than 40% of requests failing, once 5,000 failures have accrued.</summary>
    public const double QuarantineRate = 0.40;
    public const int QuarantineFailures = 5_000;

    public double FailureRate => Requests == 0 ? 0 : (double)Failures / Requests;

    public static async Task<PortalHealth> ReadAsync(AdminCore admin, TenantId tenant, DateTimeOffset now, CancellationToken ct)
    {
        var entries = await admin.Audit.QueryAsync(tenant, new AuditQuery(now.AddDays(-1), now, Top: MaxRead), ct);
        var scim = entries.Where(e => !PortalExplain.IsAdmin(e)).ToList();
        var last = scim.FirstOrDefault();
        return new PortalHealth(scim.Count, scim.Count(PortalExplain.IsFailure), last?.Time, last?.Client, entries.Count >= MaxRead);
    }
}

/// <summary>Each failed request in plain words, with what to do.</summary>
public static class PortalExplain
{
    public static bool IsAdmin(AuditEntry e) => e.Client is "cli" || e.Client.StartsWith("app/", StringComparison.Ordinal) || e.Client.StartsWith("page/", StringComparison.Ordinal);

    public static bool IsFailure(AuditEntry e) => int.TryParse(e.Outcome, NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status >= 400;

    public static string? Explain(AuditEntry e)
    {
        if (!IsFailure(e)) return null;
        var what = e.ResourceType == "Group" ? "group" : "user";
        var key = e.ResourceType == "Group" ? "displayName" : "userName";
        return e.Outcome switch
        {
            "409" => $"Another {what} already holds this {key} (uniqueness). The identity provider probably matches on a different attribute "
                + $"than the one the existing {what} was created with: check the matching attribute in the provisioning attribute mappings, "
                + $"or remove the stale {what} from the application.",
            "400" => "The request carried a value this service refuses: a wrong type, a malformed filter or PATCH path, or an extension "
                + "this tenant does not declare. Check the attribute mapping of the attribute named in the identity provider's provisioning log.",
            "403" => "Provisioning was turned off for this tenant when the request came. Turn it on (Settings) and the next cycle catches up.",
            "404" => $"The {what} is not here (deleted, or never created). The identity provider creates it again on its next cycle if it is still in scope; nothing to do unless this repeats.",
            "412" => "Another change to the same resource arrived at the same moment. The identity provider retries; nothing to do unless this repeats.",
            "413" => "The request or the resource was too large to store (very many members in one request, or a very large attribute). Reduce what is sent for this object.",
            "429" => "Too many requests at once. The identity provider slows down and retries; nothing to do unless this lasts.",
            "500" or "503" => "Storage was briefly unavailable. The identity provider retries; if this lasts, tell the application's operator.",
            _ => $"The request was refused with HTTP status {e.Outcome}.",
        };
    }
}
