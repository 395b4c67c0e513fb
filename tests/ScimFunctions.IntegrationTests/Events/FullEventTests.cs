using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using ScimFunctions.Events;
using ScimFunctions.IntegrationTests.Application;

namespace ScimFunctions.IntegrationTests.Events;

/// <summary>
/// Full events end to end: a receiver subscribed with <c>full</c> and one without, on one tenant, served by the
/// delivery worker from SCIM requests to the local host, on real Kestrel receivers; every SET verified against the
/// published keys. The full receiver gets the same jtis in the same order as the notice one, each carrying the
/// resource's attributes of its version (even once the resource changed or was deleted), and a redelivery carries
/// the same claims.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FullEventTests(AzuriteFixture azurite) : IAsyncLifetime
{
    const string PatchUrn = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    readonly string _prefix = "evf" + Guid.NewGuid().ToString("N")[..8];
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

    /// <summary>No settle window: each request has answered (committed) before a sweep.</summary>
    EventDelivery Worker(TimeSpan timeout) => new(_registry, new SecurityEventSigner(_ring), new SetPushClient(new HttpClient()), _host.Resources(), Issuer,
        new DeliveryOptions { SettleWindow = TimeSpan.Zero, AttemptTimeout = timeout, FirstBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200) },
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

    static JsonObject Patch(params JsonObject[] operations) => new() { ["schemas"] = new JsonArray(PatchUrn), ["Operations"] = new JsonArray(operations) };

    static JsonObject Op(string op, string path, JsonNode? value = null) => new() { ["op"] = op, ["path"] = path, ["value"] = value };

    static async Task Ok(Task<HttpResponseMessage> request)
    {
        var response = await request;
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    async Task<List<JsonObject>> VerifiedAsync(IEnumerable<string> tokens, string tenant, string audience)
    {
        var jwks = await _ring.GetJwksAsync(CancellationToken.None);
        var list = new List<JsonObject>();
        foreach (var token in tokens) list.Add(await SetVerification.VerifyAsync(token, jwks, Issuer(tenant), audience));
        return list;
    }

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

        var notices = await VerifiedAsync(_receivers["notice"].Received, tenant.Tenant, "aud-notice");
        var received = await VerifiedAsync(_receivers["full"].Received, tenant.Tenant, "aud-full");
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
