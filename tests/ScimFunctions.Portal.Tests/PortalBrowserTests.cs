using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using ScimFunctions.Administration;
using ScimFunctions.Events;
using ScimFunctions.IntegrationTests;
using ScimFunctions.IntegrationTests.Events;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;
using static ScimFunctions.IntegrationTests.ScimBodies;

namespace ScimFunctions.Portal.Tests;

/// <summary>
/// The self-service page in headless chromium: an admin opens the application's link, gets a session and a page
/// without the secret in the address bar, generates a token that works at once and revokes it, reviews dry-run,
/// turns provisioning off after confirming, and reads a failed request's explanation; forged, expired, revoked and
/// other tenants' links are refused; the page passes axe and works from the keyboard. One browser for the class.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class PortalBrowserTests(PortalFixture fx, ITestOutputHelper output) : IAsyncLifetime
{
    IBrowserContext _context = null!;
    IPage _page = null!;
    readonly List<string> _console = [];

    public async Task InitializeAsync()
    {
        _context = await fx.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
        _page = await _context.NewPageAsync();
        _page.Console += (_, message) => _console.Add($"{message.Type}: {message.Text}");
        _page.PageError += (_, error) => _console.Add("pageerror: " + error);
    }

    public async Task DisposeAsync()
    {
        foreach (var line in _console) output.WriteLine(line);
        await _context.DisposeAsync();
    }

    /// <summary>Opens a fresh link for the tenant and waits for the page it moves on to.</summary>
    async Task<IResponse?> OpenAsync(TenantClient tenant)
    {
        var link = await fx.LinkAsync(tenant.Tenant);
        await _page.GotoAsync(link.Url);
        await _page.WaitForURLAsync(new Regex(Regex.Escape(fx.PagePath(tenant.Tenant)) + "$"));
        return await _page.ReloadAsync();
    }

    static HttpClient Scim(TenantClient tenant, string token) => new()
    {
        BaseAddress = tenant.Http.BaseAddress,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
    };

    [Fact]
    public async Task A_link_starts_a_session_for_its_tenant_and_leaves_the_address_bar_with_a_strict_policy_and_no_violation()
    {
        var tenant = await fx.TenantAsync();
        var link = await fx.LinkAsync(tenant.Tenant);
        var secret = link.Url[(link.Url.LastIndexOf('/') + 1)..];

        var opened = await _page.GotoAsync(link.Url);
        Assert.Equal(200, opened!.Status);
        await _page.WaitForURLAsync(new Regex(Regex.Escape(fx.PagePath(tenant.Tenant)) + "$"));
        Assert.DoesNotContain(secret, _page.Url);
        Assert.Equal(new Uri(fx.Host.Origin, fx.PagePath(tenant.Tenant)).ToString(), _page.Url);
        // The link's page was replaced in the history too: going back passes over it.
        await _page.GoBackAsync();
        Assert.DoesNotContain(secret, _page.Url);

        var cookie = Assert.Single(await _context.CookiesAsync());
        Assert.Equal(("scim-portal", true, SameSiteAttribute.Strict, fx.PagePath(tenant.Tenant)), (cookie.Name, cookie.HttpOnly, cookie.SameSite, cookie.Path));
        Assert.DoesNotContain(secret, cookie.Value);

        var page = await _page.GotoAsync(new Uri(fx.Host.Origin, fx.PagePath(tenant.Tenant)).ToString());
        var csp = await page!.HeaderValueAsync("content-security-policy");
        Assert.Equal(ScimFunctions.Http.Portal.PortalEndpoints.ContentSecurityPolicy, csp);
        Assert.DoesNotContain("http", csp!);
        Assert.Equal("no-store", await page.HeaderValueAsync("cache-control"));
        Assert.Equal(tenant.BaseUrl + "?aadOptscim062020", await _page.GetByLabel("Tenant URL").InputValueAsync());
        Assert.Equal($"Provisioning for {tenant.Tenant.Value}", await _page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());

        // The copy button copies (the script runs under the policy).
        await _context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await _page.GetByRole(AriaRole.Button, new() { Name = "Copy Tenant URL" }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Copied." })).ToBeVisibleAsync();
        Assert.Equal(tenant.BaseUrl + "?aadOptscim062020", await _page.EvaluateAsync<string>("navigator.clipboard.readText()"));

        Assert.DoesNotContain(_console, line => line.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || line.StartsWith("error", StringComparison.Ordinal) || line.StartsWith("pageerror", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_generated_token_is_shown_once_works_at_once_and_revoking_it_refuses_it_at_once()
    {
        var tenant = await fx.TenantAsync();
        await OpenAsync(tenant);

        await _page.Locator("#issue-days").SelectOptionAsync("30");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Generate token" }).ClickAsync();
        var token = await _page.GetByLabel("Secret Token").InputValueAsync();
        Assert.StartsWith("scimf_", token);
        Assert.Contains("cannot be shown again", await _page.Locator("#secret-warning").InnerTextAsync());

        using var scim = Scim(tenant, token);
        Assert.Equal(HttpStatusCode.OK, (await scim.GetAsync(tenant.Path("Users"))).StatusCode);
        // The token the tenant had before no longer works (generating replaces it).
        Assert.Equal(HttpStatusCode.Unauthorized, (await tenant.GetAsync("Users")).StatusCode);

        // Shown once: the page read again has no Secret Token, and the token is nowhere in it.
        await _page.GotoAsync(new Uri(fx.Host.Origin, fx.PagePath(tenant.Tenant)).ToString());
        Assert.Equal(0, await _page.GetByLabel("Secret Token").CountAsync());
        Assert.DoesNotContain(token, await _page.ContentAsync());
        var row = _page.Locator("#tokens tbody tr").Filter(new() { HasText = "Active" });
        Assert.Contains("30", await row.Locator("td").Nth(4).InnerTextAsync());
        Assert.Contains("rotate soon", await row.Locator("td").Nth(4).InnerTextAsync());

        await row.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, (await scim.GetAsync(tenant.Path("Users"))).StatusCode);

        // Every action is audited with the link that made it.
        var audit = await fx.Admin.Audit.QueryAsync(tenant.Tenant, new AuditQuery(), CancellationToken.None);
        Assert.Contains(audit, e => e.Operation == "REVOKE Token" && e.Client.StartsWith("page/", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Operation == "ISSUE Token" && e.Client.StartsWith("page/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dry_run_keeps_a_user_pending_until_made_live_and_provisioning_off_needs_a_confirmation_and_refuses_requests()
    {
        var tenant = await fx.TenantAsync();
        await OpenAsync(tenant);

        await _page.GetByLabel("Dry run", new() { Exact = false }).CheckAsync();
        await _page.GetByRole(AriaRole.Button, new() { Name = "Save mode" }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("Settings saved");
        Assert.Equal(OperationMode.DryRun, (await fx.Admin.Tenants.GetAsync(tenant.Tenant, CancellationToken.None)).Mode);

        var user = await tenant.CreateUserAsync("pending.person@contoso.com");
        var id = user["id"]!.GetValue<string>();
        await _page.ReloadAsync();
        var pending = _page.Locator("#settings tbody tr").Filter(new() { HasText = "pending.person@contoso.com" });
        await pending.GetByRole(AriaRole.Button, new() { Name = "Make pending.person@contoso.com live" }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 pending users and groups are now live");
        var stored = await fx.Host.Services.GetRequiredService<ResourceStore>().GetAsync(tenant.Tenant, ResourceKind.User, id, CancellationToken.None);
        Assert.False(stored!.Pending);

        // Off without the confirmation: the browser does not send the form.
        var off = _page.GetByRole(AriaRole.Button, new() { Name = "Turn provisioning off" });
        await off.ClickAsync();
        Assert.Equal(ProvisioningState.On, (await fx.Admin.Tenants.GetAsync(tenant.Tenant, CancellationToken.None)).Provisioning);
        Assert.Contains("refused (HTTP 403", await _page.Locator("label[for=confirm-off]").InnerTextAsync());
        await _page.GetByLabel("I understand", new() { Exact = false }).CheckAsync();
        await off.ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("Settings saved");
        // A write reads the settings fresh: refused at once.
        Assert.Equal(HttpStatusCode.Forbidden, (await tenant.PostAsync("Users", new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"),
            ["userName"] = "late@contoso.com",
        })).StatusCode);
        await _page.GetByRole(AriaRole.Button, new() { Name = "Turn provisioning on" }).ClickAsync();
        Assert.Equal(ProvisioningState.On, (await fx.Admin.Tenants.GetAsync(tenant.Tenant, CancellationToken.None)).Provisioning);
    }

    [Fact]
    public async Task Manual_activation_holds_a_user_until_activated_and_a_group_is_mapped_to_a_role()
    {
        var tenant = await fx.TenantAsync();
        await OpenAsync(tenant);

        await _page.GetByLabel("Manual:", new() { Exact = false }).CheckAsync();
        await _page.GetByRole(AriaRole.Button, new() { Name = "Save activation" }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("Settings saved");
        Assert.Equal(UserActivation.Manual, (await fx.Admin.Tenants.GetAsync(tenant.Tenant, CancellationToken.None)).Activation);

        await tenant.CreateUserAsync("waiting.person@contoso.com");
        Assert.Single(await fx.Admin.Activation.ListAwaitingUsersAsync(tenant.Tenant, CancellationToken.None));
        await _page.ReloadAsync();
        await _page.GetByRole(AriaRole.Button, new() { Name = "Activate waiting.person@contoso.com" }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 users activated");
        Assert.Empty(await fx.Admin.Activation.ListAwaitingUsersAsync(tenant.Tenant, CancellationToken.None));

        await _page.GetByLabel("Group (id or display name)").FillAsync("Sales Managers");
        await _page.GetByLabel("Role", new() { Exact = true }).FillAsync("approver");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Map group to role" }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("Mapping saved");
        Assert.Equal([new ScimFunctions.Contract.GroupRoleMapping("Sales Managers", "approver")],
            await fx.Admin.Tenants.ListGroupRolesAsync(tenant.Tenant, CancellationToken.None));
        await _page.GetByRole(AriaRole.Button, new() { Name = "Remove mapping of Sales Managers to approver" }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("Mapping removed");
        Assert.Empty(await fx.Admin.Tenants.ListGroupRolesAsync(tenant.Tenant, CancellationToken.None));

        await _page.GetByLabel("Off: users only", new() { Exact = false }).CheckAsync();
        await _page.GetByRole(AriaRole.Button, new() { Name = "Save group provisioning" }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("Settings saved");
        Assert.Equal(GroupProvisioningState.Off, (await fx.Admin.Tenants.GetAsync(tenant.Tenant, CancellationToken.None)).GroupProvisioning);
    }

    [Fact]
    public async Task A_mass_deactivation_past_the_threshold_set_on_the_page_is_held_there_and_one_is_released_and_one_discarded()
    {
        var tenant = await fx.TenantAsync();
        await OpenAsync(tenant);
        Assert.Contains($"Not engaged (0 in the current window; holds beyond {TenantSettings.DefaultBrakeThreshold} per", await _page.Locator("#health").InnerTextAsync());

        await _page.GetByLabel("Threshold (deletes and deactivations)").FillAsync("2");
        await _page.GetByLabel("Window (minutes)").FillAsync("30");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Save brake" }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("Settings saved");
        var settings = await fx.Admin.Tenants.GetAsync(tenant.Tenant, CancellationToken.None);
        Assert.Equal((2, 30), (settings.BrakeThreshold, settings.BrakeWindowMinutes));

        // Entra deactivates four users in one cycle: two applied, then the brake holds the rest; every request succeeds.
        var users = new List<string>();
        for (var i = 0; i < 4; i++) users.Add((await tenant.CreateUserAsync($"leaver{i}@contoso.com"))["id"]!.GetValue<string>());
        foreach (var user in users)
            Assert.Equal(HttpStatusCode.OK, (await tenant.PatchAsync($"Users/{user}", Patch(Op("replace", "active", false)))).StatusCode);

        await _page.ReloadAsync();
        Assert.Contains("Engaged: 2 deletes and deactivations held.", await _page.Locator("#health").InnerTextAsync());
        Assert.Contains("The brake is engaged", await _page.Locator("#held").InnerTextAsync());
        var rows = _page.Locator("#held tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        var held = (await fx.Admin.Brake.ListAsync(tenant.Tenant, CancellationToken.None)).Held;
        Assert.Equal(users.Skip(2).Order(), held.Select(h => h.UserId).Order());
        foreach (var h in held)
        {
            var text = await rows.Filter(new() { HasText = h.UserId }).InnerTextAsync();
            Assert.Contains($"leaver{users.IndexOf(h.UserId)}@contoso.com", text);
            Assert.Contains("Deactivate", text);
            Assert.Contains("deactivated (active: false)", text);
            Assert.Contains(h.Client, text);
        }
        Assert.Contains("all 2 held users are deactivated or deleted now", await _page.Locator("label[for=confirm-release-all]").InnerTextAsync());
        await AssertNoAxeViolationsAsync();

        await _page.GetByRole(AriaRole.Button, new() { Name = "Release leaver2@contoso.com" }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 held deprovisionings released");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await _page.GetByRole(AriaRole.Button, new() { Name = "Discard the held request for leaver3@contoso.com" }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 held deprovisionings discarded");
        Assert.Contains("Nothing is held.", await _page.Locator("#held").InnerTextAsync());
        Assert.Contains("The brake is not engaged: 0 deletes and deactivations", await _page.Locator("#held").InnerTextAsync());

        // In storage: the applied and the released users deactivated, the discarded one unchanged and active, nothing held.
        var store = fx.Host.Services.GetRequiredService<ResourceStore>();
        foreach (var (user, i) in users.Select((u, i) => (u, i)))
        {
            var stored = await store.GetAsync(tenant.Tenant, ResourceKind.User, user, CancellationToken.None);
            Assert.Equal(i != 3, DeprovisionBrake.IsInactive(stored!.Document));
        }
        var brake = await fx.Admin.Brake.ListAsync(tenant.Tenant, CancellationToken.None);
        Assert.Empty(brake.Held);
        Assert.False(brake.State.Engaged);
        var audit = await fx.Admin.Audit.QueryAsync(tenant.Tenant, new AuditQuery(), CancellationToken.None);
        Assert.Contains(audit, e => e.Operation == "RELEASE User" && e.ResourceId == users[2] && e.Client.StartsWith("page/", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Operation == "DISCARD User" && e.ResourceId == users[3] && e.Client.StartsWith("page/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_request_is_explained_in_the_log_and_the_filter_keeps_to_failures()
    {
        var tenant = await fx.TenantAsync();
        await tenant.CreateUserAsync("taken@contoso.com");
        Assert.Equal(HttpStatusCode.Conflict, (await tenant.PostAsync("Users", new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"),
            ["userName"] = "TAKEN@contoso.com",
        })).StatusCode);
        await OpenAsync(tenant);

        await _page.GetByLabel("Outcome").SelectOptionAsync("failures");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var rows = _page.Locator("#log tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        var text = await rows.InnerTextAsync();
        Assert.Contains("409", text);
        Assert.Contains("Another user already holds this userName", text);
        Assert.Contains("matching attribute", text);

        await _page.GetByLabel("Outcome").SelectOptionAsync("applied");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(rows.Filter(new() { HasText = "POST User" })).ToHaveCountAsync(1);
        Assert.Equal(0, await rows.Filter(new() { HasText = "409" }).CountAsync());
        Assert.Contains("1 of 2 writes", await _page.Locator("#health").InnerTextAsync());
        // The counts: the user created before the page was opened, live.
        Assert.Contains("1 live, 0 pending, 0 awaiting activation", await _page.Locator("#health").InnerTextAsync());
    }

    [Fact]
    public async Task A_receiver_subscribed_on_the_page_shows_its_secret_once_then_its_delivery_state_and_is_unsubscribed()
    {
        var tenant = await fx.TenantAsync();
        await using var receivers = await TestReceivers.StartAsync();
        await OpenAsync(tenant);

        await _page.GetByLabel("Receiver URL").FillAsync(receivers.Url("page").ToString());
        await _page.GetByLabel("Audience (optional)").FillAsync("https://app.example.test");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Subscribe receiver" }).ClickAsync();
        var secret = await _page.GetByLabel("Bearer secret").InputValueAsync();
        Assert.True(secret.Length >= 40, secret);
        Assert.Contains("cannot be shown again", await _page.Locator("#receiver-warning").InnerTextAsync());
        var jwksUrl = await _page.GetByLabel("JWKS URL").InputValueAsync();
        Assert.Equal(fx.Host.Services.GetRequiredService<EventIssuer>().JwksUrl, jwksUrl);
        Assert.Contains(tenant.BaseUrl, await _page.Locator("#events").InnerTextAsync());

        // A change waits in the backlog, then is pushed with the secret, and the page says where delivery stands.
        await tenant.CreateUserAsync("pushed.person@contoso.com");
        await _page.GotoAsync(new Uri(fx.Host.Origin, fx.PagePath(tenant.Tenant)).ToString());
        Assert.Equal(0, await _page.GetByLabel("Bearer secret").CountAsync());
        Assert.DoesNotContain(secret, await _page.ContentAsync());
        var row = _page.Locator("#events tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        var cells = row.Locator("td");
        Assert.EndsWith("audience https://app.example.test; notices", await cells.Nth(0).InnerTextAsync());
        Assert.Equal(("1", "0"), (await cells.Nth(2).InnerTextAsync(), await cells.Nth(4).InnerTextAsync()));
        Assert.EndsWith("s ago", await cells.Nth(3).InnerTextAsync());
        Assert.True(await fx.Host.Services.GetRequiredService<EventDelivery>().DeliverAsync(tenant.Tenant.Value,
            Assert.Single(await fx.Admin.Events.ListAsync(tenant.Tenant, CancellationToken.None)).Id, CancellationToken.None));
        Assert.Equal("Bearer " + secret, Assert.Single(receivers["page"].Authorization));
        await _page.ReloadAsync();
        Assert.Equal(("0", "none", "1", "none"), (await cells.Nth(2).InnerTextAsync(), await cells.Nth(3).InnerTextAsync(), await cells.Nth(4).InnerTextAsync(), await cells.Nth(5).InnerTextAsync()));

        await row.GetByRole(AriaRole.Button, new() { Name = "Unsubscribe " + receivers.Url("page") }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Status)).ToContainTextAsync("Receiver removed");
        Assert.Empty(await fx.Admin.Events.ListAsync(tenant.Tenant, CancellationToken.None));
        Assert.Contains("No receivers", await _page.Locator("#events").InnerTextAsync());

        // A URL the admin core refuses is explained on the page, nothing subscribed; both actions audited with the link.
        await _page.GetByLabel("Receiver URL").FillAsync("http://receiver.example.test/events");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Subscribe receiver" }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Alert).First).ToContainTextAsync("https");
        Assert.Empty(await fx.Admin.Events.ListAsync(tenant.Tenant, CancellationToken.None));
        var audit = await fx.Admin.Audit.QueryAsync(tenant.Tenant, new AuditQuery(), CancellationToken.None);
        Assert.Contains(audit, e => e.Operation == "SUBSCRIBE Receiver" && e.Client.StartsWith("page/", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Operation == "UNSUBSCRIBE Receiver" && e.Client.StartsWith("page/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forged_expired_revoked_and_other_tenants_links_are_refused_and_a_session_reaches_its_tenant_only()
    {
        var tenant = await fx.TenantAsync();
        var other = await fx.TenantAsync();

        async Task RefusedAsync(string url, string says)
        {
            var response = await _page.GotoAsync(url);
            Assert.Equal(403, response!.Status);
            Assert.Contains(says, await _page.GetByRole(AriaRole.Alert).InnerTextAsync());
            Assert.Equal(0, await _page.GetByLabel("Tenant URL").CountAsync());
        }

        var link = await fx.LinkAsync(tenant.Tenant);
        var forged = link.Url[..^3] + (link.Url[^3] == 'A' ? "B" : "A") + link.Url[^2..];
        await RefusedAsync(forged, "not valid");
        // Another tenant's genuine link, opened on this tenant's page.
        var theirs = await fx.LinkAsync(other.Tenant);
        await RefusedAsync(theirs.Url.Replace(other.Tenant.Value, tenant.Tenant.Value, StringComparison.Ordinal), "not valid");
        var revoked = await fx.LinkAsync(tenant.Tenant);
        await fx.Admin.Portal.RevokeAsync(tenant.Tenant, revoked.Id, AdminCaller.Cli, CancellationToken.None);
        await RefusedAsync(revoked.Url, "revoked");
        var expiring = await fx.LinkAsync(tenant.Tenant, TimeSpan.FromSeconds(1));
        await Task.Delay(TimeSpan.FromSeconds(2));
        await RefusedAsync(expiring.Url, "expired");
        Assert.Empty(await _context.CookiesAsync());

        // With a session for this tenant: the other tenant's page and actions are refused, also with the cookie moved to its path.
        await OpenAsync(tenant);
        await RefusedAsync(new Uri(fx.Host.Origin, fx.PagePath(other.Tenant)).ToString(), "not valid");
        var session = Assert.Single(await _context.CookiesAsync());
        await _context.AddCookiesAsync([new Microsoft.Playwright.Cookie { Name = session.Name, Value = session.Value, Domain = session.Domain, Path = fx.PagePath(other.Tenant), HttpOnly = true, SameSite = SameSiteAttribute.Strict }]);
        await RefusedAsync(new Uri(fx.Host.Origin, fx.PagePath(other.Tenant)).ToString(), "not valid");
        var post = await _context.APIRequest.PostAsync(new Uri(fx.Host.Origin, fx.PagePath(other.Tenant) + "/do/settings").ToString(),
            new() { Form = _context.APIRequest.CreateFormData().Set("mode", "DryRun") });
        Assert.Equal(403, post.Status);
        Assert.Equal(OperationMode.Sync, (await fx.Admin.Tenants.GetAsync(other.Tenant, CancellationToken.None)).Mode);

        // Revoking the link ends the session at once.
        await fx.Admin.Portal.RevokeAsync(tenant.Tenant, null, AdminCaller.Cli, CancellationToken.None);
        await RefusedAsync(new Uri(fx.Host.Origin, fx.PagePath(tenant.Tenant)).ToString(), "revoked");
    }

    [Fact]
    public async Task The_page_passes_axe_works_from_the_keyboard_and_fits_a_narrow_window()
    {
        var tenant = await fx.TenantAsync();
        await OpenAsync(tenant);
        // The events section with a receiver and its secret shown once, then the page with a token shown once.
        await _page.GetByLabel("Receiver URL").FillAsync("https://receiver.example.test/scim-events");
        await _page.GetByLabel("Full events", new() { Exact = false }).CheckAsync();
        await _page.GetByRole(AriaRole.Button, new() { Name = "Subscribe receiver" }).ClickAsync();
        await Assertions.Expect(_page.GetByLabel("Bearer secret")).ToBeVisibleAsync();
        Assert.True(Assert.Single(await fx.Admin.Events.ListAsync(tenant.Tenant, CancellationToken.None)).Full);
        await AssertNoAxeViolationsAsync();
        await _page.GetByRole(AriaRole.Button, new() { Name = "Generate token" }).ClickAsync();
        await Assertions.Expect(_page.GetByLabel("Secret Token")).ToBeVisibleAsync();

        await AssertNoAxeViolationsAsync();

        // Keyboard: the first Tab reaches the skip link, which moves focus to the content; Tab then walks the controls in order.
        await _page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await _page.EvaluateAsync<string>("document.activeElement.textContent"));
        var order = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            await _page.Keyboard.PressAsync("Tab");
            order.Add(await _page.EvaluateAsync<string>("document.activeElement.id || document.activeElement.textContent.trim()"));
        }
        Assert.True(order.IndexOf("tenant-url") < order.IndexOf("Copy Tenant URL") && order.IndexOf("Copy Tenant URL") < order.IndexOf("secret-token"), string.Join(" → ", order));
        // And a control is used with the keyboard alone.
        await _page.Locator("#issue-days").FocusAsync();
        await _page.Keyboard.PressAsync("Tab");
        await _page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(_page.GetByLabel("Secret Token")).ToBeVisibleAsync();

        // Narrow: nothing wider than the window but the scrollable tables.
        await _page.SetViewportSizeAsync(360, 800);
        var overflow = await _page.EvaluateAsync<string[]>("""
            [...document.querySelectorAll("body *")].filter(e => !e.closest(".scroll") && e.getBoundingClientRect().right > window.innerWidth + 1)
              .map(e => e.tagName + "#" + e.id + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))
            """);
        Assert.True(overflow.Length == 0, string.Join("\n", overflow));
        Assert.True(await _page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"));

        await _page.SetViewportSizeAsync(1100, 900);
        var screenshot = Environment.GetEnvironmentVariable("SCIM_PORTAL_SCREENSHOT") ?? Path.Combine(AppContext.BaseDirectory, "portal-page.png");
        await _page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        output.WriteLine("Screenshot: " + screenshot);
    }

    async Task AssertNoAxeViolationsAsync()
    {
        var axe = await _page.RunAxe();
        Assert.True(axe.Violations.Length == 0, string.Join("\n", axe.Violations.Select(v => $"{v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => n.Html))})")));
    }
}
