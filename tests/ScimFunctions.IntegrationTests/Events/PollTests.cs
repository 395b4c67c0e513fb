using System.Text.Json.Nodes;
using Azure.Data.Tables;
using ScimFunctions.Contract;
using ScimFunctions.Events;
using ScimFunctions.IntegrationTests.Application;

namespace ScimFunctions.IntegrationTests.Events;

/// <summary>RFC 8936 polling over a tenant's change feed written by real SCIM requests: each SET comes back in
/// every poll until acknowledged, in order, and long polls return when an event arrives.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PollTests(AzuriteFixture azurite) : IAsyncLifetime
{
    readonly string _prefix = "evp" + Guid.NewGuid().ToString("N")[..8];
    ScimHost _host = null!;
    SetPolling _polling = null!;
    SigningKeyRing _ring = null!;

    public async Task InitializeAsync()
    {
        _host = await ScimHost.StartAsync(azurite, new Dictionary<string, string?> { ["Storage:TablePrefix"] = _prefix });
        _ring = await SetVerification.KeyRingAsync(azurite, _prefix + "keys");
        _polling = new SetPolling(_host.Resources(), new SecurityEventSigner(_ring), Issuer,
            new DeliveryOptions { SettleWindow = TimeSpan.Zero, SweepInterval = TimeSpan.FromMilliseconds(50) }, TimeProvider.System);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    string Issuer(string tenant) => new Uri(_host.Origin, $"/scim/v2/{tenant}").ToString();

    async Task<(List<string> Jtis, bool More)> PollAsync(string tenant, string body, TimeSpan? wait = null)
    {
        var (request, error) = PollRequest.Parse(JsonNode.Parse(body));
        Assert.Null(error);
        var response = await _polling.PollAsync(tenant, request!, wait ?? TimeSpan.Zero, CancellationToken.None);
        var jwks = await _ring.GetJwksAsync(CancellationToken.None);
        var jtis = new List<string>();
        foreach (var (jti, token) in response["sets"]!.AsObject())
        {
            var claims = await SetVerification.VerifyAsync(token!.GetValue<string>(), jwks, Issuer(tenant), SetPolling.Audience(Issuer(tenant)));
            Assert.Equal(jti, claims["jti"]!.GetValue<string>());
            jtis.Add(jti);
        }
        return (jtis, response["moreAvailable"]!.GetValue<bool>());
    }

    static string Body(int max, params string[] ack) =>
        new JsonObject { ["maxEvents"] = max, ["returnImmediately"] = true, ["ack"] = new JsonArray([.. ack.Select(a => (JsonNode)a)]) }.ToJsonString();

    [Fact]
    public async Task Each_SET_is_returned_until_acknowledged_in_feed_order()
    {
        var tenant = await _host.CreateTenantAsync();
        Assert.Empty((await PollAsync(tenant.Tenant, Body(10))).Jtis); // the first poll opens the stream at now
        for (var i = 0; i < 5; i++) await tenant.CreateUserAsync($"user{i}@contoso.test");

        var (first, more) = await PollAsync(tenant.Tenant, Body(3));
        Assert.Equal(3, first.Count);
        Assert.True(more);
        Assert.Equal(first, (await PollAsync(tenant.Tenant, Body(3))).Jtis); // not acknowledged: the same again

        var (next, moreAfter) = await PollAsync(tenant.Tenant, Body(10, first[0], first[2]));
        Assert.False(moreAfter);
        Assert.Equal(3, next.Count); // the unacknowledged second one first, then the two not yet sent
        Assert.Equal(first[1], next[0]);
        Assert.DoesNotContain(first[0], next);

        Assert.Empty((await PollAsync(tenant.Tenant, Body(10, [.. next]))).Jtis);
        Assert.Empty((await PollAsync(tenant.Tenant, Body(10))).Jtis);
    }

    [Fact]
    public async Task Errors_count_as_answered_and_made_up_acknowledgements_are_not_kept()
    {
        var tenant = await _host.CreateTenantAsync();
        await PollAsync(tenant.Tenant, Body(0));
        await tenant.CreateUserAsync("err@contoso.test");
        var jti = Assert.Single((await PollAsync(tenant.Tenant, Body(10))).Jtis);
        var errs = """{"returnImmediately":true,"ack":["not-a-jti"],"setErrs":{"JTI":{"err":"invalid_request","description":"unknown user"}}}""".Replace("JTI", jti, StringComparison.Ordinal);
        Assert.Empty((await PollAsync(tenant.Tenant, errs)).Jtis);

        var row = (await _host.Resources().GetEntityAsync<TableEntity>(tenant.Tenant, RowKeys.EventPoll)).Value;
        Assert.Equal(("[]", 1L, "invalid_request: unknown user"), (row.GetString("Acked"), row.GetInt64("Refused"), row.GetString("LastError")));
    }

    [Fact]
    public async Task A_long_poll_returns_as_soon_as_an_event_arrives()
    {
        var tenant = await _host.CreateTenantAsync();
        await PollAsync(tenant.Tenant, Body(0));
        var poll = PollAsync(tenant.Tenant, """{"maxEvents":10}""", wait: TimeSpan.FromSeconds(60));
        await Task.Delay(200);
        Assert.False(poll.IsCompleted);
        await tenant.CreateUserAsync("late@contoso.test");
        Assert.Single((await poll.WaitAsync(TimeSpan.FromSeconds(30))).Jtis);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{"maxEvents":-1}""")]
    [InlineData("""{"maxEvents":"10"}""")]
    [InlineData("""{"returnImmediately":"yes"}""")]
    [InlineData("""{"ack":[1]}""")]
    [InlineData("""{"setErrs":[]}""")]
    public void Malformed_poll_requests_are_refused_with_a_reason(string body)
    {
        var (request, error) = PollRequest.Parse(JsonNode.Parse(body));
        Assert.Null(request);
        Assert.False(string.IsNullOrEmpty(error));
    }
}
