using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using ScimFunctions.Administration;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Http.Portal;

/// <summary>
/// The page's HTML, rendered on the server: every control labelled, one section per area with its heading, forms
/// that work without script (the script only copies to the clipboard), the stylesheet and the script from
/// <see cref="ScimRoutes.PortalAsset"/>, nothing inline (the CSP forbids it).
/// </summary>
public static class PortalPage
{
    /// <summary>The Tenant URL as pasted into Entra: the flag makes Entra send RFC-compliant PATCH requests.</summary>
    public const string EntraFlag = "?aadOptscim062020";

    static string E(string? s) => HtmlEncoder.Default.Encode(s ?? "");

    static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    static string Layout(string title, string body) => $"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>{E(title)}</title>
        <link rel="stylesheet" href="/scim/portal-assets/portal.css">
        <script src="/scim/portal-assets/portal.js" defer></script>
        </head>
        <body>
        {body}
        </body>
        </html>
        """;

    /// <summary>A refusal: one plain sentence, nothing about the tenant.</summary>
    public static string Refusal(string message) => Layout("Provisioning settings", $"""
        <main id="main">
        <h1>Provisioning settings</h1>
        <p role="alert">{E(message)}</p>
        </main>
        """);

    /// <summary>After a link is opened: moves on to the page (the address bar then no longer holds the link).</summary>
    public static string Continue(string path) => Layout("Opening provisioning settings", $"""
        <main id="main">
        <h1>Provisioning settings</h1>
        <p>Opening the page… <a href="{E(path)}" id="continue" data-auto-continue>Continue</a></p>
        </main>
        """);

    public static string Render(PortalModel m)
    {
        var tenant = m.Session.Tenant;
        var action = (string name) => E(ScimRoutes.PortalPath(tenant) + "/do/" + name);
        var csrf = $"""<input type="hidden" name="{PortalEndpoints.CsrfField}" value="{E(m.Csrf)}">""";
        var b = new StringBuilder();
        b.Append($"""
            <a class="skip" href="#main">Skip to content</a>
            <header>
            <h1>Provisioning for <span class="tenant">{E(tenant.Value)}</span></h1>
            <p class="session">This session ends at {Time(m.Session.Expires)}.</p>
            <nav aria-label="Sections"><ul>
            <li><a href="#health">Health</a></li><li><a href="#connection">Connection</a></li><li><a href="#tokens">Tokens</a></li>
            <li><a href="#settings">Settings</a></li><li><a href="#held">Held deprovisioning</a></li><li><a href="#events">Events</a></li>
            <li><a href="#log">Provisioning log</a></li>
            </ul></nav>
            </header>
            <main id="main">
            """);
        if (m.Notice.Done is { } done) b.Append($"""<p class="notice" role="status">{E(done)}</p>""");
        if (m.Notice.Error is { } error) b.Append($"""<p class="error" role="alert">{E(error)}</p>""");

        // Health at a glance.
        var h = m.Health;
        var (users, groups) = (m.Counts.Users, m.Counts.Groups);
        var risk = h.FailureRate > PortalHealth.QuarantineRate
            ? h.Failures >= PortalHealth.QuarantineFailures ? "Entra may quarantine the provisioning job: fix the failures below." : "Many requests fail: look at the failures below before they accrue."
            : "Within Entra's thresholds.";
        b.Append($"""
            <section id="health" aria-labelledby="health-h">
            <h2 id="health-h">Health at a glance</h2>
            <dl class="facts">
            <dt>Provisioning</dt><dd>{(m.Settings.Provisioning == ProvisioningState.On ? "On" : "Off: every request is refused")}</dd>
            <dt>Mode</dt><dd>{(m.Settings.Mode == OperationMode.Sync ? "Sync" : "Dry run")}</dd>
            <dt>Users</dt><dd>{users.Live} live, {users.Pending} pending, {users.AwaitingActivation} awaiting activation{(users.Deprovisioned > 0 ? $", {users.Deprovisioned} kept disabled" : "")}</dd>
            <dt>Groups</dt><dd>{groups.Live} live, {groups.Pending} pending</dd>
            <dt>Deprovisioning brake</dt><dd>{BrakeAtAGlance(m.Brake)}</dd>
            <dt>Last request</dt><dd>{(h.LastRequest is { } last ? $"{Time(last)} from {E(h.LastClient)}" : "none in the last 24 hours")}</dd>
            <dt>Failures, last 24 hours</dt><dd>{h.Failures} of {(h.Capped ? "at least " : "")}{h.Requests} writes ({h.FailureRate:P0}). {E(risk)}
            <span class="hint">Entra quarantines a job when more than 40% of its requests fail once 5,000 failures have accrued.</span></dd>
            </dl>
            <p class="hint">Users and groups counted at {Time(m.Counts.CountedAt)}; counted again at most every {CountAdmin.CacheFor.TotalSeconds:0} seconds.</p>
            </section>
            """);

        // Connection.
        b.Append($"""
            <section id="connection" aria-labelledby="connection-h">
            <h2 id="connection-h">Connection</h2>
            <p>In Entra: Enterprise applications → your application → Provisioning → Admin credentials.</p>
            <div class="copyable">
            <label for="tenant-url">Tenant URL</label>
            <input id="tenant-url" readonly value="{E(m.TenantUrl + EntraFlag)}">
            <button type="button" data-copy="tenant-url">Copy Tenant URL</button>
            </div>
            <p class="hint">The <code>{E(EntraFlag)}</code> ending makes Entra send standard PATCH requests; keep it.</p>
            """);
        if (m.Notice.Issued is { } issued)
            b.Append($"""
                <div class="copyable secret">
                <label for="secret-token">Secret Token</label>
                <input id="secret-token" readonly value="{E(issued.SecretToken)}" aria-describedby="secret-warning">
                <button type="button" data-copy="secret-token">Copy Secret Token</button>
                <p id="secret-warning" class="warning" role="alert">Copy it now into Entra's Secret Token field: it cannot be shown again.
                It expires {Time(issued.Expires)}. {(issued.PreviousUsableUntil > m.Now ? $"Earlier tokens keep working until {Time(issued.PreviousUsableUntil)}." : "Earlier tokens no longer work.")}</p>
                </div>
                """);
        b.Append("</section>");

        // Tokens.
        b.Append($"""
            <section id="tokens" aria-labelledby="tokens-h">
            <h2 id="tokens-h">Tokens</h2>
            <form method="post" action="{action("token-issue")}" class="inline">
            {csrf}
            <label for="issue-days">Expires in</label>
            {DaysSelect("issue-days")}
            <button type="submit">Generate token</button>
            <p class="hint">A new token replaces every earlier one at once. To replace a token Entra is using, rotate instead.</p>
            </form>
            <form method="post" action="{action("token-rotate")}" class="inline">
            {csrf}
            <label for="rotate-days">Expires in</label>
            {DaysSelect("rotate-days")}
            <label for="rotate-overlap">Earlier tokens keep working for (minutes)</label>
            <input id="rotate-overlap" name="overlap" type="number" min="0" max="10080" value="60">
            <button type="submit">Rotate token</button>
            </form>
            """);
        if (m.Tokens.Count == 0) b.Append("<p>No tokens yet: generate one and paste it into Entra.</p>");
        else
        {
            b.Append("""<div class="scroll"><table><caption>Tokens, newest first</caption><thead><tr><th scope="col">Starts with</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Days left</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead><tbody>""");
            foreach (var t in m.Tokens.OrderByDescending(t => t.Created))
            {
                var warn = t.ExpiryWarning is not null && t.State == "Active";
                b.Append($"""<tr><td><code>{E(t.Prefix)}…</code></td><td>{E(t.State)}</td><td>{Time(t.Created)}</td><td>{Time(t.Expires)}</td>""");
                b.Append($"""<td{(warn ? " class=\"warning\"" : "")}>{t.DaysLeft}{(warn ? " — rotate soon" : "")}</td><td>""");
                if (t.State is "Active" or "Superseded")
                    b.Append($"""<form method="post" action="{action("token-revoke")}">{csrf}<input type="hidden" name="id" value="{E(t.Id)}"><button type="submit" aria-label="Revoke token {E(t.Prefix)}">Revoke</button></form>""");
                b.Append("</td></tr>");
            }
            b.Append("</tbody></table></div>");
        }
        b.Append("</section>");

        // Settings: one subsection per setting of the admin core.
        var s = m.Settings;
        b.Append($"""
            <section id="settings" aria-labelledby="settings-h">
            <h2 id="settings-h">Settings</h2>
            <section aria-labelledby="mode-h"><h3 id="mode-h">Mode</h3>
            {SettingForm(action("settings"), csrf, "What happens to users and groups that arrive", "mode", "Save mode",
                ("Sync", s.Mode == OperationMode.Sync, "Sync: they are live at once."),
                ("DryRun", s.Mode == OperationMode.DryRun, "Dry run: they are kept pending until you make them live, so you can check the provisioning scope first."))}
            """);
        if (m.Pending.Count == 0) b.Append("<p>No pending users or groups.</p>");
        else
        {
            b.Append("""<div class="scroll"><table><caption>Pending users and groups</caption><thead><tr><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Arrived</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead><tbody>""");
            foreach (var p in m.Pending)
                b.Append($"""<tr><td>{p.Kind}</td><td>{E(p.Name)}</td><td>{Time(p.Created)}</td><td><form method="post" action="{action("activate")}">{csrf}<input type="hidden" name="kind" value="{p.Kind}"><input type="hidden" name="id" value="{E(p.Id)}"><button type="submit" aria-label="Make {E(p.Name)} live">Make live</button></form></td></tr>""");
            b.Append($"""</tbody></table></div><form method="post" action="{action("activate")}">{csrf}<input type="hidden" name="all" value="true"><button type="submit">Make all {m.Pending.Count} live</button></form>""");
        }
        b.Append($"""
            </section>
            <section aria-labelledby="deprovision-h"><h3 id="deprovision-h">Deprovisioning</h3>
            {SettingForm(action("settings"), csrf, "When Entra deletes a user", "deprovision", "Save deprovisioning",
                ("Delete", s.Deprovision == DeprovisionMode.Delete, "Delete the user for good."),
                ("Disable", s.Deprovision == DeprovisionMode.Disable, "Keep the user, disabled: gone for Entra, still visible to the application."))}
            <p class="hint">Deletes and deactivations beyond the brake's threshold are held for you: see <a href="#held">Held deprovisioning</a>.</p>
            </section>
            <section aria-labelledby="activation-h"><h3 id="activation-h">User activation</h3>
            {SettingForm(action("settings"), csrf, "When Entra creates a user", "activation", "Save activation",
                ("Automatic", s.Activation == UserActivation.Automatic, "Automatic: the user is active in the application at once."),
                ("Manual", s.Activation == UserActivation.Manual, "Manual: the user waits until you activate it here (Entra sees no difference)."))}
            {AwaitingTable(m, action, csrf)}
            </section>
            <section aria-labelledby="groups-h"><h3 id="groups-h">Group provisioning</h3>
            {SettingForm(action("settings"), csrf, "Groups from Entra", "groups", "Save group provisioning",
                ("On", s.GroupProvisioning == GroupProvisioningState.On, "On: Entra's groups and their members are provisioned."),
                ("Off", s.GroupProvisioning == GroupProvisioningState.Off, "Off: users only; Entra's group requests are refused, so turn off group provisioning in Entra's mappings too."))}
            </section>
            <section aria-labelledby="roles-h"><h3 id="roles-h">Group → role mapping</h3>
            {GroupRolesTable(m, action, csrf)}
            <form method="post" action="{action("group-role-map")}" class="inline">
            {csrf}
            <label for="map-group">Group (id or display name)</label>
            <input id="map-group" name="group" required maxlength="256">
            <label for="map-role">Role</label>
            {RoleInput(s)}
            <button type="submit">Map group to role</button>
            </form>
            </section>
            <section aria-labelledby="provisioning-h"><h3 id="provisioning-h">Provisioning</h3>
            """);
        if (s.Provisioning == ProvisioningState.On)
            b.Append($"""
                <p>Provisioning is <strong>on</strong>.</p>
                <form method="post" action="{action("settings")}">
                {csrf}
                <input type="hidden" name="provisioning" value="Off">
                <div class="check"><input type="checkbox" id="confirm-off" name="confirm" value="off" required>
                <label for="confirm-off">I understand: every request from Entra will be refused (HTTP 403, "provisioning is turned off by the tenant's administrator") until provisioning is turned on again. Nothing is read, written or changed meanwhile; Entra's next cycle after turning it on catches up. For a long pause, stop the job in Entra too, or Entra may quarantine it.</label></div>
                <button type="submit" class="danger">Turn provisioning off</button>
                </form>
                """);
        else
            b.Append($"""
                <p>Provisioning is <strong>off</strong>: every request from Entra is refused.</p>
                <form method="post" action="{action("settings")}">{csrf}<input type="hidden" name="provisioning" value="On"><button type="submit">Turn provisioning on</button></form>
                """);
        b.Append("""</section><section aria-labelledby="schema-h"><h3 id="schema-h">Schema extensions</h3>""");
        var schema = s.Schema;
        if (schema.Extensions.Count == 0) b.Append("<p>No extensions declared: extension attributes are kept as sent.</p>");
        else
        {
            b.Append("""<ul class="plain">""");
            foreach (var x in schema.Extensions)
                b.Append($"""<li><code>{E(x.Schema.Id)}</code> on {E(x.ResourceType)}: {string.Join(", ", x.Schema.Attributes.Select(a => E(a.Name)))}</li>""");
            b.Append("</ul>");
        }
        b.Append($"""<p>Undeclared extensions are {(schema.Undeclared.ToString() == "Keep" ? "kept" : "refused")}. {(schema.Roles.Count == 0 ? "No roles declared." : "Roles: " + string.Join(", ", schema.Roles.Select(r => E(r.Display ?? r.Value))) + ".")}</p>""");
        b.Append("""<p class="hint">Declarations are changed by the application's operator (<code>scim-admin schema</code>).</p></section></section>""");

        b.Append(HeldSection(m, action, csrf));
        b.Append(EventsSection(m, action, csrf));

        // Provisioning log.
        var f = m.Filter;
        b.Append($"""
            <section id="log" aria-labelledby="log-h">
            <h2 id="log-h">Provisioning log</h2>
            <form method="get" action="{E(ScimRoutes.PortalPath(tenant))}#log" class="filters">
            <label for="log-outcome">Outcome</label>
            <select id="log-outcome" name="outcome">{string.Join("", LogFilter.Outcomes.Select(o => Option(o, o switch { "" => "Any", "failures" => "Failures", "applied" => "Applied", _ => "HTTP " + o }, f.Outcome == o)))}</select>
            <label for="log-type">Resource type</label>
            <select id="log-type" name="type">{string.Join("", LogFilter.ResourceTypes.Select(t => Option(t, t.Length == 0 ? "Any" : t, f.ResourceType == t)))}</select>
            <label for="log-resource">Resource id</label>
            <input id="log-resource" name="resource" value="{E(f.ResourceId)}">
            <label for="log-since">From (UTC)</label>
            <input id="log-since" name="since" type="datetime-local" value="{Local(f.Since)}">
            <label for="log-until">To (UTC)</label>
            <input id="log-until" name="until" type="datetime-local" value="{Local(f.Until)}">
            <button type="submit">Filter</button>
            </form>
            """);
        if (m.Log.Count == 0) b.Append("<p>No entries for this filter (without dates: the last 24 hours).</p>");
        else
        {
            b.Append("""<div class="scroll"><table class="log"><caption>Newest first</caption><thead><tr><th scope="col">Time</th><th scope="col">Operation</th><th scope="col">Resource</th><th scope="col">Outcome</th><th scope="col">Client</th><th scope="col">What it means</th></tr></thead><tbody>""");
            foreach (var e in m.Log)
            {
                var explanation = PortalExplain.Explain(e);
                b.Append($"""<tr{(explanation is null ? "" : " class=\"failed\"")}><td>{Time(e.Time)}</td><td>{E(e.Operation)}</td><td>{E(e.ResourceType)} <code>{E(e.ResourceId)}</code></td><td>{E(e.Outcome)}</td><td>{E(e.Client)}</td><td>{E(explanation)}</td></tr>""");
            }
            b.Append("</tbody></table></div>");
        }
        b.Append("</section></main>");
        return Layout($"Provisioning for {tenant.Value}", b.ToString());
    }

    /// <summary>The tenant's push receivers with their delivery state, subscribing (what the receiver needs shown once) and unsubscribing.</summary>
    static string EventsSection(PortalModel m, Func<string, string> action, string csrf)
    {
        var b = new StringBuilder($"""
            <section id="events" aria-labelledby="events-h">
            <h2 id="events-h">Events</h2>
            <p>Your application can be told of each provisioning change: signed Security Event Tokens (RFC 9967) pushed to its receiver (RFC 8935), in order, until it acknowledges them.</p>
            """);
        if (m.Notice.Subscribed is { } s)
            b.Append($"""
                <div class="secret" role="group" aria-labelledby="subscribed-h">
                <h3 id="subscribed-h">What the receiver verifies with</h3>
                <dl class="facts">
                <dt>Issuer (iss)</dt><dd><code>{E(s.Issuer)}</code></dd>
                <dt>Audience (aud)</dt><dd><code>{E(s.Receiver.Audience)}</code></dd>
                <dt>Events</dt><dd>{(s.Receiver.Full ? "Full: the resource's attributes in each SET" : "Notices: what changed, without the values")}</dd>
                </dl>
                <div class="copyable">
                <label for="jwks-url">JWKS URL</label>
                <input id="jwks-url" readonly value="{E(s.JwksUrl)}">
                <button type="button" data-copy="jwks-url">Copy JWKS URL</button>
                </div>
                <div class="copyable">
                <label for="receiver-secret">Bearer secret</label>
                <input id="receiver-secret" readonly value="{E(s.Bearer)}" aria-describedby="receiver-warning">
                <button type="button" data-copy="receiver-secret">Copy bearer secret</button>
                </div>
                <p id="receiver-warning" class="warning" role="alert">Copy the bearer secret now into the receiver's configuration: it cannot be shown again.
                Each push carries it as <code>Authorization: Bearer</code>; the receiver refuses pushes without it.</p>
                </div>
                """);
        if (m.Receivers.Count == 0) b.Append("<p>No receivers: events are not pushed anywhere.</p>");
        else
        {
            b.Append("""<div class="scroll"><table class="receivers"><caption>Receivers and where delivery stands</caption><thead><tr><th scope="col">Receiver</th><th scope="col">Delivered up to</th><th scope="col">Backlog</th><th scope="col">Oldest undelivered</th><th scope="col">Delivered</th><th scope="col">Last error</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead><tbody>""");
            foreach (var r in m.Receivers)
            {
                var age = r.OldestUndeliveredAge is { } a ? $"{Math.Max(0, a.TotalSeconds):0} s ago" : "none";
                var error = r.LastError is null ? "none"
                    : $"{E(r.LastError)} ({(r.LastErrorAt is { } at ? Time(at) : "")}){(r.Attempts > 0 ? $"; {r.Attempts} failed attempts in a row" + (r.NextAttempt is { } next ? $", next {Time(next)}" : "") : "")}";
                b.Append($"""<tr><td><code>{E(r.Url.ToString())}</code><br><span class="hint">audience {E(r.Audience)}; {(r.Full ? "full events" : "notices")}</span></td><td>{Time(r.Cursor)}</td><td>{r.Backlog}</td><td>{age}</td><td>{r.Delivered}{(r.Refused > 0 ? $" ({r.Refused} refused)" : "")}</td><td{(r.Attempts > 0 ? " class=\"warning\"" : "")}>{error}</td>""");
                b.Append($"""<td><form method="post" action="{action("events-unsubscribe")}">{csrf}<input type="hidden" name="id" value="{E(r.Id)}"><button type="submit" aria-label="Unsubscribe {E(r.Url.ToString())}">Unsubscribe</button></form></td></tr>""");
            }
            b.Append("</tbody></table></div>");
        }
        b.Append($"""
            <form method="post" action="{action("events-subscribe")}" class="inline">
            {csrf}
            <label for="receiver-url">Receiver URL</label>
            <input id="receiver-url" name="url" type="url" required maxlength="2048" placeholder="https://">
            <label for="receiver-audience">Audience (optional)</label>
            <input id="receiver-audience" name="audience" maxlength="{EventsAdmin.MaxAudienceLength}" aria-describedby="receiver-hint">
            <div class="check"><input type="checkbox" id="receiver-full" name="full" value="true"><label for="receiver-full">Full events: the resource's attributes in each SET</label></div>
            <button type="submit">Subscribe receiver</button>
            <p id="receiver-hint" class="hint">An https URL on the public internet: addresses inside a private network (such as 10.0.0.0/8, 192.168.0.0/16 or 169.254.0.0/16) are refused. The audience is the <code>aud</code> the receiver expects; by default its URL. Events committed from now on are pushed.</p>
            </form>
            </section>
            """);
        return b.ToString();
    }

    /// <summary>Most held deprovisionings listed (a mass deprovisioning holds thousands); "all" still acts on every one.</summary>
    public const int HeldShown = 200;

    static string BrakeAtAGlance(BrakeReport brake) =>
        brake.State.Engaged ? $"""<span class="warning">Engaged: {brake.Held.Count} deletes and deactivations held.</span> <a href="#held">Release or discard them</a>"""
        : brake.Threshold == 0 ? "Off: deletes and deactivations are applied at once"
        : $"Not engaged ({brake.State.InWindow} in the current window; holds beyond {brake.Threshold} per {brake.WindowMinutes} minutes)";

    /// <summary>The deprovisioning brake: its state, what it holds with release and discard (one, or all after a ticked
    /// confirmation that says what it does), and its threshold setting.</summary>
    static string HeldSection(PortalModel m, Func<string, string> action, string csrf)
    {
        var (brake, s) = (m.Brake, m.Settings);
        var b = new StringBuilder("""<section id="held" aria-labelledby="held-h"><h2 id="held-h">Held deprovisioning</h2>""");
        b.Append(brake.State.Engaged
            ? $"""<p><strong class="warning">The brake is engaged</strong> since {Time(brake.State.EngagedAt ?? m.Now)}: more than {brake.Threshold} users were deleted or deactivated within {brake.WindowMinutes} minutes. Entra was told the held requests succeeded; those users stay as they are until you decide. Until nothing is held, every further delete and deactivation is held too.</p>"""
            : brake.Threshold == 0 ? "<p>The brake is off: every delete and deactivation from Entra is applied at once.</p>"
            : $"<p>The brake is not engaged: {brake.State.InWindow} deletes and deactivations in the current window. More than {brake.Threshold} within {brake.WindowMinutes} minutes engages it; further ones are then held here for you instead of applied (Entra is told they succeeded).</p>");
        var held = brake.Held;
        if (held.Count == 0) b.Append("<p>Nothing is held.</p>");
        else
        {
            var deleted = s.Deprovision == DeprovisionMode.Delete ? "deleted for good" : "deleted for Entra, kept disabled for the application";
            b.Append($"""
                <p>Release applies a held request now, as Entra asked. Discard drops it and keeps the user as it is: after a scoping
                mistake, fix the scope in Entra and its next cycles match these users again. Each decision is recorded in the provisioning log.</p>
                <div class="scroll"><table><caption>Held deletes and deactivations{(held.Count > HeldShown ? $": the first {HeldShown} of {held.Count}" : "")}</caption><thead><tr><th scope="col">User name</th><th scope="col">Entra asked to</th><th scope="col">Held at</th><th scope="col">Client</th><th scope="col">On release the user is</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
                """);
            foreach (var h in held.Take(HeldShown))
            {
                var name = h.UserName.Length > 0 ? h.UserName : h.UserId;
                var released = h.Action == HeldAction.Disable ? "deactivated (active: false)" : deleted;
                var id = $"""<input type="hidden" name="id" value="{E(h.UserId)}">""";
                b.Append($"""<tr><td>{E(h.UserName)}<br><code>{E(h.UserId)}</code></td><td>{(h.Action == HeldAction.Disable ? "Deactivate" : "Delete")}</td><td>{Time(h.HeldAt)}</td><td>{E(h.Client)}</td><td>{released}</td><td class="actions">""");
                b.Append($"""<form method="post" action="{action("held-release")}">{csrf}{id}<button type="submit" aria-label="Release {E(name)}: {released} now">Release</button></form>""");
                b.Append($"""<form method="post" action="{action("held-discard")}">{csrf}{id}<button type="submit" aria-label="Discard the held request for {E(name)}: the user stays as it is">Discard</button></form></td></tr>""");
            }
            b.Append($"""
                </tbody></table></div>
                <form method="post" action="{action("held-release")}">
                {csrf}<input type="hidden" name="all" value="true">
                <div class="check"><input type="checkbox" id="confirm-release-all" name="confirm" value="release" required>
                <label for="confirm-release-all">I understand: all {held.Count} held users are deactivated or deleted now, as Entra asked (a held delete leaves the user {deleted}, as the Deprovisioning setting says).</label></div>
                <button type="submit" class="danger">Release all {held.Count}</button>
                </form>
                <form method="post" action="{action("held-discard")}">
                {csrf}<input type="hidden" name="all" value="true">
                <div class="check"><input type="checkbox" id="confirm-discard-all" name="confirm" value="discard" required>
                <label for="confirm-discard-all">I understand: all {held.Count} held requests are dropped and those users stay as they are. Entra considers them deprovisioned: fix its scope, and its next cycles match the users again.</label></div>
                <button type="submit">Discard all {held.Count}</button>
                </form>
                """);
        }
        b.Append($"""
            <section aria-labelledby="brake-h"><h3 id="brake-h">Brake threshold</h3>
            <form method="post" action="{action("settings")}" class="inline">
            {csrf}
            <label for="brake-threshold">Threshold (deletes and deactivations)</label>
            <input id="brake-threshold" name="brake-threshold" type="number" min="0" required value="{s.BrakeThreshold}" aria-describedby="brake-hint">
            <label for="brake-window">Window (minutes)</label>
            <input id="brake-window" name="brake-window" type="number" min="1" max="{TenantSettings.MaxBrakeWindowMinutes}" required value="{s.BrakeWindowMinutes}">
            <button type="submit">Save brake</button>
            <p id="brake-hint" class="hint">More than the threshold within the window engages the brake; 0 turns it off. The default, {TenantSettings.DefaultBrakeThreshold} in {TenantSettings.DefaultBrakeWindowMinutes} minutes, is far above an ordinary tenant's leavers and far below a scoping mistake in Entra.</p>
            </form>
            </section></section>
            """);
        return b.ToString();
    }

    static string AwaitingTable(PortalModel m, Func<string, string> action, string csrf)
    {
        if (m.Awaiting.Count == 0) return "<p>No users awaiting activation.</p>";
        var b = new StringBuilder("""<div class="scroll"><table><caption>Users awaiting activation</caption><thead><tr><th scope="col">User name</th><th scope="col">Arrived</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead><tbody>""");
        foreach (var u in m.Awaiting)
            b.Append($"""<tr><td>{E(u.UserName)}</td><td>{Time(u.Created)}</td><td><form method="post" action="{action("activate-user")}">{csrf}<input type="hidden" name="id" value="{E(u.Id)}"><button type="submit" aria-label="Activate {E(u.UserName)}">Activate</button></form></td></tr>""");
        b.Append($"""</tbody></table></div><form method="post" action="{action("activate-user")}">{csrf}<input type="hidden" name="all" value="true"><button type="submit">Activate all {m.Awaiting.Count}</button></form>""");
        return b.ToString();
    }

    static string GroupRolesTable(PortalModel m, Func<string, string> action, string csrf)
    {
        if (m.Settings.GroupRoles.Count == 0) return "<p>No groups mapped to roles.</p>";
        var b = new StringBuilder("""<div class="scroll"><table><caption>Groups whose members get a role</caption><thead><tr><th scope="col">Group</th><th scope="col">Role</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead><tbody>""");
        foreach (var g in m.Settings.GroupRoles)
            b.Append($"""<tr><td>{E(g.Group)}</td><td>{E(g.Role)}</td><td><form method="post" action="{action("group-role-unmap")}">{csrf}<input type="hidden" name="group" value="{E(g.Group)}"><input type="hidden" name="role" value="{E(g.Role)}"><button type="submit" aria-label="Remove mapping of {E(g.Group)} to {E(g.Role)}">Remove</button></form></td></tr>""");
        return b.Append("</tbody></table></div>").ToString();
    }

    /// <summary>The declared roles to choose from, or free text when the tenant declares none.</summary>
    static string RoleInput(TenantSettings s) => s.Schema.Roles.Count == 0
        ? """<input id="map-role" name="role" required maxlength="256">"""
        : $"""<select id="map-role" name="role" required>{string.Join("", s.Schema.Roles.Select(r => Option(r.Value, r.Display ?? r.Value, false)))}</select>""";

    static string DaysSelect(string id) =>
        $"""<select id="{id}" name="days">{string.Join("", new[] { 30, 90, 180, 365, 730 }.Select(d => Option(d.ToString(CultureInfo.InvariantCulture), d == 365 ? "1 year" : d == 730 ? "2 years" : d + " days", d == 365)))}</select>""";

    static string Option(string value, string label, bool selected) => $"""<option value="{E(value)}"{(selected ? " selected" : "")}>{E(label)}</option>""";

    /// <summary>One setting's form: a labelled choice (a fieldset of radio buttons) and its save button.</summary>
    static string SettingForm(string action, string csrf, string legend, string name, string button, params (string Value, bool Selected, string Label)[] choices) => $"""
        <form method="post" action="{action}">
        {csrf}
        <fieldset><legend>{E(legend)}</legend>
        {string.Join("\n", choices.Select(c => Radio(name, c.Value, c.Selected, c.Label)))}
        </fieldset>
        <button type="submit">{E(button)}</button>
        </form>
        """;

    static string Radio(string name, string value, bool selected, string label) =>
        $"""<div class="check"><input type="radio" id="{name}-{value}" name="{name}" value="{value}"{(selected ? " checked" : "")}><label for="{name}-{value}">{E(label)}</label></div>""";

    static string Local(DateTimeOffset? t) => t is { } v ? v.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture) : "";
}
