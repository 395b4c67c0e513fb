using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Administration;
using ScimFunctions.Contract;
using ScimFunctions.IntegrationTests.Application;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.IntegrationTests.Admin;

/// <summary>
/// The admin core's health counts (users and groups by state, from the rows' flags only, cached per tenant) and its
/// Events service (subscribe, list with delivery state, unsubscribe, audited with the caller), over the local host's
/// storage. One host for the class; a tenant per test.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AdminCountsAndEventsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    ScimHost _host = null!;
    static readonly AdminCaller Caller = AdminCaller.Application("counts-tests");
    static readonly CancellationToken None = CancellationToken.None;

    AdminCore Admin => _host.Services.GetRequiredService<AdminCore>();

    public async Task InitializeAsync() => _host = await ScimHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    Task ChangeAsync(TenantClient tenant, SettingsChange change) => Admin.Tenants.ChangeSettingsAsync(tenant.Tenant, change, Caller, None);

    static JsonObject Group(string name) => new() { ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:Group"), ["displayName"] = name };

    [Fact]
    public async Task Counts_users_and_groups_by_state_with_one_request_per_kind_and_caches_them_per_tenant()
    {
        var tenant = await _host.CreateTenantAsync();
        await tenant.CreateUserAsync("live@contoso.test");
        var leaving = await tenant.CreateUserAsync("leaving@contoso.test");
        Assert.Equal(201, (int)(await tenant.PostAsync("Groups", Group("Live group"))).StatusCode);
        await ChangeAsync(tenant, new SettingsChange(Deprovision: DeprovisionMode.Disable));
        Assert.Equal(204, (int)(await tenant.DeleteAsync("Users/" + leaving["id"]!.GetValue<string>())).StatusCode);
        await ChangeAsync(tenant, new SettingsChange(Activation: UserActivation.Manual));
        await tenant.CreateUserAsync("waiting@contoso.test");
        await ChangeAsync(tenant, new SettingsChange(Mode: OperationMode.DryRun));
        await tenant.CreateUserAsync("pending@contoso.test");
        Assert.Equal(201, (int)(await tenant.PostAsync("Groups", Group("Pending group"))).StatusCode);

        var scope = StorageRequestCounter.BeginScope();
        var counts = await Admin.Counts.GetAsync(tenant.Tenant, None);
        Assert.Equal((new ResourceCounts(Live: 1, Pending: 1, AwaitingActivation: 1, Deprovisioned: 1), new ResourceCounts(1, 1, 0, 0)), (counts.Users, counts.Groups));
        Assert.Equal(2, scope.Count);

        // Within the cache window: no storage request, the same figures even after a change; forgotten, counted again.
        await tenant.CreateUserAsync("later@contoso.test");
        scope = StorageRequestCounter.BeginScope();
        Assert.Equal(counts, await Admin.Counts.GetAsync(tenant.Tenant, None));
        Assert.Equal(0, scope.Count);
        Admin.Counts.Forget(tenant.Tenant);
        Assert.Equal(2, (await Admin.Counts.GetAsync(tenant.Tenant, None)).Users.Pending);
        Assert.Equal(2, scope.Count);
    }

    [Fact]
    public async Task A_count_reads_a_thousand_rows_per_storage_request()
    {
        var tenant = await _host.CreateTenantAsync();
        // 1,500 user rows written directly (a count reads only keys and flags), 100 per transaction.
        var table = _host.Resources();
        foreach (var chunk in Enumerable.Range(0, 1500).Chunk(100))
            await table.SubmitTransactionAsync(chunk.Select(i => new TableTransactionAction(TableTransactionActionType.Add,
                new TableEntity(tenant.Tenant.Value, RowKeys.User($"{i:D8}-0000-0000-0000-000000000000")) { [RowProperties.Pending] = i % 3 == 0 })));

        var scope = StorageRequestCounter.BeginScope();
        var counts = await Admin.Counts.GetAsync(tenant.Tenant, None);
        Assert.Equal((1000, 500), (counts.Users.Live, counts.Users.Pending));
        // Users: two pages of at most 1,000 rows; groups: one empty page.
        Assert.Equal(3, scope.Count);
    }

    [Fact]
    public async Task Events_subscribe_shows_what_the_receiver_verifies_with_lists_the_delivery_state_and_unsubscribes_audited()
    {
        var tenant = await _host.CreateTenantAsync();
        foreach (var bad in new[] { "http://receiver.example.test/events", "ftp://receiver.example.test/", "/events", "https://user:pw@receiver.example.test/", "" })
            Assert.Equal(AdminErrorKind.InvalidArgument,
                (await Assert.ThrowsAsync<AdminException>(() => Admin.Events.SubscribeAsync(tenant.Tenant, bad, null, false, Caller, None))).Kind);
        Assert.Equal(AdminErrorKind.TenantNotFound, (await Assert.ThrowsAsync<AdminException>(() =>
            Admin.Events.SubscribeAsync(ScimFunctions.Protocol.TenantId.Parse("no-such-tenant-x"), "https://receiver.example.test/", null, false, Caller, None))).Kind);

        var subscribed = await Admin.Events.SubscribeAsync(tenant.Tenant, "https://receiver.example.test/events", "https://app.example.test", false, Caller, None);
        Assert.Equal((tenant.BaseUrl, "https://app.example.test"), (subscribed.Issuer, subscribed.Receiver.Audience));
        Assert.EndsWith("/scim/events/jwks.json", subscribed.JwksUrl, StringComparison.Ordinal);
        Assert.True(subscribed.Bearer.Length >= 40);
        Assert.NotEmpty(subscribed.Jwks["keys"]!.AsArray());
        // Plain http to this machine is accepted (development).
        var local = await Admin.Events.SubscribeAsync(tenant.Tenant, "http://127.0.0.1:9/events", null, full: true, Caller, None);
        Assert.Equal(("http://127.0.0.1:9/events", true), (local.Receiver.Audience, local.Receiver.Full));

        // Nothing is delivered by this host (Events:Deliver is off): the change waits in the backlog.
        await tenant.CreateUserAsync("pushed@contoso.test");
        var listed = (await Admin.Events.ListAsync(tenant.Tenant, None)).Single(r => r.Id == subscribed.Receiver.Id);
        Assert.Equal((1, 0L, 0), (listed.Backlog, listed.Delivered, listed.Attempts));
        Assert.True(listed.OldestUndeliveredAge >= TimeSpan.Zero);
        Assert.Equal(subscribed.Receiver.Cursor, listed.Cursor);

        await Admin.Events.UnsubscribeAsync(tenant.Tenant, subscribed.Receiver.Id, Caller, None);
        Assert.Equal([local.Receiver.Id], (await Admin.Events.ListAsync(tenant.Tenant, None)).Select(r => r.Id));
        Assert.Equal(AdminErrorKind.NotFound, (await Assert.ThrowsAsync<AdminException>(() =>
            Admin.Events.UnsubscribeAsync(tenant.Tenant, subscribed.Receiver.Id, Caller, None))).Kind);

        var audit = await Admin.Audit.QueryAsync(tenant.Tenant, new AuditQuery(), None);
        Assert.Equal(2, audit.Count(e => e.Operation == "SUBSCRIBE Receiver" && e.Client == "app/counts-tests"));
        Assert.Contains(audit, e => e.Operation == "UNSUBSCRIBE Receiver" && e.ResourceId == subscribed.Receiver.Id && e.Client == "app/counts-tests");
    }
}
