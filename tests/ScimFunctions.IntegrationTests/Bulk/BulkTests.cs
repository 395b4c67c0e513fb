using ScimFunctions.IntegrationTests.Application;
using ScimFunctions.Storage.Audit;

namespace ScimFunctions.IntegrationTests.Bulk;

/// <summary>/Bulk (RFC 7644 §3.7): operations run as the single requests they stand for (same validation, audit
/// entry, change-feed event and storage cost), bulkId references, failOnErrors, and the advertised limits enforced.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BulkTests(AzuriteFixture azurite)
    : HostTestBase(azurite, new Dictionary<string, string?> { ["Limits:MaxBulkOperations"] = "5", ["Limits:MaxBodyBytes"] = "8192" })
{
    static JsonObject BulkRequest(JsonArray operations, int? failOnErrors = null)
    {
        var body = new JsonObject { ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:BulkRequest"), ["Operations"] = operations };
        if (failOnErrors is not null) body["failOnErrors"] = failOnErrors;
        return body;
    }

    static JsonObject Op(string method, string path, string? bulkId = null, JsonObject? data = null, string? version = null)
    {
        var op = new JsonObject { ["method"] = method, ["path"] = path };
        if (bulkId is not null) op["bulkId"] = bulkId;
        if (data is not null) op["data"] = data;
        if (version is not null) op["version"] = version;
        return op;
    }

    static JsonObject User(string userName) => new() { ["schemas"] = new JsonArray(ScimUrns.User), ["userName"] = userName };

    static IEnumerable<string> Statuses(JsonObject response) => response.GetArray("Operations").Select(o => o!.GetString("status"));

    [Fact]
    public async Task Creates_users_and_a_group_holding_them_by_bulkId_each_audited_and_in_the_feed()
    {
        var tenant = await Host.CreateTenantAsync();
        var response = await tenant.PostAsync("Bulk", BulkRequest(
        [
            Op("POST", "/Users", "alice", User("alice@example.com")),
            Op("POST", "/Users", "bob", User("bob@example.com")),
            Op("POST", "/Groups", "sales", new JsonObject
            {
                ["schemas"] = new JsonArray(ScimUrns.Group), ["displayName"] = "Sales",
                ["members"] = new JsonArray(new JsonObject { ["value"] = "bulkId:alice" }, new JsonObject { ["value"] = "bulkId:bob" }),
            }),
            Op("PATCH", "/Users/bulkId:bob", data: new JsonObject
            {
                ["schemas"] = new JsonArray(ScimUrns.PatchOp),
                ["Operations"] = new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "title", ["value"] = "Rep" }),
            }),
        ]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadJsonAsync();
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:BulkResponse", result["schemas"]!.GetString(0));
        Assert.Equal(["201", "201", "201", "200"], Statuses(result));
        var operations = result.GetArray("Operations");
        Assert.Equal(["alice", "bob", "sales"], operations.Take(3).Select(o => o!.GetString("bulkId")));
        var locations = operations.Select(o => o!.GetString("location")).ToList();
        Assert.All(operations, o => Assert.StartsWith("W/\"", o!.GetString("version"), StringComparison.Ordinal));
        var (alice, bob, sales) = (locations[0].Split('/')[^1], locations[1].Split('/')[^1], locations[2].Split('/')[^1]);
        Assert.Equal(tenant.BaseUrl + "/Users/" + bob, locations[3]);

        // The group holds the users created earlier in the same request.
        var group = await tenant.GetJsonAsync($"Groups/{sales}");
        Assert.Equal(new[] { alice, bob }.Order(), group.GetArray("members").Select(m => m!.GetString("value")).Order());
        Assert.Equal("Rep", (await tenant.GetJsonAsync($"Users/{bob}")).GetString("title"));

        // Each operation: its own audit entry (request id <bulk request>.<n>) and change-feed events, as a single request writes.
        var audit = new List<AuditEntry>();
        await foreach (var e in Service<AuditLog>().QueryAsync(tenant.Tenant, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1), null, null,
            CancellationToken.None)) audit.Add(e);
        // (A group created with members writes two transactions, each audited, as POST /Groups does.)
        Assert.Equal(["PATCH User", "POST Groups", "POST Groups", "POST Users", "POST Users"], audit.Select(e => e.Operation));
        Assert.All(audit, e => Assert.Equal("applied", e.Outcome));
        Assert.Equal(4, audit.Select(e => e.RequestId).Distinct().Count());
        Assert.All(audit, e => Assert.Matches(@"\.[1-4]$", e.RequestId));
        var events = await Host.EventsAsync(tenant.Tenant.Value);
        Assert.Contains(events, e => e.Type == "user.created" && e.UserId == alice);
        Assert.Contains(events, e => e.Type == "group.created" && e.GroupId == sales);
        Assert.Contains(events, e => e.Type == "user.updated" && e.UserId == bob && e.RequestId!.EndsWith(".4", StringComparison.Ordinal));

        // PUT with a stale version is the single request's 412; DELETE is its 204.
        var stale = await tenant.PostJsonAsync("Bulk", BulkRequest(
        [
            Op("PUT", $"/Users/{alice}", data: User("alice@example.com"), version: "W/\"stale\""),
            Op("DELETE", $"/Groups/{sales}"),
        ]));
        Assert.Equal(["412", "204"], Statuses(stale));
        Assert.Equal("412", stale.GetArray("Operations")[0]!["response"]!.GetString("status"));
        await (await tenant.GetAsync($"Groups/{sales}")).AssertScimErrorAsync(404);
    }

    [Fact]
    public async Task FailOnErrors_stops_after_that_many_errors_and_each_error_is_the_single_requests()
    {
        var tenant = await Host.CreateTenantAsync();
        await tenant.CreateUserAsync("taken@example.com");
        var result = await tenant.PostJsonAsync("Bulk", BulkRequest(
        [
            Op("POST", "/Users", "a", User("a@example.com")),
            Op("POST", "/Users", "dup", User("TAKEN@example.com")),        // 409 uniqueness, as POST /Users answers
            Op("POST", "/Users", "b", User("b@example.com")),
            Op("PATCH", "/Users/bulkId:missing", data: new JsonObject { ["Operations"] = new JsonArray() }), // unknown bulkId
            Op("POST", "/Users", "c", User("c@example.com")),               // not run: the second error stopped the request
        ], failOnErrors: 2));
        Assert.Equal(["201", "409", "201", "409"], Statuses(result));
        var operations = result.GetArray("Operations");
        Assert.Equal("uniqueness", operations[1]!["response"]!.GetString("scimType"));
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:Error", operations[1]!["response"]!["schemas"]!.GetString(0));
        Assert.Contains("missing", operations[3]!["response"]!.GetString("detail"), StringComparison.Ordinal);
        Assert.Equal(0, await tenant.TotalResultsAsync("Users?filter=" + Uri.EscapeDataString("userName eq \"c@example.com\"")));
        Assert.Equal(1, await tenant.TotalResultsAsync("Users?filter=" + Uri.EscapeDataString("userName eq \"b@example.com\"")));

        // Without failOnErrors every operation runs; a malformed one is answered in place.
        var all = await tenant.PostJsonAsync("Bulk", BulkRequest(
        [
            Op("GET", "/Users"),
            Op("POST", "/Users", "bad", new JsonObject { ["displayName"] = "no userName" }),
            Op("POST", "/Users", "d", User("d@example.com")),
        ]));
        Assert.Equal(["400", "400", "201"], Statuses(all));
    }

    [Fact]
    public async Task Advertised_limits_are_enforced_and_the_cost_is_the_single_requests()
    {
        var tenant = await Host.CreateTenantAsync();
        var config = await tenant.GetJsonAsync("ServiceProviderConfig");
        Assert.True(config["bulk"]!.GetBoolean("supported"));
        Assert.Equal(5, config["bulk"]!.GetInt32("maxOperations"));
        Assert.Equal(8192, config["bulk"]!.GetInt32("maxPayloadSize"));

        var six = new JsonArray([.. Enumerable.Range(0, 6).Select(i => (JsonNode)Op("POST", "/Users", $"u{i}", User($"u{i}@example.com")))]);
        await tenant.PostAsync("Bulk", BulkRequest(six)).AssertScimErrorAsync(413);
        var big = new JsonArray(Op("POST", "/Users", "big", new JsonObject { ["userName"] = "big@example.com", ["title"] = new string('x', 9000) }));
        await tenant.PostAsync("Bulk", BulkRequest(big)).AssertScimErrorAsync(413);
        Assert.Equal(0, await tenant.TotalResultsAsync("Users")); // nothing ran
        await tenant.PostAsync("Bulk", new JsonObject { ["failOnErrors"] = 1 }).AssertScimErrorAsync(400, "invalidSyntax");
        var get = await tenant.GetAsync("Bulk");
        await get.AssertScimErrorAsync(405);

        // Two creates cost what two POST /Users cost (1 each: one transaction).
        var single = await tenant.PostAsync("Users", User("single@example.com"));
        var singleCost = int.Parse(single.Headers.GetValues("X-Storage-Requests").Single(), CultureInfo.InvariantCulture);
        var bulk = await tenant.PostAsync("Bulk", BulkRequest([Op("POST", "/Users", "x", User("x@example.com")), Op("POST", "/Users", "y", User("y@example.com"))]));
        Assert.Equal(["201", "201"], Statuses(await bulk.ReadJsonAsync()));
        Assert.Equal(2 * singleCost, int.Parse(bulk.Headers.GetValues("X-Storage-Requests").Single(), CultureInfo.InvariantCulture));
    }
}
