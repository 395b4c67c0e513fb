using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using ScimFunctions.Events;
using ScimFunctions.IntegrationTests.Application;
using ScimFunctions.IntegrationTests.Reliability;

namespace ScimFunctions.IntegrationTests.Events;

/// <summary>
/// Push delivery end to end: SCIM requests to the local host write the change feed; the delivery worker signs and
/// pushes SETs to real receivers on Kestrel. Checked with Microsoft.IdentityModel's validation against the published
/// keys: the expected SETs in order, at least once through failures (duplicates only with the same jti), a slow
/// receiver not delaying another tenant's, one instance at a time per receiver.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DeliveryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    const string PatchUrn = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    readonly string _prefix = "evd" + Guid.NewGuid().ToString("N")[..8];
    ScimHost _host = null!;
    TestReceivers _receivers = null!;
    SigningKeyRing _ring = null!;
    EventReceivers _registry = null!;

    public async Task InitializeAsync()
    {
        _host = await ScimHost.StartAsync(azurite, new Dictionary<string, string?> { ["Storage:TablePrefix"] = _prefix });
        _receivers = await TestReceivers.StartAsync();
        _ring = await SetVerification.KeyRingAsync(azurite, _prefix + "keys");
        _registry = new EventReceivers(_host.Resources(), TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await _receivers.DisposeAsync();
        await _host.DisposeAsync();
    }

    string Issuer(string tenant) => new Uri(_host.Origin, $"/scim/v2/{tenant}").ToString();

    /// <summary>A worker instance. No settle window: each request has answered (committed) before a sweep.</summary>
    EventDelivery Worker(TimeSpan? timeout = null) => new(_registry, new SecurityEventSigner(_ring), TestReceivers.PushClient(), _host.Resources(), Issuer,
        new DeliveryOptions { SettleWindow = TimeSpan.Zero, AttemptTimeout = timeout ?? TimeSpan.FromSeconds(10), FirstBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200) },
        TimeProvider.System, NullLogger<EventDelivery>.Instance);

    static async Task UntilAsync(Func<Task> pass, Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await pass();
            await Task.Delay(25);
        }
    }

    /// <summary>Each SET verified as a receiver would, then described: event names, subject, attributes.</summary>
    async Task<List<(string Jti, string Txn, string Text)>> VerifiedAsync(IEnumerable<string> tokens, string tenant, string audience, Dictionary<string, string> names)
    {
        var jwks = await _ring.GetJwksAsync(CancellationToken.None);
        var list = new List<(string, string, string)>();
        foreach (var token in tokens)
        {
            var claims = await SetVerification.VerifyAsync(token, jwks, Issuer(tenant), audience);
            var subject = claims["sub_id"]!["id"]!.GetValue<string>();
            var events = claims["events"]!.AsObject();
            var attributes = events.Select(e => e.Value?["attributes"]).OfType<JsonArray>().FirstOrDefault();
            var text = string.Join('+', events.Select(e => e.Key.Replace("urn:ietf:params:scim:event:prov:", "", StringComparison.Ordinal)))
                + " " + names.GetValueOrDefault(subject, subject) + (attributes is null ? "" : " [" + string.Join(',', attributes.Select(a => a!.GetValue<string>())) + "]");
            list.Add((claims["jti"]!.GetValue<string>(), claims["txn"]!.GetValue<string>(), text));
        }
        return list;
    }

    static JsonObject Patch(params JsonObject[] operations) => new() { ["schemas"] = new JsonArray(PatchUrn), ["Operations"] = new JsonArray(operations) };

    static JsonObject Op(string op, string path, JsonNode? value = null) => new() { ["op"] = op, ["path"] = path, ["value"] = value };

    static async Task Ok(Task<HttpResponseMessage> request)
    {
        var response = await request;
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>What Entra does to one user and one group over a few cycles; returns the names by id.</summary>
    static async Task<Dictionary<string, string>> EntraSequenceAsync(TenantClient tenant)
    {
        var alice = (await tenant.CreateUserAsync("alice@contoso.test"))["id"]!.GetValue<string>();
        var bob = (await tenant.CreateUserAsync("bob@contoso.test"))["id"]!.GetValue<string>();
        var group = (await (await tenant.PostAsync("Groups", new JsonObject { ["displayName"] = "Sales" })).ReadJsonAsync())["id"]!.GetValue<string>();
        JsonArray Refs(params string[] ids) => new([.. ids.Select(id => (JsonNode)new JsonObject { ["value"] = id })]);
        await Ok(tenant.PatchAsync($"Groups/{group}", Patch(Op("Add", "members", Refs(alice, bob)))));
        await Ok(tenant.PatchAsync($"Groups/{group}", Patch(Op("Add", "members", Refs(alice)))));          // already a member: nothing
        await Ok(tenant.PatchAsync($"Users/{alice}", Patch(Op("replace", "title", "Engineer"), Op("replace", "name.givenName", "Alice"))));
        await Ok(tenant.PatchAsync($"Users/{alice}", Patch(Op("Replace", "active", "False"))));
        await Ok(tenant.PatchAsync($"Users/{alice}", Patch(Op("Replace", "active", "True"))));
        await Ok(tenant.PatchAsync($"Groups/{group}", Patch(Op("Replace", "displayName", "Sales EMEA"))));
        await Ok(tenant.PatchAsync($"Groups/{group}", Patch(Op("Remove", $"members[value eq \"{bob}\"]"))));
        await Ok(tenant.DeleteAsync($"Users/{alice}"));
        await Ok(tenant.DeleteAsync($"Groups/{group}"));
        return new() { [alice] = "alice", [bob] = "bob", [group] = "sales" };
    }

    static readonly string[] Expected =
    [
        "create:notice alice [id,userName]",
        "create:notice bob [id,userName]",
        "create:notice sales [id,displayName]",
        "patch:notice sales [members]",
        "patch:notice alice [name.givenName,title]",
        "patch:notice+deactivate alice [active]",
        "patch:notice+activate alice [active]",
        "patch:notice sales [displayName]",
        "patch:notice sales [members]",
        "patch:notice sales [members]",
        "delete alice",
        "delete sales",
    ];

    [Fact]
    public async Task An_Entra_like_sequence_is_pushed_as_exactly_the_expected_SETs_in_order()
    {
        var tenant = await _host.CreateTenantAsync();
        var receiver = await _registry.SubscribeAsync(tenant.Tenant, _receivers.Url("app"), "https://app.example.test", CancellationToken.None);
        var names = await EntraSequenceAsync(tenant);
        var worker = Worker();
        await UntilAsync(() => worker.SweepAsync(CancellationToken.None), () => _receivers["app"].Received.Count >= Expected.Length, "the SETs");

        var sets = await VerifiedAsync(_receivers["app"].Received, tenant.Tenant, "https://app.example.test", names);
        Assert.Equal(Expected, sets.Select(s => s.Text));
        Assert.Equal(sets.Count, sets.Select(s => s.Jti).Distinct().Count());
        // Deleting alice removed her from the group in the same request: one txn links the two SETs.
        Assert.Equal(sets[9].Txn, sets[10].Txn);
        Assert.NotEqual(sets[8].Txn, sets[9].Txn);
        Assert.All(_receivers["app"].Authorization, a => Assert.Equal("Bearer " + receiver.Secret, a));

        var status = await _registry.StatusAsync((await _registry.GetAsync(tenant.Tenant, receiver.Id, CancellationToken.None))!, CancellationToken.None);
        Assert.Equal((0, (DateTimeOffset?)null, (string?)null, 0), (status.Backlog, status.OldestUndelivered, status.Receiver.LastError, status.Receiver.Attempts));
        Assert.Null(status.Receiver.LeaseOwner);
    }

    [Fact]
    public async Task A_failing_receiver_gets_everything_after_recovery_none_lost_duplicates_only_with_the_same_jti()
    {
        var tenant = await _host.CreateTenantAsync();
        await _registry.SubscribeAsync(tenant.Tenant, _receivers.Url("healthy"), "aud", CancellationToken.None);
        var flaky = await _registry.SubscribeAsync(tenant.Tenant, _receivers.Url("flaky"), "aud", CancellationToken.None);
        var names = await EntraSequenceAsync(tenant);
        var worker = Worker(timeout: TimeSpan.FromMilliseconds(500));
        var r = _receivers["flaky"];

        async Task FailFor(ReceiverMode mode, string error)
        {
            r.Mode = mode;
            var before = r.Attempts;
            await UntilAsync(() => worker.SweepAsync(CancellationToken.None), () => r.Attempts >= before + 3, mode.ToString());
            var status = await _registry.StatusAsync((await _registry.GetAsync(tenant.Tenant, flaky.Id, CancellationToken.None))!, CancellationToken.None);
            Assert.Contains(error, status.Receiver.LastError, StringComparison.Ordinal);
            Assert.True(status.Backlog > 0 && status.OldestUndelivered is not null && status.Receiver.Attempts > 0, $"{status}");
            Assert.Null(status.Receiver.LeaseOwner); // given back: the retry may run on any instance
        }

        await FailFor(ReceiverMode.Fail500, "HTTP 500");
        await FailFor(ReceiverMode.AcknowledgeTooLate, "no acknowledgement within 0.5 s");
        await FailFor(ReceiverMode.Drop, "");
        // The healthy receiver of the same tenant was never held up.
        await UntilAsync(() => worker.SweepAsync(CancellationToken.None), () => _receivers["healthy"].Received.Count >= Expected.Length, "the healthy receiver");

        r.Mode = ReceiverMode.Acknowledge;
        var expected = await VerifiedAsync(_receivers["healthy"].Received, tenant.Tenant, "aud", names);
        await UntilAsync(() => worker.SweepAsync(CancellationToken.None),
            () => r.Received.Select(t => new JsonWebToken(t).Id).Distinct().Count() >= expected.Count, "the flaky receiver to catch up");

        var received = await VerifiedAsync(r.Received, tenant.Tenant, "aud", names);
        Assert.True(received.Count > expected.Count, "some SETs were handled twice");
        // Every SET arrived, in order of first arrival, and each duplicate is an exact repeat under the same jti.
        Assert.Equal(expected, received.DistinctBy(s => s.Jti));
        Assert.All(received, s => Assert.Contains(s, expected));
        var status = await _registry.StatusAsync((await _registry.GetAsync(tenant.Tenant, flaky.Id, CancellationToken.None))!, CancellationToken.None);
        Assert.Equal((0, 0L), (status.Backlog, status.Receiver.Refused));
    }

    [Fact]
    public async Task Storage_faults_in_delivery_with_a_failing_receiver_lose_nothing_and_repeat_only_the_same_jti()
    {
        var tenant = await _host.CreateTenantAsync();
        await _registry.SubscribeAsync(tenant.Tenant, _receivers.Url("stormy"), "aud", CancellationToken.None);
        var names = await EntraSequenceAsync(tenant);

        // Only the delivery's storage calls fail (feed reads, receiver rows: lease, cursor, state): 503s, timeouts and
        // responses lost after the write applied, on a fifth of the attempts, retried by the SDK and by the next sweep.
        var faults = new StorageFaultInjector(new StorageFaultOptions { Rate = 0.2, Seed = 18 });
        var options = new TableClientOptions();
        options.AddPolicy(faults, HttpPipelinePosition.PerRetry);
        var table = new TableClient(azurite.ConnectionString, _host.Resources().Name, options);
        var worker = new EventDelivery(new EventReceivers(table, TimeProvider.System), new SecurityEventSigner(_ring), TestReceivers.PushClient(), table,
            Issuer, new DeliveryOptions { SettleWindow = TimeSpan.Zero, AttemptTimeout = TimeSpan.FromMilliseconds(500), FirstBackoff = TimeSpan.FromMilliseconds(20),
                MaxBackoff = TimeSpan.FromMilliseconds(200) }, TimeProvider.System, NullLogger<EventDelivery>.Instance);
        async Task Sweep()
        {
            try
            {
                await worker.SweepAsync(CancellationToken.None);
            }
            catch (Exception e) when (ScimFunctions.Http.ScimPipeline.IsTransient(e))
            {
                // A sweep that storage failed past the SDK's retries: the next one (the timer's next run) goes on from storage.
            }
        }

        var r = _receivers["stormy"];
        r.Mode = ReceiverMode.Fail500;
        await UntilAsync(Sweep, () => r.Attempts >= 3, "the failing receiver");
        r.Mode = ReceiverMode.Acknowledge;
        await UntilAsync(Sweep, () => r.Received.Select(t => new JsonWebToken(t).Id).Distinct().Count() >= Expected.Length, "every SET after recovery");
        for (var i = 0; i < 5; i++) await Sweep(); // nothing more is due: no SET beyond the expected ones turns up

        Assert.True(faults.InjectedTotal > 10, $"only {faults.InjectedTotal} faults were injected");
        var received = await VerifiedAsync(r.Received, tenant.Tenant, "aud", names);
        // Every event, in order of first arrival; any repeat is the same SET under the same jti.
        Assert.Equal(Expected, received.DistinctBy(s => s.Jti).Select(s => s.Text));
        Assert.All(received, s => Assert.Equal(received.First(f => f.Jti == s.Jti), s));
        var state = (await _registry.ListAsync(tenant.Tenant, CancellationToken.None)).Single();
        Assert.Equal(0, (await _registry.StatusAsync(state, CancellationToken.None)).Backlog);
    }

    [Fact]
    public async Task A_slow_receiver_does_not_delay_another_tenants()
    {
        var slowTenant = await _host.CreateTenantAsync();
        var fastTenant = await _host.CreateTenantAsync();
        await _registry.SubscribeAsync(slowTenant.Tenant, _receivers.Url("slow"), "aud", CancellationToken.None);
        await _registry.SubscribeAsync(fastTenant.Tenant, _receivers.Url("fast"), "aud", CancellationToken.None);
        _receivers["slow"].Mode = ReceiverMode.Gate;
        await slowTenant.CreateUserAsync("waiting@contoso.test");
        await fastTenant.CreateUserAsync("quick@contoso.test");

        var sweep = Worker(timeout: TimeSpan.FromMinutes(5)).SweepAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (_receivers["fast"].Received.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(25);

        Assert.Single(_receivers["fast"].Received);
        Assert.False(sweep.IsCompleted, "the slow receiver is still being served");
        Assert.Empty(_receivers["slow"].Received);
        _receivers["slow"].Gate.SetResult();
        await sweep;
        Assert.Single(_receivers["slow"].Received);
    }

    [Fact]
    public async Task Several_instances_serve_a_receiver_one_at_a_time_and_in_order()
    {
        var tenant = await _host.CreateTenantAsync();
        await _registry.SubscribeAsync(tenant.Tenant, _receivers.Url("shared"), "aud", CancellationToken.None);
        var names = await EntraSequenceAsync(tenant);
        var instances = new[] { Worker(), Worker(), Worker() };
        await UntilAsync(() => Task.WhenAll(instances.Select(w => w.SweepAsync(CancellationToken.None))),
            () => _receivers["shared"].Received.Count >= Expected.Length, "the SETs");

        Assert.False(_receivers["shared"].Overlapped, "two instances pushed to the receiver at once");
        Assert.Equal(Expected, (await VerifiedAsync(_receivers["shared"].Received, tenant.Tenant, "aud", names)).Select(s => s.Text));
    }

    [Fact]
    public async Task Unsubscribing_stops_delivery_and_removes_the_receiver()
    {
        var tenant = await _host.CreateTenantAsync();
        var receiver = await _registry.SubscribeAsync(tenant.Tenant, _receivers.Url("gone"), null, CancellationToken.None);
        Assert.Equal(_receivers.Url("gone").ToString(), receiver.Audience);
        Assert.Equal([receiver.Id], (await _registry.ListAsync(tenant.Tenant, CancellationToken.None)).Select(r => r.Id));
        Assert.True(await _registry.UnsubscribeAsync(tenant.Tenant, receiver.Id, CancellationToken.None));
        await tenant.CreateUserAsync("late@contoso.test");
        await Worker().SweepAsync(CancellationToken.None);
        Assert.Empty(_receivers["gone"].Received);
        Assert.Empty(await _registry.ListAsync(tenant.Tenant, CancellationToken.None));
        Assert.DoesNotContain((await _registry.ListAllAsync(CancellationToken.None)), r => r.Tenant == tenant.Tenant);
    }

    /// <summary>Full events: a receiver subscribed with <c>full</c> and one without, on one tenant. The full receiver
    /// gets the same jtis in the same order as the notice one, each carrying the resource's attributes of its version
    /// (even once the resource changed or was deleted), and a redelivery carries the same claims.</summary>
    [Fact]
    public async Task A_full_receiver_gets_each_versions_attributes_under_the_notice_jtis_and_the_same_claims_again_on_redelivery()
    {
        var tenant = await _host.CreateTenantAsync();
        var full = await _registry.SubscribeAsync(tenant.Tenant, _receivers.Url("full"), "aud-full", full: true, CancellationToken.None);
        Assert.True((await _registry.GetAsync(tenant.Tenant, full.Id, CancellationToken.None))!.Full);
        await _registry.SubscribeAsync(tenant.Tenant, _receivers.Url("notice"), "aud-notice", CancellationToken.None);

        var alice = (await tenant.CreateUserAsync("alice@contoso.test"))["id"]!.GetValue<string>();
        var group = (await (await tenant.PostAsync("Groups", new JsonObject { ["displayName"] = "Sales" })).ReadJsonAsync())["id"]!.GetValue<string>();
        await Ok(tenant.PatchAsync($"Users/{alice}", Patch(Op("replace", "title", "Engineer"), Op("replace", "active", false))));
        await Ok(tenant.PatchAsync($"Groups/{group}", Patch(Op("add", "members", new JsonArray(new JsonObject { ["value"] = alice })))));
        await Ok(tenant.PutAsync($"Users/{alice}", new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"), ["userName"] = "alice@contoso.test", ["title"] = "Lead", ["active"] = false,
        }));
        await Ok(tenant.DeleteAsync($"Users/{alice}")); // the events above still carry her attributes of their versions
        const int count = 7; // create alice, create sales, patch alice, members, put alice, member removed, delete alice

        // The full receiver first handles SETs but answers too late: the worker sends them again.
        _receivers["full"].Mode = ReceiverMode.AcknowledgeTooLate;
        var impatient = Worker(TimeSpan.FromMilliseconds(300));
        await UntilAsync(() => impatient.DeliverAsync(tenant.Tenant, full.Id, CancellationToken.None), () => _receivers["full"].Received.Count >= 2, "a redelivery");
        _receivers["full"].Mode = ReceiverMode.Acknowledge;
        var worker = Worker(TimeSpan.FromSeconds(10));
        var distinctFull = () => _receivers["full"].Received.Select(t => new JsonWebToken(t).Id).Distinct().Count();
        await UntilAsync(() => worker.SweepAsync(CancellationToken.None),
            () => _receivers["notice"].Received.Count >= count && distinctFull() >= count, "the SETs");

        var jwks = await _ring.GetJwksAsync(CancellationToken.None);
        async Task<List<JsonObject>> Verified(IEnumerable<string> tokens, string audience)
        {
            var list = new List<JsonObject>();
            foreach (var token in tokens) list.Add(await SetVerification.VerifyAsync(token, jwks, Issuer(tenant.Tenant), audience));
            return list;
        }
        var notices = await Verified(_receivers["notice"].Received, "aud-notice");
        var received = await Verified(_receivers["full"].Received, "aud-full");
        // Duplicates carry the same claims under the same jti; the distinct SETs come in the notices' order.
        foreach (var same in received.GroupBy(c => c["jti"]!.GetValue<string>()))
            Assert.All(same, c => Assert.True(JsonNode.DeepEquals(same.First(), c), $"redelivered {same.Key} differs"));
        var sets = received.DistinctBy(c => c["jti"]!.GetValue<string>()).ToList();
        Assert.True(received.Count > sets.Count, "the first SET was delivered twice");
        Assert.Equal(notices.Select(c => c["jti"]!.GetValue<string>()), sets.Select(c => c["jti"]!.GetValue<string>()));
        Assert.Equal(count, sets.Count);

        JsonObject Event(int i, string uri) => sets[i]["events"]![uri]!.AsObject();
        var created = Event(0, ScimEventUris.CreateFull);
        Assert.Equal(alice, created["data"]!["id"]!.GetValue<string>());
        Assert.Equal("alice@contoso.test", created["data"]!["userName"]!.GetValue<string>());
        Assert.Null(created["data"]!["title"]); // version 1 had no title, though later versions do
        Assert.Equal("1", created["version"]!.GetValue<string>());
        Assert.Equal("Sales", Event(1, ScimEventUris.CreateFull)["data"]!["displayName"]!.GetValue<string>());

        var patched = Event(2, ScimEventUris.PatchFull);
        Assert.Equal("2", patched["version"]!.GetValue<string>());
        Assert.Equal(PatchUrn, patched["data"]!["schemas"]![0]!.GetValue<string>());
        var operations = patched["data"]!["Operations"]!.AsArray().ToDictionary(o => o!["path"]!.GetValue<string>(), o => o!);
        Assert.Equal("Engineer", operations["title"]["value"]!.GetValue<string>());
        Assert.False(operations["active"]["value"]!.GetValue<bool>());
        Assert.NotNull(sets[2]["events"]![ScimEventUris.Deactivate]);

        var members = Event(3, ScimEventUris.PatchFull)["data"]!["Operations"]![0]!;
        Assert.Equal("add", members["op"]!.GetValue<string>());
        Assert.Equal(alice, members["value"]![0]!["value"]!.GetValue<string>());

        var put = Event(4, ScimEventUris.PutFull);
        Assert.Equal("Lead", put["data"]!["title"]!.GetValue<string>());
        Assert.Equal("3", put["version"]!.GetValue<string>());

        Assert.Equal($"members[value eq \"{alice}\"]", Event(5, ScimEventUris.PatchFull)["data"]!["Operations"]![0]!["path"]!.GetValue<string>());
        Assert.Empty(Event(6, ScimEventUris.Delete));
        // The notice receiver kept notices.
        Assert.NotNull(notices[0]["events"]![ScimEventUris.CreateNotice]);
    }
}
