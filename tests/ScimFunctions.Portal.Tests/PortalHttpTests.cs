using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Administration;
using ScimFunctions.Http.Portal;
using ScimFunctions.IntegrationTests;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Portal.Tests;

/// <summary>The page's refusals over plain HTTP, where a browser would not even send the request: a form post
/// without the session's CSRF proof, or with another session's; wrong methods; repeated refused links.</summary>
[Collection(PortalCollection.Name)]
public sealed partial class PortalHttpTests(PortalFixture fx)
{
    /// <summary>A client with its own cookie jar, not following redirects, with a session opened from a new link
    /// (on <paramref name="host"/>, else the fixture's).</summary>
    async Task<(HttpClient Client, string Csrf)> SessionAsync(ScimFunctions.Protocol.TenantId tenant, ScimHost? host = null)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = (host ?? fx.Host).Origin };
        var link = host is null ? await fx.LinkAsync(tenant)
            : await host.Services.GetRequiredService<AdminCore>().Portal.CreateAsync(tenant, host.Origin.ToString(), null, AdminCaller.Application("tests"), CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(link.Url)).StatusCode);
        var page = await client.GetAsync(fx.PagePath(tenant));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return (client, CsrfField().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value);
    }

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();

    static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) => new(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)));

    [Fact]
    public async Task A_state_change_without_the_sessions_csrf_proof_is_refused_and_changes_nothing()
    {
        var tenant = (await fx.TenantAsync()).Tenant;
        var (client, csrf) = await SessionAsync(tenant);
        var (_, otherSessionsCsrf) = await SessionAsync(tenant);
        Assert.NotEmpty(csrf);
        var action = fx.PagePath(tenant) + "/do/settings";

        var none = await client.PostAsync(action, Form(("mode", "DryRun")));
        Assert.Equal(HttpStatusCode.Forbidden, none.StatusCode);
        Assert.Contains("did not come from the page", await none.Content.ReadAsStringAsync());
        Assert.Equal(PortalEndpoints.ContentSecurityPolicy, none.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync(action, Form(("mode", "DryRun"), ("csrf", otherSessionsCsrf)))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync(action, Form(("mode", "DryRun"), ("csrf", csrf + "x")))).StatusCode);
        Assert.Equal(OperationMode.Sync, (await fx.Admin.Tenants.GetAsync(tenant, CancellationToken.None)).Mode);

        // The same post with its proof goes through (and redirects back to the page).
        var done = await client.PostAsync(action, Form(("mode", "DryRun"), ("csrf", csrf)));
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.StartsWith(fx.PagePath(tenant) + "?done=saved", done.Headers.Location!.OriginalString);
        Assert.Equal(OperationMode.DryRun, (await fx.Admin.Tenants.GetAsync(tenant, CancellationToken.None)).Mode);

        // A bad value is a readable 400 on the page, not a 500.
        var bad = await client.PostAsync(action, Form(("mode", "Sometimes"), ("csrf", csrf)));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("is not one of Sync, DryRun", await bad.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync(action, Form(("provisioning", "Off"), ("csrf", csrf)))).StatusCode);
        Assert.Equal(ProvisioningState.On, (await fx.Admin.Tenants.GetAsync(tenant, CancellationToken.None)).Provisioning);
    }

    [Fact]
    public async Task Events_subscribe_and_unsubscribe_need_the_sessions_csrf_proof()
    {
        var tenant = (await fx.TenantAsync()).Tenant;
        var (client, csrf) = await SessionAsync(tenant);
        var subscribe = fx.PagePath(tenant) + "/do/events-subscribe";
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync(subscribe, Form(("url", "https://receiver.example.test/")))).StatusCode);
        Assert.Empty(await fx.Admin.Events.ListAsync(tenant, CancellationToken.None));

        var shown = await client.PostAsync(subscribe, Form(("url", "https://receiver.example.test/"), ("csrf", csrf)));
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        var receiver = Assert.Single(await fx.Admin.Events.ListAsync(tenant, CancellationToken.None));
        Assert.Contains("Bearer secret", await shown.Content.ReadAsStringAsync());

        var unsubscribe = fx.PagePath(tenant) + "/do/events-unsubscribe";
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync(unsubscribe, Form(("id", receiver.Id)))).StatusCode);
        Assert.Single(await fx.Admin.Events.ListAsync(tenant, CancellationToken.None));
        // An id the tenant does not have is a readable 400; the right one removes the receiver.
        foreach (var id in new[] { "0197a0c2e5d47c3f9a1b2c3d4e5f6a7b", "a/b#?" })
            Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync(unsubscribe, Form(("id", id), ("csrf", csrf)))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.PostAsync(unsubscribe, Form(("id", receiver.Id), ("csrf", csrf)))).StatusCode);
        Assert.Empty(await fx.Admin.Events.ListAsync(tenant, CancellationToken.None));
    }

    [Fact]
    public async Task Releasing_or_discarding_every_held_deprovisioning_needs_the_ticked_confirmation_and_the_csrf_proof()
    {
        var tenant = await fx.TenantAsync();
        await fx.Admin.Tenants.ChangeSettingsAsync(tenant.Tenant, new SettingsChange(BrakeThreshold: 1), AdminCaller.Cli, CancellationToken.None);
        var users = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = (await tenant.CreateUserAsync($"mover{i}@contoso.com"))["id"]!.GetValue<string>();
            Assert.Equal(HttpStatusCode.NoContent, (await tenant.DeleteAsync($"Users/{id}")).StatusCode);
            users.Add(id);
        }
        Assert.Equal(2, (await fx.Admin.Brake.ListAsync(tenant.Tenant, CancellationToken.None)).Held.Count);
        var (client, csrf) = await SessionAsync(tenant.Tenant);
        var release = fx.PagePath(tenant.Tenant) + "/do/held-release";
        var discard = fx.PagePath(tenant.Tenant) + "/do/held-discard";

        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync(release, Form(("all", "true"), ("confirm", "release")))).StatusCode);
        var unconfirmed = await client.PostAsync(release, Form(("all", "true"), ("csrf", csrf)));
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.Contains("Tick the confirmation to release every held deprovisioning.", await unconfirmed.Content.ReadAsStringAsync());
        // The other form's confirmation does not stand in for this one's; a user with nothing held is a readable 400.
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync(discard, Form(("all", "true"), ("confirm", "release"), ("csrf", csrf)))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync(discard, Form(("id", users[0]), ("csrf", csrf)))).StatusCode);
        Assert.Equal(2, (await fx.Admin.Brake.ListAsync(tenant.Tenant, CancellationToken.None)).Held.Count);

        var done = await client.PostAsync(discard, Form(("all", "true"), ("confirm", "discard"), ("csrf", csrf)));
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal(fx.PagePath(tenant.Tenant) + "?done=discarded&n=2", done.Headers.Location!.OriginalString);
        Assert.Empty((await fx.Admin.Brake.ListAsync(tenant.Tenant, CancellationToken.None)).Held);
        // The first delete applied; the two discarded users are still there for SCIM clients.
        await tenant.GetAsync($"Users/{users[0]}").AssertScimErrorAsync(404);
        foreach (var user in users.Skip(1)) Assert.Equal(HttpStatusCode.OK, (await tenant.GetAsync($"Users/{user}")).StatusCode);
    }

    [Fact]
    public async Task A_receiver_on_a_private_address_is_refused_on_the_page_with_the_reason()
    {
        // A host configured as a deployment is (the fixture's, like every test host, allows private receivers).
        await using var host = await ScimHost.StartAsync(fx.Azurite, new Dictionary<string, string?> { [ScimFunctions.Events.ReceiverAddressPolicy.AllowPrivateSetting] = "false" });
        var tenant = (await host.CreateTenantAsync()).Tenant;
        var (client, csrf) = await SessionAsync(tenant, host);

        var refused = await client.PostAsync(fx.PagePath(tenant) + "/do/events-subscribe", Form(("url", "https://169.254.169.254/metadata/instance"), ("csrf", csrf)));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var page = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        Assert.Contains("The receiver's address 169.254.169.254 is in the link-local range 169.254.0.0/16: events are pushed only to public internet addresses.", page);
        Assert.Contains("An https URL on the public internet", page);
        Assert.Empty(await host.Services.GetRequiredService<AdminCore>().Events.ListAsync(tenant, CancellationToken.None));
    }

    [Fact]
    public async Task Wrong_methods_get_405_and_the_assets_come_from_the_same_origin()
    {
        var tenant = (await fx.TenantAsync()).Tenant;
        var (client, _) = await SessionAsync(tenant);
        var get = await client.GetAsync(fx.PagePath(tenant) + "/do/settings");
        Assert.Equal((HttpStatusCode.MethodNotAllowed, "POST"), (get.StatusCode, get.Content.Headers.Allow.Single()));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await client.PostAsync(fx.PagePath(tenant), Form())).StatusCode);

        var script = await client.GetAsync("/scim/portal-assets/portal.js");
        Assert.Equal(("text/javascript", "nosniff"), (script.Content.Headers.ContentType!.MediaType, script.Headers.GetValues("X-Content-Type-Options").Single()));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/scim/portal-assets/other.js")).StatusCode);
    }

    [Fact]
    public async Task Refused_links_are_limited_per_client_like_failed_authentication()
    {
        var tenant = (await fx.TenantAsync()).Tenant;
        using var client = new HttpClient { BaseAddress = fx.Host.Origin };
        var forged = fx.PagePath(tenant) + "/open/bm90LmEubGluaw.c2lnbmF0dXJl";
        var limit = new ScimFunctions.Storage.Tokens.TokenOptions().MaxFailures;
        for (var i = 0; i < limit; i++) Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(forged)).StatusCode);
        var limited = await client.GetAsync(forged);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("60", limited.Headers.GetValues("Retry-After").Single());
        // A genuine link still opens: as with tokens, the limit counts refusals only, so a stranger cannot lock the admin out.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync((await fx.LinkAsync(tenant)).Url)).StatusCode);
    }
}
