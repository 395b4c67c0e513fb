using System.Net.Http.Headers;
using ScimFunctions.Http;
using ScimFunctions.IntegrationTests.Reliability;
using ScimFunctions.LocalHost;

namespace ScimFunctions.IntegrationTests.Limits;

/// <summary>Every request limit is configurable (Limits:*), answered with its SCIM error, and documented.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LimitsTests(AzuriteFixture azurite)
    : TenantTestBase(azurite, Settings, new StorageFaultOptions { Rate = 0 }) // no random faults; a test schedules a storage call that never answers
{

    // Small limits, set the way an operator sets them.
    static readonly Dictionary<string, string?> Settings = new()
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
    };

    [Fact]
    public async Task Body_larger_than_the_limit_is_413_with_or_without_content_length()
    {
        var big = new JsonObject { ["userName"] = "big@contoso.test", ["displayName"] = new string('x', 2100) };
        await Client.PostAsync("Users", big).AssertScimErrorAsync(413);

        // Chunked: no Content-Length, the limit is enforced while reading.
        var request = new HttpRequestMessage(HttpMethod.Post, Client.Path("Users"))
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big.ToJsonString()))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/scim+json");
        request.Headers.TransferEncodingChunked = true;
        await Client.Http.SendAsync(request).AssertScimErrorAsync(413);

        await Client.CreateUserAsync("small@contoso.test", new JsonObject { ["displayName"] = new string('x', 1500) });
    }

    [Fact]
    public async Task Filter_longer_or_deeper_than_the_limit_is_400_invalid_filter()
    {
        var longFilter = "userName eq \"" + new string('a', 100) + "\"";
        await Client.GetAsync("Users?filter=" + Uri.EscapeDataString(longFilter)).AssertScimErrorAsync(400, "invalidFilter");
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("Users?filter=" + Uri.EscapeDataString("userName eq \"" + new string('a', 80) + "\""))).StatusCode);

        var deep = "((((userName eq \"a\"))))";
        var error = await Client.GetAsync("Users?filter=" + Uri.EscapeDataString(deep)).AssertScimErrorAsync(400, "invalidFilter");
        Assert.Contains("deeper than 3", error.GetString("detail"));
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("Users?filter=" + Uri.EscapeDataString("(((userName eq \"a\")))"))).StatusCode);
        // The same limits hold for POST .search.
        var search = new JsonObject { ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:SearchRequest"), ["filter"] = deep };
        await Client.PostAsync("Users/.search", search).AssertScimErrorAsync(400, "invalidFilter");
    }

    [Fact]
    public async Task Count_above_the_maximum_is_lowered_to_it()
    {
        for (var i = 0; i < 7; i++) await Client.CreateUserAsync($"page{i}@contoso.test");

        var page = await Client.GetJsonAsync("Users?count=50");
        Assert.Equal(7, page.GetInt32("totalResults"));
        Assert.Equal(5, page.GetInt32("itemsPerPage"));
        Assert.Equal(2, (await Client.GetJsonAsync("Users")).GetInt32("itemsPerPage"));
        var config = await Client.GetJsonAsync("ServiceProviderConfig");
        Assert.Equal(5, config["filter"]!.GetInt32("maxResults"));
    }

    [Fact]
    public async Task Json_nested_deeper_than_the_limit_is_400_invalid_syntax()
    {
        JsonNode Nested(int depth) => depth == 0 ? 1 : new JsonObject { ["x"] = Nested(depth - 1) };
        var body = new JsonObject { ["userName"] = "deep@contoso.test", ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = Nested(10) };
        await Client.PostAsync("Users", body).AssertScimErrorAsync(400, "invalidSyntax");
        body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = new JsonObject { ["department"] = "Sales" };
        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsync("Users", body)).StatusCode);
    }

    [Fact]
    public async Task Too_many_patch_operations_is_400_invalid_value_and_nothing_is_applied()
    {
        var id = (await Client.CreateUserAsync("ops@contoso.test")).Id();
        var four = Patch([.. Enumerable.Range(0, 4).Select(i => Op("replace", "displayName", $"n{i}"))]);
        var error = await Client.PatchAsync($"Users/{id}", four).AssertScimErrorAsync(400, "invalidValue");
        Assert.Contains("at most 3", error.GetString("detail"));
        Assert.Null((await Client.GetJsonAsync($"Users/{id}"))["displayName"]);

        var three = Patch([.. Enumerable.Range(0, 3).Select(i => Op("replace", "displayName", $"n{i}"))]);
        Assert.Equal(HttpStatusCode.OK, (await Client.PatchAsync($"Users/{id}", three)).StatusCode);
    }

    [Fact]
    public async Task Too_many_members_in_one_patch_is_400_invalid_value_and_nothing_is_applied()
    {
        var users = new List<string>();
        for (var i = 0; i < 3; i++) users.Add((await Client.CreateUserAsync($"m{i}@contoso.test")).Id());
        var group = (await Client.PostJsonAsync("Groups", new JsonObject { ["displayName"] = "Limited" })).Id();

        var error = await Client.PatchAsync($"Groups/{group}", Patch(Op("add", "members", Refs(users)))).AssertScimErrorAsync(400, "invalidValue");
        Assert.Contains("at most 2", error.GetString("detail"));
        Assert.Null((await Client.GetJsonAsync($"Groups/{group}"))["members"]);
        // Split over two operations of one request: still one request's worth.
        await Client.PatchAsync($"Groups/{group}", Patch(Op("add", "members", Refs(users.Take(2))), Op("add", "members", Refs(users.Skip(2)))))
            .AssertScimErrorAsync(400, "invalidValue");

        Assert.Equal(HttpStatusCode.NoContent, (await Client.PatchAsync($"Groups/{group}", Patch(Op("add", "members", Refs(users.Take(2)))))).StatusCode);
    }

    [Fact]
    public async Task A_request_storage_has_slowed_past_the_deadline_is_503_with_retry_after()
    {
        var id = (await Client.CreateUserAsync("slow@contoso.test")).Id();
        Host.Faults.Schedule(StorageFault.Hang);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var response = await Client.GetAsync($"Users/{id}");
        await response.AssertScimErrorAsync(503);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"Users/{id}")).StatusCode);
    }

    /// <summary>A Bulk request shares one deadline: the operation storage slows past it answers 503, the
    /// operations after it do not run, and the response says which ran.</summary>
    [Fact]
    public async Task A_bulk_request_is_bounded_by_the_request_deadline()
    {
        JsonObject Create(string name) => new()
        {
            ["method"] = "POST", ["path"] = "/Users", ["bulkId"] = name, ["data"] = new JsonObject { ["userName"] = $"{name}@contoso.test" },
        };
        Host.Faults.Schedule(StorageFault.Hang, when: StorageFaultInjector.IsTransaction);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var response = await Client.PostAsync("Bulk", new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:BulkRequest"),
            ["Operations"] = new JsonArray(Create("slow-first"), Create("never-run")),
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var operations = (await response.ReadJsonAsync()).GetArray("Operations");
        Assert.Equal("503", Assert.Single(operations)!.GetString("status"));
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(20));
        Assert.Equal(0, await Client.TotalResultsAsync("Users?filter=" + Uri.EscapeDataString("userName eq \"never-run@contoso.test\"")));
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

}
