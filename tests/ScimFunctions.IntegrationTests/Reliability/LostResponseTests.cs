namespace ScimFunctions.IntegrationTests.Reliability;

/// <summary>
/// One storage failure at a time, placed on the write transaction of a request: the request reached
/// storage and was applied, and its response was lost. The SDK sends it again (a non-idempotent repeat);
/// when every attempt loses its response the client gets a 503 and repeats the request itself.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LostResponseTests(AzuriteFixture azurite) : TenantTestBase(azurite, faults: new StorageFaultOptions { Rate = 0 }) // only the faults a test schedules
{

    /// <summary>The SDK's attempts per storage call (1 + MaxRetries).</summary>
    const int Attempts = 4;

    StorageFaultInjector Faults => Host.Faults;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("Users?count=1")).StatusCode); // token and tenant now cached
    }

    void LoseNextWriteResponses(int times) => Faults.Schedule(StorageFault.DroppedResponse, times, StorageFaultInjector.IsTransaction);

    [Fact]
    public async Task Create_applied_once_answers_201_when_the_sdk_repeat_conflicts()
    {
        LoseNextWriteResponses(1);
        var user = await Client.CreateUserAsync("lost-once@contoso.test");

        Assert.Equal(1, await CountAsync("userName eq \"lost-once@contoso.test\""));
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"Users/{user["id"]}")).StatusCode);
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task Create_whose_response_is_lost_for_good_answers_503_then_409_and_the_query_finds_it()
    {
        var body = new JsonObject { ["userName"] = "lost@contoso.test", ["externalId"] = "ext-lost" };
        LoseNextWriteResponses(Attempts);
        var first = await Client.PostAsync("Users", body);
        await first.AssertScimErrorAsync(503);
        Assert.NotNull(first.Headers.RetryAfter);

        // The client repeats the create: the first attempt was applied.
        await Client.PostAsync("Users", body).AssertScimErrorAsync(409, "uniqueness");
        Assert.Equal(1, await CountAsync("userName eq \"lost@contoso.test\""));
        Assert.Equal(1, await CountAsync("externalId eq \"ext-lost\""));
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task User_patch_repeated_by_the_sdk_converges()
    {
        var id = (await Client.CreateUserAsync("patched@contoso.test")).Id();
        var patch = Patch(
            new JsonObject { ["op"] = "Add", ["path"] = "emails[type eq \"work\"].value", ["value"] = "patched@contoso.test" },
            new JsonObject { ["op"] = "Replace", ["path"] = "displayName", ["value"] = "Patched" });

        LoseNextWriteResponses(1);
        var response = await Client.PatchAsync($"Users/{id}", patch);
        var json = await response.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Patched", json.GetString("displayName"));
        Assert.Single(json.GetArray("emails"));

        // Lost for good: 503, and the client's repeat is a no-op that answers 200 with the same resource.
        LoseNextWriteResponses(Attempts);
        var rename = Patch(new JsonObject { ["op"] = "Replace", ["path"] = "displayName", ["value"] = "Twice" });
        await Client.PatchAsync($"Users/{id}", rename).AssertScimErrorAsync(503);
        var repeat = await Client.PatchAsync($"Users/{id}", rename);
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Equal("Twice", (await repeat.ReadJsonAsync()).GetString("displayName"));
        Assert.Equal(1, await CountAsync("emails[type eq \"work\"].value eq \"patched@contoso.test\""));
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task Member_add_and_remove_repeated_by_the_sdk_apply_exactly_once()
    {
        var a = (await Client.CreateUserAsync("a@contoso.test")).Id();
        var b = (await Client.CreateUserAsync("b@contoso.test")).Id();
        var group = await Client.PostAsync("Groups", new JsonObject { ["displayName"] = "Lost members" });
        var id = (await group.ReadJsonAsync()).Id();

        LoseNextWriteResponses(1);
        var add = await Client.PatchAsync($"Groups/{id}", Patch(Members("Add", a, b)));
        Assert.Equal(HttpStatusCode.NoContent, add.StatusCode);
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), await MemberIdsAsync(id));

        LoseNextWriteResponses(1);
        var remove = await Client.PatchAsync($"Groups/{id}", Patch(Members("Remove", a)));
        Assert.Equal(HttpStatusCode.NoContent, remove.StatusCode);
        Assert.Equal([b], await MemberIdsAsync(id));

        // Lost for good: 503, the repeat changes nothing more.
        LoseNextWriteResponses(Attempts);
        await Client.PatchAsync($"Groups/{id}", Patch(Members("Add", a))).AssertScimErrorAsync(503);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.PatchAsync($"Groups/{id}", Patch(Members("Add", a)))).StatusCode);
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), await MemberIdsAsync(id));
        await AssertConsistentAsync();
    }

    [Theory]
    [InlineData("Users")]
    [InlineData("Groups")]
    public async Task Delete_repeated_by_the_sdk_answers_204(string collection)
    {
        var body = collection == "Users" ? new JsonObject { ["userName"] = "doomed@contoso.test" } : new JsonObject { ["displayName"] = "Doomed" };
        var id = (await Client.PostJsonAsync(collection, body)).Id();

        LoseNextWriteResponses(1);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"{collection}/{id}")).StatusCode);
        await Client.GetAsync($"{collection}/{id}").AssertScimErrorAsync(404);
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task Each_fault_kind_outlasting_the_sdk_retries_is_a_503_with_retry_after()
    {
        foreach (var kind in new[] { StorageFault.Error503, StorageFault.Timeout, StorageFault.DroppedResponse })
        {
            Faults.Schedule(kind, Attempts);
            var response = await Client.GetAsync("Users?filter=" + Uri.EscapeDataString("userName eq \"nobody\""));
            await response.AssertScimErrorAsync(503);
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        }
        // Group reads stream their members while the response is written: storage trouble there is a 503 too.
        var group = (await Client.PostJsonAsync("Groups", new JsonObject { ["displayName"] = "Streamed" })).Id();
        foreach (var kind in new[] { StorageFault.Error503, StorageFault.Timeout, StorageFault.DroppedResponse })
        {
            Faults.Schedule(kind, Attempts, r => r.Uri.Query.Contains("member", StringComparison.Ordinal));
            await Client.GetAsync($"Groups/{group}").AssertScimErrorAsync(503);
        }
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"Groups/{group}")).StatusCode);
    }

    async Task<int> CountAsync(string filter) =>
        await Client.TotalResultsAsync("Users?filter=" + Uri.EscapeDataString(filter));

    async Task<List<string>> MemberIdsAsync(string groupId)
    {
        var json = await Client.GetJsonAsync($"Groups/{groupId}");
        return json["members"] is JsonArray members ? [.. members.Select(m => m!.GetString("value"))] : [];
    }

    async Task AssertConsistentAsync()
    {
        var report = await new ConsistencyChecker(Service<ScimTables>().Resources).CheckAsync(Client.Tenant, CancellationToken.None);
        Assert.Empty(report.Findings);
    }

    static JsonObject Members(string op, params string[] ids) =>
        new() { ["op"] = op, ["path"] = "members", ["value"] = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject { ["value"] = id })]) };

}
