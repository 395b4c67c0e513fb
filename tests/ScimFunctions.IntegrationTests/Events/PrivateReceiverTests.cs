using System.Text.Json.Nodes;
using ScimFunctions.Admin;
using ScimFunctions.Administration;
using ScimFunctions.Events;
using ScimFunctions.Storage.Audit;

namespace ScimFunctions.IntegrationTests.Events;

/// <summary>
/// Push receivers against server-side request forgery, on a host configured as a deployment is
/// (<c>Events:AllowPrivateReceivers</c> off) and delivering on its own: the admin core and the CLI refuse a receiver
/// on a private, loopback or link-local address, saving nothing; a receiver whose name or address is private all the
/// same (registered before a DNS change) is refused at connect time, with the reason in its delivery state and no
/// connection made; a redirect is not followed. One host and one set of receivers for the class; a tenant per test.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PrivateReceiverTests(AzuriteFixture azurite) : IAsyncLifetime
{
    readonly string _prefix = "evp" + Guid.NewGuid().ToString("N")[..8];
    ScimHost _host = null!;
    TestReceivers _receivers = null!;
    static readonly CancellationToken None = CancellationToken.None;

    AdminCore Admin => _host.Services.GetRequiredService<AdminCore>();

    public async Task InitializeAsync()
    {
        _host = await ScimHost.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Storage:TablePrefix"] = _prefix,
            [ReceiverAddressPolicy.AllowPrivateSetting] = "false",
            ["Events:Deliver"] = "true",
            ["Events:SettleSeconds"] = "0",
            ["Events:SweepSeconds"] = "0.2",
        });
        _receivers = await TestReceivers.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receivers.DisposeAsync();
        await _host.DisposeAsync();
    }

    public static TheoryData<string, string> PrivateUrls => new()
    {
        { "https://10.0.0.1/events", "The receiver's address 10.0.0.1 is in the private range 10.0.0.0/8" },
        { "https://[fd00::1]/events", "The receiver's address fd00::1 is in the unique local range fc00::/7" },
        { "https://169.254.169.254/metadata/identity/oauth2/token", "The receiver's address 169.254.169.254 is in the link-local range 169.254.0.0/16" },
        { "https://[::ffff:169.254.169.254]/", "is in the link-local range 169.254.0.0/16" },
        { "https://100.100.1.1/", "is in the carrier-grade NAT range 100.64.0.0/10" },
        { "https://localhost/events", "The receiver's host localhost resolves to" },
    };

    [Theory]
    [MemberData(nameof(PrivateUrls))]
    public async Task The_admin_core_refuses_a_receiver_on_a_private_address_and_saves_nothing(string url, string refusal)
    {
        var tenant = (await _host.CreateTenantAsync()).Tenant;
        var e = await Assert.ThrowsAsync<AdminException>(() => Admin.Events.SubscribeAsync(tenant, url, null, false, AdminCaller.Cli, None));
        Assert.Equal(AdminErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(refusal, e.Message, StringComparison.Ordinal);
        Assert.EndsWith("events are pushed only to public internet addresses.", e.Message, StringComparison.Ordinal);

        Assert.Empty(await Admin.Events.ListAsync(tenant, None));
        Assert.DoesNotContain(await _host.Services.GetRequiredService<EventReceivers>().ListAllAsync(None), r => r.Tenant == tenant.Value);
        Assert.DoesNotContain(await Admin.Audit.QueryAsync(tenant, new AuditQuery(), None), a => a.Operation == "SUBSCRIBE Receiver");
    }

    [Fact]
    public async Task The_cli_refuses_in_one_line_with_exit_code_2_unless_told_private_receivers_are_allowed()
    {
        var tenant = (await _host.CreateTenantAsync()).Tenant;
        async Task<(int Exit, string Output, string Error)> CliAsync(params string[] args)
        {
            var (output, error) = (new StringWriter(), new StringWriter());
            var exit = await AdminCli.RunAsync([.. args, "--connection-string", azurite.ConnectionString, "--table-prefix", _prefix, "--base-url", _host.Origin.ToString()], output, error);
            return (exit, output.ToString(), error.ToString());
        }

        var refused = await CliAsync("events", "subscribe", tenant.Value, "--url", "https://169.254.169.254/latest/meta-data/");
        Assert.Equal((AdminCli.Usage, ""), (refused.Exit, refused.Output));
        Assert.Equal("error: The receiver's address 169.254.169.254 is in the link-local range 169.254.0.0/16: events are pushed only to public internet addresses.",
            Assert.Single(refused.Error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)));
        var local = _receivers.Url("cli-local").ToString();
        Assert.Equal(AdminCli.Usage, (await CliAsync("events", "subscribe", tenant.Value, "--url", local)).Exit);
        Assert.Empty(await Admin.Events.ListAsync(tenant, None));

        // The development switch: the same receiver on 127.0.0.1 is accepted (this host would still not deliver to it).
        var allowed = await CliAsync("events", "subscribe", tenant.Value, "--url", local, "--allow-private-receivers", "--json");
        Assert.True(allowed.Exit == AdminCli.Success, allowed.Error);
        Assert.Equal(local, JsonNode.Parse(allowed.Output)!["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delivery_to_a_private_address_is_refused_at_connect_time_and_the_receiver_sees_nothing()
    {
        var tenant = await _host.CreateTenantAsync();
        var connections = _receivers.Connections;
        // Registered past the admin core (as if its name resolved to a public address then, and to 127.0.0.1 now): by
        // name, resolved at connect time, and by address.
        var registry = _host.Services.GetRequiredService<EventReceivers>();
        var byName = _receivers.Url("rebound");
        byName = new UriBuilder(byName) { Host = "localhost" }.Uri;
        await registry.SubscribeAsync(tenant.Tenant, byName, null, None);
        await registry.SubscribeAsync(tenant.Tenant, _receivers.Url("loopback"), null, None);

        await tenant.CreateUserAsync("refused@contoso.test");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        IReadOnlyList<ReceiverView> views;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "no delivery attempt recorded within 60 s");
            await Task.Delay(100);
            views = await Admin.Events.ListAsync(tenant.Tenant, None);
        }
        while (views.Any(v => v.Attempts == 0));

        var named = Assert.Single(views, v => v.Url == byName);
        Assert.Contains("The receiver's host localhost resolves to", named.LastError, StringComparison.Ordinal);
        Assert.Contains("in the loopback range", named.LastError, StringComparison.Ordinal);
        var literal = Assert.Single(views, v => v.Url != byName);
        Assert.Equal("The receiver's address 127.0.0.1 is in the loopback range 127.0.0.0/8: events are pushed only to public internet addresses.", literal.LastError);
        // The event waits (sent when the receiver moves or the setting allows it); nothing reached the receivers' Kestrel.
        Assert.All(views, v => Assert.Equal((0L, 1), (v.Delivered, v.Backlog)));
        Assert.Equal(connections, _receivers.Connections);
        Assert.Equal((0, 0), (_receivers["rebound"].Attempts, _receivers["loopback"].Attempts));
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_fails_the_push_with_its_reason()
    {
        // The service's own push client, with private receivers allowed so that it reaches the test receivers at all.
        var push = TestReceivers.PushClient();
        _receivers["redirecting"].Mode = ReceiverMode.Redirect;
        _receivers["redirecting"].RedirectTo = _receivers.Url("redirected");

        var result = await push.PushAsync(_receivers.Url("redirecting"), "secret", "header.payload.signature", TimeSpan.FromSeconds(10), None);
        Assert.Equal(new PushResult(PushOutcome.Retry, "HTTP 307: a redirect, not followed; subscribe the URL the receiver redirects to"), result);
        Assert.Equal(1, _receivers["redirecting"].Attempts);
        Assert.Equal(0, _receivers["redirected"].Attempts);
    }
}
