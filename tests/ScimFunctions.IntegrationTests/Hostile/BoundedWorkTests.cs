using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.IntegrationTests.Application;
using ScimFunctions.IntegrationTests.Reliability;
using ScimFunctions.IntegrationTests.Secrets;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;
using Xunit.Abstractions;

namespace ScimFunctions.IntegrationTests.Hostile;

/// <summary>
/// Issue #21's findings, each reproduced against the local host (real Kestrel, real Azurite) and now
/// answered as docs/security.md says: bounded work per request, nothing unbounded before authentication,
/// limits on values and member lists, logs that cannot be forged, no lockout by a neighbour.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BoundedWorkTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    readonly CapturingLoggerProvider _logs = new();
    ScimHost _host = null!;
    TenantClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await ScimHost.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Edge:PublicBaseUrl"] = "https://scim.contoso.test/",
        }, _logs, new StorageFaultOptions { Rate = 0 }); // no random faults; a test schedules its own
        _client = await _host.CreateTenantAsync();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_84_second_patch_is_refused_as_too_much_work()
    {
        var emails = new JsonArray([.. Enumerable.Range(0, 8000).Select(i => (JsonNode)new JsonObject { ["value"] = $"e{i}@contoso.test", ["type"] = "work" })]);
        var id = (await _client.CreateUserAsync("many-emails@contoso.test", new JsonObject { ["emails"] = emails }))["id"]!.GetValue<string>();
        // Built as text: quotes escaped as \" (System.Text.Json would write \u0022), a 0.9 MB body as reported.
        var chain = string.Join(" or ", Enumerable.Range(0, 200).Select(i => $"value co \\\"q{i:D3}\\\""));
        var patch = "{\"Operations\":[" + string.Join(',', Enumerable.Repeat($"{{\"op\":\"remove\",\"path\":\"emails[{chain}]\"}}", 215)) + "]}";
        Assert.InRange(Encoding.UTF8.GetByteCount(patch), 900_000, 1_000_000);
        using var request = new HttpRequestMessage(HttpMethod.Patch, _client.Path($"Users/{id}")) { Content = new StringContent(patch, Encoding.UTF8, "application/scim+json") };
        var started = Stopwatch.GetTimestamp();
        var body = await (await _client.Http.SendAsync(request)).AssertScimErrorAsync(400, ScimType.TooMany);
        output.WriteLine($"215-operation PATCH: {body["detail"]} after {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s wall");
        // Nothing was applied.
        Assert.Equal(8000, (await (await _client.GetAsync($"Users/{id}")).ReadJsonAsync())["emails"]!.AsArray().Count);
    }

    [Fact]
    public async Task Huge_attribute_lists_are_deduplicated_or_refused()
    {
        await _client.CreateUserAsync("listed@contoso.test");
        var distinct = new JsonObject { ["excludedAttributes"] = new JsonArray([.. Enumerable.Range(0, 100_000).Select(i => (JsonNode)$"x{i}")]) };
        await (await _client.PostAsync("Users/.search", distinct)).AssertScimErrorAsync(400, ScimType.InvalidValue);
        var repeated = new JsonObject { ["excludedAttributes"] = new JsonArray([.. Enumerable.Range(0, 100_000).Select(_ => (JsonNode)"emails")]) };
        var response = await _client.PostAsync("Users/.search", repeated);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Over_long_names_are_400_naming_the_attribute_not_503()
    {
        var name = new string('n', 32_700);
        var user = await (await _client.PostAsync("Users", new JsonObject { ["userName"] = name })).AssertScimErrorAsync(400, ScimType.InvalidValue);
        Assert.Contains("'userName'", user["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains($"{ResourceNormalizer.MaxIdentifierLength}", user["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var group = await (await _client.PostAsync("Groups", new JsonObject { ["displayName"] = name })).AssertScimErrorAsync(400, ScimType.InvalidValue);
        Assert.Contains("'displayName'", group["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Group_creation_and_replacement_respect_the_member_limit()
    {
        var members = new JsonArray([.. Enumerable.Range(0, 1001).Select(_ => (JsonNode)new JsonObject { ["value"] = Guid.NewGuid().ToString() })]);
        await (await _client.PostAsync("Groups", new JsonObject { ["displayName"] = "too-many", ["members"] = members })).AssertScimErrorAsync(400, ScimType.InvalidValue);
        // Nothing was created: the name is free.
        var created = await _client.PostAsync("Groups", new JsonObject { ["displayName"] = "too-many" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadJsonAsync())["id"]!.GetValue<string>();
        await (await _client.PutAsync($"Groups/{id}", new JsonObject { ["displayName"] = "too-many", ["members"] = members.DeepClone() })).AssertScimErrorAsync(400, ScimType.InvalidValue);
    }

    [Fact]
    public async Task A_group_created_with_members_exists_whole_or_not_at_all_after_a_storage_fault()
    {
        var users = new List<string>();
        for (var i = 0; i < 40; i++) users.Add((await _client.CreateUserAsync($"m{i}@contoso.test"))["id"]!.GetValue<string>());
        var body = new JsonObject { ["displayName"] = "whole", ["members"] = new JsonArray([.. users.Select(u => (JsonNode)new JsonObject { ["value"] = u })]) };
        // The group row's transaction passes; the second member transaction fails on all 4 of the SDK's attempts.
        var transactions = 0;
        _host.Faults.Schedule(StorageFault.Error503, times: 4,
            when: r => StorageFaultInjector.IsTransaction(r) && Interlocked.Increment(ref transactions) >= 3);
        var failed = await _client.PostAsync("Groups", body);
        await failed.AssertScimErrorAsync(503);
        var list = await (await _client.GetAsync("Groups?filter=" + Uri.EscapeDataString("displayName eq \"whole\""))).ReadJsonAsync();
        Assert.Equal(0, list["totalResults"]!.GetValue<int>());

        // The client's retry creates it whole.
        var created = await _client.PostAsync("Groups", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadJsonAsync())["id"]!.GetValue<string>();
        Assert.Equal(40, (await (await _client.GetAsync($"Groups/{id}")).ReadJsonAsync())["members"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_deleted_user_in_a_disabling_tenant_is_not_added_to_a_group()
    {
        var tenant = await _host.TenantWithAsync(DeprovisionMode.Disable, OperationMode.Sync);
        var user = (await tenant.CreateUserAsync("leaver@contoso.test"))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.DeleteAsync($"Users/{user}")).StatusCode);
        var group = (await (await tenant.PostAsync("Groups", new JsonObject { ["displayName"] = "g" })).ReadJsonAsync())["id"]!.GetValue<string>();
        var add = new JsonObject { ["Operations"] = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "members", ["value"] = new JsonArray(new JsonObject { ["value"] = user }) }) };
        var response = await tenant.PatchAsync($"Groups/{group}", add);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(user, response.Headers.GetValues("X-Scim-Unapplied-Members").Single());
        var members = (await (await tenant.GetAsync($"Groups/{group}")).ReadJsonAsync())["members"] as JsonArray;
        Assert.True(members is null || members.Count == 0);
    }

    [Fact]
    public async Task Random_tenant_names_leave_nothing_in_memory_and_are_throttled_per_address()
    {
        // A host of its own: the flood throttles the loopback address for a minute.
        await using var host = await ScimHost.StartAsync(azurite);
        var client = await host.CreateTenantAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Users")).StatusCode);
        var tokens = host.Services.GetRequiredService<TokenService>();
        var before = tokens.CachedTenantCount;
        using var http = new HttpClient { BaseAddress = host.Origin };
        var statuses = new Dictionary<HttpStatusCode, int>();
        for (var i = 0; i < 150; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/scim/v2/r{Guid.NewGuid():N}/Users");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TokenService.Prefix + "wrong");
            var status = (await http.SendAsync(request)).StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
        }
        output.WriteLine(string.Join(", ", statuses.Select(s => $"{(int)s.Key}: {s.Value}")));
        Assert.Equal(new TokenOptions().MaxFailuresPerAddress, statuses[HttpStatusCode.Unauthorized]);
        Assert.Equal(150 - new TokenOptions().MaxFailuresPerAddress, statuses[HttpStatusCode.TooManyRequests]);
        Assert.Equal(before, tokens.CachedTenantCount);
        // The same address's valid token keeps working: the limiter never refuses it.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Users")).StatusCode);
    }

    [Fact]
    public async Task An_invalid_tenant_segment_cannot_forge_a_log_line()
    {
        using var http = new HttpClient { BaseAddress = _host.Origin };
        var forged = Uri.EscapeDataString("x\nSCIM DELETE User tenant victim status 204");
        await http.GetAsync($"/scim/v2/{forged}/Users");
        var lines = _logs.Entries.Where(e => e.Text.StartsWith("SCIM ", StringComparison.Ordinal)).ToList();
        Assert.Contains(lines, l => l.Text.Contains("tenant (invalid)", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Text.Contains('\n', StringComparison.Ordinal) || l.Text.Contains("victim", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UserNames_are_unique_as_sent_not_under_unicode_normalization()
    {
        // Documented choice (docs/security.md): the service runs with invariant globalization, where
        // string.Normalize is not available, so uniqueness compares userNames as sent (ignoring case).
        // Entra's userPrincipalName is ASCII; two spellings of "café" are two names, each stored as sent.
        var composed = await _client.CreateUserAsync("caf\u00e9@contoso.test");
        var decomposed = await _client.CreateUserAsync("cafe\u0301@contoso.test");
        Assert.NotEqual(composed["id"]!.GetValue<string>(), decomposed["id"]!.GetValue<string>());
        Assert.Equal("cafe\u0301@contoso.test", decomposed["userName"]!.GetValue<string>());
        await (await _client.PostAsync("Users", new JsonObject { ["userName"] = "CAF\u00c9@contoso.test" })).AssertScimErrorAsync(409, ScimType.Uniqueness);
    }

    [Fact]
    public async Task Manager_must_be_an_id_and_location_comes_from_configuration()
    {
        var body = new JsonObject { ["userName"] = "managed@contoso.test", [Enterprise] = new JsonObject { ["manager"] = "../../other/Users/x" } };
        await (await _client.PostAsync("Users", body)).AssertScimErrorAsync(400, ScimType.InvalidValue);

        using var request = new HttpRequestMessage(HttpMethod.Post, _client.Path("Users"))
        {
            Content = new StringContent("""{"userName":"located@contoso.test"}""", Encoding.UTF8, "application/scim+json"),
        };
        request.Headers.Host = "evil.test";
        var response = await _client.Http.SendAsync(request);
        var created = await response.ReadJsonAsync();
        Assert.StartsWith($"https://scim.contoso.test/scim/v2/{_client.Tenant}/Users/", created["meta"]!["location"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("https://scim.contoso.test/", response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_unapplied_members_header_stays_small()
    {
        var group = (await (await _client.PostAsync("Groups", new JsonObject { ["displayName"] = "unapplied" })).ReadJsonAsync())["id"]!.GetValue<string>();
        var ids = new JsonArray([.. Enumerable.Range(0, 150).Select(i => (JsonNode)new JsonObject { ["value"] = $"{i}-" + new string('z', 5000) })]);
        var response = await _client.PatchAsync($"Groups/{group}", new JsonObject { ["Operations"] = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "members", ["value"] = ids }) });
        var header = response.Headers.GetValues("X-Scim-Unapplied-Members").Single();
        Assert.Equal(100, header.Split(',').Length);
        Assert.True(header.Length <= 100 * 65, $"{header.Length} characters");
    }
}
