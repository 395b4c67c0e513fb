using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Http;
using ScimFunctions.LocalHost;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Tables;
using ScimFunctions.IntegrationTests.Reliability;

namespace ScimFunctions.IntegrationTests.Limits;

/// <summary>Every request limit is configurable (Limits:*), answered with its SCIM error, and documented.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LimitsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    const string PatchUrn = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    ScimHost _host = null!;
    TenantClient _client = null!;

    public async Task InitializeAsync()
    {
        // Small limits, set the way an operator sets them.
        _host = await ScimHost.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Limits:MaxBodyBytes"] = "2048",
            ["Limits:MaxFilterLength"] = "100",
            ["Limits:MaxFilterDepth"] = "3",
            ["Limits:MaxJsonDepth"] = "8",
            ["Limits:MaxPageSize"] = "5",
            ["Limits:DefaultPageSize"] = "2",
            ["Limits:MaxPatchOperations"] = "3",
            ["Limits:MaxMembersPerPatch"] = "2",
            ["Limits:RequestTimeoutSeconds"] = "3",
        }, faults: new StorageFaultOptions { Rate = 0 }); // no random faults; a test schedules a storage call that never answers
        _client = await _host.CreateTenantAsync();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Body_larger_than_the_limit_is_413_with_or_without_content_length()
    {
        var big = new JsonObject { ["userName"] = "big@contoso.test", ["displayName"] = new string('x', 2100) };
        await (await _client.PostAsync("Users", big)).AssertScimErrorAsync(413);

        // Chunked: no Content-Length, the limit is enforced while reading.
        var request = new HttpRequestMessage(HttpMethod.Post, _client.Path("Users"))
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big.ToJsonString()))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/scim+json");
        request.Headers.TransferEncodingChunked = true;
        await (await _client.Http.SendAsync(request)).AssertScimErrorAsync(413);

        await _client.CreateUserAsync("small@contoso.test", new JsonObject { ["displayName"] = new string('x', 1500) });
    }

    [Fact]
    public async Task Filter_longer_or_deeper_than_the_limit_is_400_invalid_filter()
    {
        var longFilter = "userName eq \"" + new string('a', 100) + "\"";
        await (await _client.GetAsync("Users?filter=" + Uri.EscapeDataString(longFilter))).AssertScimErrorAsync(400, "invalidFilter");
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("Users?filter=" + Uri.EscapeDataString("userName eq \"" + new string('a', 80) + "\""))).StatusCode);

        var deep = "((((userName eq \"a\"))))";
        var error = await (await _client.GetAsync("Users?filter=" + Uri.EscapeDataString(deep))).AssertScimErrorAsync(400, "invalidFilter");
        Assert.Contains("deeper than 3", error["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("Users?filter=" + Uri.EscapeDataString("(((userName eq \"a\")))"))).StatusCode);
        // The same limits hold for POST .search.
        var search = new JsonObject { ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:SearchRequest"), ["filter"] = deep };
        await (await _client.PostAsync("Users/.search", search)).AssertScimErrorAsync(400, "invalidFilter");
    }

    [Fact]
    public async Task Count_above_the_maximum_is_lowered_to_it()
    {
        for (var i = 0; i < 7; i++) await _client.CreateUserAsync($"page{i}@contoso.test");

        var page = await (await _client.GetAsync("Users?count=50")).ReadJsonAsync();
        Assert.Equal(7, page["totalResults"]!.GetValue<int>());
        Assert.Equal(5, page["itemsPerPage"]!.GetValue<int>());
        Assert.Equal(2, (await (await _client.GetAsync("Users")).ReadJsonAsync())["itemsPerPage"]!.GetValue<int>());
        var config = await (await _client.GetAsync("ServiceProviderConfig")).ReadJsonAsync();
        Assert.Equal(5, config["filter"]!["maxResults"]!.GetValue<int>());
    }

    [Fact]
    public async Task Json_nested_deeper_than_the_limit_is_400_invalid_syntax()
    {
        JsonNode Nested(int depth) => depth == 0 ? 1 : new JsonObject { ["x"] = Nested(depth - 1) };
        var body = new JsonObject { ["userName"] = "deep@contoso.test", ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = Nested(10) };
        await (await _client.PostAsync("Users", body)).AssertScimErrorAsync(400, "invalidSyntax");
        body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = new JsonObject { ["department"] = "Sales" };
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("Users", body)).StatusCode);
    }

    [Fact]
    public async Task Too_many_patch_operations_is_400_invalid_value_and_nothing_is_applied()
    {
        var id = (await _client.CreateUserAsync("ops@contoso.test"))["id"]!.GetValue<string>();
        var four = Patch([.. Enumerable.Range(0, 4).Select(i => Op("replace", "displayName", $"n{i}"))]);
        var error = await (await _client.PatchAsync($"Users/{id}", four)).AssertScimErrorAsync(400, "invalidValue");
        Assert.Contains("at most 3", error["detail"]!.GetValue<string>());
        Assert.Null((await (await _client.GetAsync($"Users/{id}")).ReadJsonAsync())["displayName"]);

        var three = Patch([.. Enumerable.Range(0, 3).Select(i => Op("replace", "displayName", $"n{i}"))]);
        Assert.Equal(HttpStatusCode.OK, (await _client.PatchAsync($"Users/{id}", three)).StatusCode);
    }

    [Fact]
    public async Task Too_many_members_in_one_patch_is_400_invalid_value_and_nothing_is_applied()
    {
        var users = new List<string>();
        for (var i = 0; i < 3; i++) users.Add((await _client.CreateUserAsync($"m{i}@contoso.test"))["id"]!.GetValue<string>());
        var group = (await (await _client.PostAsync("Groups", new JsonObject { ["displayName"] = "Limited" })).ReadJsonAsync())["id"]!.GetValue<string>();

        var error = await (await _client.PatchAsync($"Groups/{group}", Patch(Op("add", "members", Refs(users))))).AssertScimErrorAsync(400, "invalidValue");
        Assert.Contains("at most 2", error["detail"]!.GetValue<string>());
        Assert.Null((await (await _client.GetAsync($"Groups/{group}")).ReadJsonAsync())["members"]);
        // Split over two operations of one request: still one request's worth.
        await (await _client.PatchAsync($"Groups/{group}", Patch(Op("add", "members", Refs(users.Take(2))), Op("add", "members", Refs(users.Skip(2))))))
            .AssertScimErrorAsync(400, "invalidValue");

        Assert.Equal(HttpStatusCode.NoContent, (await _client.PatchAsync($"Groups/{group}", Patch(Op("add", "members", Refs(users.Take(2)))))).StatusCode);
    }

    [Fact]
    public async Task A_request_storage_has_slowed_past_the_deadline_is_503_with_retry_after()
    {
        var id = (await _client.CreateUserAsync("slow@contoso.test"))["id"]!.GetValue<string>();
        _host.Faults.Schedule(StorageFault.Hang);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var response = await _client.GetAsync($"Users/{id}");
        await response.AssertScimErrorAsync(503);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"Users/{id}")).StatusCode);
    }

    [Fact]
    public void Every_limit_is_an_app_setting_and_documented_with_its_default()
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "docs", "security.md"));
        var defaults = new ScimLimits();
        foreach (var property in typeof(ScimLimits).GetProperties())
        {
            var setting = "Limits__" + property.Name;
            Assert.Contains(setting, AppSettings.Optional);
            var value = Convert.ToString(property.GetValue(defaults), CultureInfo.InvariantCulture)!;
            Assert.Matches($@"\| `{setting}` \| `{value}` \|", doc);
        }
    }

    static JsonObject Patch(params JsonObject[] operations) => new() { ["schemas"] = new JsonArray(PatchUrn), ["Operations"] = new JsonArray(operations) };

    static JsonObject Op(string op, string path, JsonNode value) => new() { ["op"] = op, ["path"] = path, ["value"] = value };

    static JsonArray Refs(IEnumerable<string> ids) => new([.. ids.Select(id => (JsonNode)new JsonObject { ["value"] = id })]);
}
