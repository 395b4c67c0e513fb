using System.Diagnostics;
using ScimFunctions.IntegrationTests.Reliability;
using ScimFunctions.LocalHost;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.IntegrationTests.Scale;

/// <summary>
/// Three local hosts over one Azurite and one set of tables, as three Functions instances over one storage account.
/// Entra-like traffic spread over them ends in the state one host reaches, conflicts through different instances
/// have exactly one winner and lose no update, and what one instance changes (tokens, settings, the brake's count)
/// holds on the others within the README's bounds. The longer run: <c>SCIM_INSTANCES_RUN_REQUESTS=5000</c>.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ManyInstancesTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>A short token cache, so revocation is observed within the test (the bound is this window).</summary>
    const int TokenCacheSeconds = 2;

    readonly string _prefix = "t" + Guid.NewGuid().ToString("N")[..10];
    ScimHost[] _hosts = [];

    public async Task InitializeAsync() =>
        _hosts = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ScimHost.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Storage:TablePrefix"] = _prefix, ["Tokens:CacheSeconds"] = TokenCacheSeconds.ToString(CultureInfo.InvariantCulture),
        })));

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts) await host.DisposeAsync();
    }

    TenantClient[] On(TenantClient tenant) => [.. _hosts.Select(h => h.ClientFor(tenant))];

    TenantClient Spread(TenantClient tenant) => new(tenant.Access, new SpreadingHandler([.. _hosts.Select(h => h.Origin)], new SocketsHttpHandler()));

    Task<ConsistencyReport> CheckAsync(TenantClient tenant) =>
        new ConsistencyChecker(_hosts[0].Services.GetRequiredService<ScimTables>().Resources).CheckAsync(tenant.Tenant, CancellationToken.None);

    [Fact]
    public async Task An_entra_cycle_spread_over_three_instances_ends_in_the_state_of_a_one_host_run()
    {
        var size = CycleSize.ForRequests(int.TryParse(Environment.GetEnvironmentVariable("SCIM_INSTANCES_RUN_REQUESTS"), CultureInfo.InvariantCulture, out var n) ? n : 250);
        var (reference, tenant) = (await _hosts[0].CycleTenantAsync(), await _hosts[0].CycleTenantAsync());

        var watch = Stopwatch.StartNew();
        var one = new RetryingClient(reference);
        await new EntraCycle(one, size).RunAsync();
        var oneTime = watch.Elapsed;
        watch.Restart();
        var spread = new RetryingClient(Spread(tenant));
        await new EntraCycle(spread, size).RunAsync();
        var spreadTime = watch.Elapsed;

        var expected = await ScimState.ReadAsync(one);
        var actual = await ScimState.ReadAsync(new RetryingClient(tenant));
        var referenceReport = await CheckAsync(reference);
        var report = await CheckAsync(tenant);
        output.WriteLine($"Cycle: {size.Users} users, {size.Groups} groups, parallelism {size.Parallelism}.");
        output.WriteLine($"One host: {one.Requests} requests in {oneTime.TotalSeconds:0.0} s. Three hosts: {spread.Requests} requests in {spreadTime.TotalSeconds:0.0} s, "
            + $"{spread.Unavailable} answered 503.");
        output.WriteLine($"Final state: {actual.Users} users, {actual.Groups} groups; equal to the one-host run: {expected.Text == actual.Text}; "
            + $"consistency findings: {report.Findings.Count} (one-host tenant: {referenceReport.Findings.Count}), {report.RowsScanned} rows checked.");

        Assert.Equal(0, spread.Unavailable);
        Assert.Equal(expected.Text, actual.Text);
        Assert.Empty(referenceReport.Findings);
        Assert.Empty(report.Findings);
    }

    [Fact]
    public async Task Conflicts_through_different_instances_have_one_winner_and_lose_no_update()
    {
        var tenant = await _hosts[0].CreateTenantAsync();
        var clients = On(tenant);

        // The same userName created at once through each instance: one 201, the others 409 uniqueness.
        for (var round = 0; round < 5; round++)
        {
            var userName = $"twin{round}@contoso.test";
            var answers = await Task.WhenAll(clients.Select(c => c.PostAsync("Users", new JsonObject { ["userName"] = userName })));
            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
            foreach (var conflict in answers.Where(a => a.StatusCode != HttpStatusCode.Created)) await conflict.AssertScimErrorAsync(409, "uniqueness");
            Assert.Equal(1, await clients[round % 3].TotalResultsAsync("Users?filter=" + Uri.EscapeDataString($"userName eq \"{userName}\"")));
        }

        // Member PATCHes of one group through the three instances at once, and PATCHes of one user's attributes.
        var users = new List<string>();
        for (var i = 0; i < 30; i++) users.Add((await clients[i % 3].CreateUserAsync($"member{i:D2}@contoso.test")).Id());
        var group = (await clients[0].PostJsonAsync("Groups", new JsonObject { ["displayName"] = "Everyone" })).Id();
        var patches = users.Select((u, i) => clients[i % 3].PatchAsync($"Groups/{group}", Patch(Op("Add", "members", Refs(u)))))
            .Concat(new[] { "title", "displayName", "nickName", "preferredLanguage", "locale", "timezone" }
                .Select((attribute, i) => clients[i % 3].PatchAsync($"Users/{users[0]}", Patch(Op("Replace", attribute, "v-" + attribute)))));
        Assert.All(await Task.WhenAll(patches), r => Assert.True(r.IsSuccessStatusCode, r.StatusCode.ToString()));

        var members = (await clients[1].GetJsonAsync($"Groups/{group}")).GetArray("members").Select(m => m!.GetString("value"));
        Assert.Equal(users.Order(StringComparer.Ordinal), members.Order(StringComparer.Ordinal));
        var first = await clients[2].GetJsonAsync($"Users/{users[0]}");
        foreach (var attribute in new[] { "title", "displayName", "nickName", "preferredLanguage", "locale", "timezone" })
            Assert.Equal("v-" + attribute, first.GetString(attribute));
        Assert.Equal("Everyone", Assert.Single(first.GetArray("groups"))!.GetString("display"));
        Assert.Empty((await CheckAsync(tenant)).Findings);
    }

    [Fact]
    public async Task Tokens_settings_and_the_brake_hold_across_instances_within_the_stated_bounds()
    {
        var tenant = await _hosts[0].CreateTenantAsync();
        var clients = On(tenant);
        foreach (var c in clients) Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("ServiceProviderConfig")).StatusCode);

        // A token issued on one instance is accepted by the others on their next request; the old one is refused
        // by each within the token cache window.
        var issued = await _hosts[1].Services.GetRequiredService<TokenService>().IssueAsync(tenant.Tenant, null, null, CancellationToken.None);
        var renewed = clients.Select(c => new TenantClient(c.Access with { Token = issued.Token })).ToArray();
        foreach (var c in renewed) Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("ServiceProviderConfig")).StatusCode);
        var watch = Stopwatch.StartNew();
        foreach (var c in clients)
        {
            while ((await c.GetAsync("ServiceProviderConfig")).StatusCode != HttpStatusCode.Unauthorized)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(TokenCacheSeconds + 10), "the superseded token still works past the cache window");
                await Task.Delay(100);
            }
        }
        output.WriteLine($"Superseded token refused by all three instances {watch.Elapsed.TotalSeconds:0.0} s after the issue (cache window {TokenCacheSeconds} s).");

        // Bad tokens spread over the three instances: the failed-attempt limit (20 per tenant and address a minute) is
        // the app's, not each instance's, so an attacker gets 20 guesses, not 60.
        var target = await _hosts[0].CreateTenantAsync();
        var guessing = Spread(target);
        guessing.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TokenService.Prefix + "guess");
        var refused = 0;
        HttpResponseMessage answer;
        while ((answer = await guessing.GetAsync("Users?count=1")).StatusCode == HttpStatusCode.Unauthorized) Assert.True(++refused <= 60, "the limit never applied");
        await answer.AssertScimErrorAsync(429);
        output.WriteLine($"Failed attempts answered 401 before the first 429, spread over three instances: {refused} (limit 20).");
        Assert.Equal(_hosts[0].Services.GetRequiredService<TokenOptions>().MaxFailures, refused);
        foreach (var c in On(target)) Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("ServiceProviderConfig")).StatusCode); // the valid token still works

        // A settings change through one instance's storage applies to the next write on every instance (writes read
        // the settings fresh): the brake's threshold, and its count, shared in the tenant's row.
        var settings = _hosts[2].Services.GetRequiredService<TenantStore>();
        await settings.UpdateAsync((await settings.GetAsync(tenant.Tenant, CancellationToken.None))! with { BrakeThreshold = 2 }, CancellationToken.None);
        var users = new List<string>();
        for (var i = 0; i < 4; i++) users.Add((await renewed[0].CreateUserAsync($"leaver{i}@contoso.test")).Id());
        for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.NoContent, (await renewed[i % 3].DeleteAsync($"Users/{users[i]}")).StatusCode);
        for (var i = 0; i < 4; i++) Assert.Equal(i < 2 ? HttpStatusCode.NotFound : HttpStatusCode.OK, (await renewed[(i + 1) % 3].GetAsync($"Users/{users[i]}")).StatusCode);
        var held = await _hosts[1].Services.GetRequiredService<DeprovisionBrake>().ListAsync(tenant.Tenant, CancellationToken.None).ToListAsync();
        Assert.Equal(users.Skip(2).Order(StringComparer.Ordinal), held.Select(h => h.UserId).Order(StringComparer.Ordinal));
    }
}
