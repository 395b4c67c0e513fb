namespace ScimFunctions.IntegrationTests.Users;

/// <summary>Okta's sequence, filters and paging, concurrency, and the storage cost of Entra's query shapes.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class UserQueryAndConcurrencyTests(AzuriteFixture azurite) : HostTestBase(azurite)
{
    static async Task<int> Total(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadJsonAsync()).GetInt32("totalResults");
    }

    [Fact]
    public async Task Okta_sequence()
    {
        var okta = await Host.CreateTenantAsync();
        // Okta sends application/json.
        var body = new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"),
            ["userName"] = "Okta.User@Example.com",
            ["name"] = new JsonObject { ["givenName"] = "Okta", ["familyName"] = "User" },
            ["emails"] = new JsonArray(new JsonObject { ["primary"] = true, ["value"] = "okta.user@example.com", ["type"] = "work" }),
            ["active"] = true,
        };
        var created = await okta.SendAsync(HttpMethod.Post, "Users", body, contentType: "application/json");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadJsonAsync()).Id();
        await okta.SendAsync(HttpMethod.Post, "Users", body, contentType: "application/json").AssertScimErrorAsync(409, "uniqueness");

        // Case-insensitive userName filter, list with startIndex/count.
        Assert.Equal(1, await Total(await okta.GetAsync("Users?filter=" + Uri.EscapeDataString("userName eq \"okta.user@example.com\"") + "&startIndex=1&count=100")));
        Assert.Equal(1, await Total(await okta.GetAsync("Users?startIndex=1&count=2")));

        // Deactivate with PUT.
        body["active"] = false;
        body["id"] = id;
        var put = await okta.SendAsync(HttpMethod.Put, $"Users/{id}", body, contentType: "application/json");
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var after = await put.ReadJsonAsync();
        Assert.False(after.GetBoolean("active"));
        Assert.Equal(id, after.Id());
        await okta.SendAsync(HttpMethod.Put, $"Users/{Guid.NewGuid()}", body, contentType: "application/json").AssertScimErrorAsync(404);
    }

    [Fact]
    public async Task Filters_of_every_operator_and_combination()
    {
        var tenant = await Host.CreateTenantAsync();
        string[] names = ["alice", "bob", "carol", "dave", "erin"];
        for (var i = 0; i < names.Length; i++)
        {
            await tenant.CreateUserAsync($"{names[i]}@contoso.com", new JsonObject
            {
                ["displayName"] = names[i].ToUpperInvariant(),
                ["title"] = i % 2 == 0 ? "Engineer" : "Manager",
                ["active"] = i != 3,
                ["externalId"] = $"ext-{i}",
                ["emails"] = new JsonArray(new JsonObject { ["type"] = "work", ["value"] = $"{names[i]}@contoso.com" }),
                ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = new JsonObject { ["employeeNumber"] = $"{100 + i}" },
            });
        }
        var cases = new Dictionary<string, int>
        {
            ["userName eq \"ALICE@contoso.com\""] = 1,
            ["userName ne \"alice@contoso.com\""] = 4,
            ["userName co \"o\""] = 5,
            ["userName sw \"c\""] = 1,
            ["userName ew \"@CONTOSO.COM\""] = 5,
            ["displayName gt \"CAROL\""] = 2,
            ["displayName ge \"CAROL\""] = 3,
            ["displayName lt \"BOB\""] = 1,
            ["displayName le \"BOB\""] = 2,
            ["title pr"] = 5,
            ["nickName pr"] = 0,
            ["active eq false"] = 1,
            ["active eq true and title eq \"Engineer\""] = 3,
            ["title eq \"Manager\" or userName eq \"alice@contoso.com\""] = 3,
            ["not (title eq \"Manager\")"] = 3,
            ["(title eq \"Manager\" or title eq \"Engineer\") and active eq false"] = 1,
            ["externalId eq \"ext-2\""] = 1,
            ["externalId eq \"EXT-2\""] = 0,
            ["emails[type eq \"work\" and value co \"erin\"]"] = 1,
            ["emails.value sw \"dave\""] = 1,
            ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber ge \"103\""] = 2,
            ["meta.created gt \"2000-01-01T00:00:00Z\""] = 5,
            ["meta.lastModified lt \"2000-01-01T00:00:00Z\""] = 0,
        };
        foreach (var (filter, expected) in cases)
        {
            var response = await tenant.GetAsync("Users?filter=" + Uri.EscapeDataString(filter));
            Assert.True(expected == await Total(response), filter);
        }
        // The same through POST /.search, and a filter with `+` for spaces as Entra sends it.
        var search = await tenant.PostAsync("Users/.search", new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:SearchRequest"),
            ["filter"] = "title eq \"Manager\"",
            ["attributes"] = new JsonArray("userName"),
        });
        Assert.Equal(2, await Total(search));
        Assert.Equal(1, await Total(await tenant.Http.GetAsync(tenant.Path("Users?filter=userName+eq+%22bob%40contoso.com%22"))));
    }

    [Theory]
    [InlineData("userName eq")]
    [InlineData("userName eq \"unterminated")]
    [InlineData("(userName eq \"a\"")]
    [InlineData("nosuch eq \"a\"")]
    [InlineData("active gt true")]
    public async Task Bad_filters_are_400_invalidFilter(string filter)
    {
        var tenant = await Host.CreateTenantAsync();
        await tenant.GetAsync("Users?filter=" + Uri.EscapeDataString(filter)).AssertScimErrorAsync(400, "invalidFilter");
    }

    [Fact]
    public async Task Deeply_nested_filter_is_refused_not_a_crash()
    {
        var tenant = await Host.CreateTenantAsync();
        var filter = new string('(', 3000) + "userName eq \"a\"" + new string(')', 3000);
        var response = await tenant.PostAsync("Users/.search", new JsonObject { ["filter"] = filter });
        await response.AssertScimErrorAsync(400, "invalidFilter");
    }

    [Fact]
    public async Task Paging_across_pages_with_exact_totals_and_sorting()
    {
        var tenant = await Host.CreateTenantAsync();
        for (var i = 0; i < 23; i++) await tenant.CreateUserAsync($"page{i:D2}@example.com");
        var seen = new List<string>();
        for (var start = 1; start <= 23; start += 10)
        {
            var page = await tenant.GetJsonAsync($"Users?startIndex={start}&count=10");
            Assert.Equal(23, page.GetInt32("totalResults"));
            Assert.Equal(start, page.GetInt32("startIndex"));
            Assert.Equal(Math.Min(10, 23 - start + 1), page.GetInt32("itemsPerPage"));
            seen.AddRange(page.GetArray("Resources").Select(r => r!.GetString("userName")));
        }
        Assert.Equal(23, seen.Distinct().Count());
        var zero = await tenant.GetJsonAsync("Users?count=0");
        Assert.Equal(23, zero.GetInt32("totalResults"));
        Assert.Empty(zero.GetArray("Resources"));
        var sorted = await tenant.GetJsonAsync("Users?sortBy=userName&sortOrder=descending&count=3");
        Assert.Equal(["page22@example.com", "page21@example.com", "page20@example.com"],
            sorted.GetArray("Resources").Select(r => r!.GetString("userName")));
        await tenant.GetAsync("Users?count=abc").AssertScimErrorAsync(400, "invalidValue");
    }

    /// <summary>A scanned listing counts everything once, on its first page; each next page resumes from a
    /// bookmark and reads only its own storage page (Azure returns 1,000 rows per page). Each page with a next one
    /// also writes the bookmark to the shared row (+1: three storage pages are worth sharing), which another instance
    /// would read; on this instance its memory serves it.</summary>
    [Fact]
    public async Task Paging_resumes_where_the_previous_page_stopped()
    {
        var tenant = await Host.CreateTenantAsync();
        await SeedAsync(tenant, 2500);
        var ids = new HashSet<string>();
        var costs = new List<int>();
        foreach (var start in new[] { 1, 1001, 2001 })
        {
            var response = await tenant.GetAsync($"Users?startIndex={start}&count=1000&attributes=id");
            var page = await response.ReadJsonAsync();
            Assert.Equal(2500, page.GetInt32("totalResults"));
            foreach (var r in page.GetArray("Resources")) ids.Add(r!.Id());
            costs.Add(int.Parse(response.Headers.GetValues("X-Storage-Requests").Single(), System.Globalization.CultureInfo.InvariantCulture));
        }
        Assert.Equal(2500, ids.Count);
        Assert.Equal([4, 2, 1], costs);

        // A filter that no index answers pages the same way, over its matches only.
        var filtered = new List<string>();
        var filter = Uri.EscapeDataString("userName sw \"user1\"");
        for (var start = 1; start <= 3; start++)
        {
            var page = await tenant.GetJsonAsync($"Users?filter={filter}&startIndex={start}&count=1&attributes=userName");
            Assert.Equal(1111, page.GetInt32("totalResults")); // user1, user10-19, user100-199, user1000-1999
            filtered.Add(page.GetArray("Resources")[0]!.GetString("userName"));
        }
        Assert.Equal(3, filtered.Distinct().Count());
    }

    [Fact]
    public async Task Twenty_concurrent_creates_of_one_userName_give_exactly_one_201()
    {
        var tenant = await Host.CreateTenantAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            tenant.PostAsync("Users", new JsonObject { ["userName"] = i % 2 == 0 ? "race@example.com" : "RACE@example.com" })));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var r in responses.Where(r => r.StatusCode != HttpStatusCode.Created)) await r.AssertScimErrorAsync(409, "uniqueness");
        Assert.Equal(1, await Total(await tenant.GetAsync("Users")));
    }

    [Fact]
    public async Task Concurrent_patches_to_different_attributes_are_all_applied()
    {
        var tenant = await Host.CreateTenantAsync();
        var id = (await tenant.CreateUserAsync("busy@example.com")).Id();
        string[] attributes = ["displayName", "nickName", "title", "userType", "preferredLanguage", "locale", "timezone", "profileUrl"];
        var responses = await Task.WhenAll(attributes.Select(a => tenant.PatchAsync($"Users/{id}", Patch(Op("replace", a, $"value-of-{a}")))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var user = await tenant.GetJsonAsync($"Users/{id}");
        foreach (var a in attributes) Assert.Equal($"value-of-{a}", user.GetString(a));
    }

    /// <summary>Entra's query shapes are answered by point reads and short range queries: the same
    /// number of storage requests for a tenant of 10 users as for one of 5,000.</summary>
    [Fact]
    public async Task Entra_query_shapes_cost_the_same_in_small_and_large_tenants()
    {
        var small = await Host.CreateTenantAsync();
        var large = await Host.CreateTenantAsync();
        await SeedAsync(small, 10);
        await SeedAsync(large, 5000);

        async Task<int[]> CostsAsync(TenantClient tenant)
        {
            var user = (await tenant.GetJsonAsync("Users?filter=" + Uri.EscapeDataString("userName eq \"user7@example.com\""))).GetArray("Resources")[0]!;
            var id = user.Id();
            var paths = new[]
            {
                "Users?filter=" + Uri.EscapeDataString($"userName eq \"{Guid.NewGuid()}\""),
                "Users?filter=" + Uri.EscapeDataString("userName eq \"user7@example.com\""),
                "Users?filter=" + Uri.EscapeDataString("externalId eq \"ext-7\""),
                "Users?filter=" + Uri.EscapeDataString("emails[type eq \"work\"].value eq \"user7@example.com\""),
                "Users?attributes=id&filter=" + Uri.EscapeDataString($"id eq \"{id}\" and manager eq \"{Guid.NewGuid()}\""),
                $"Users/{id}?excludedAttributes=groups",
            };
            var costs = new List<int>();
            foreach (var path in paths)
            {
                var response = await tenant.GetAsync(path);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                costs.Add(int.Parse(response.Headers.GetValues("X-Storage-Requests").Single(), System.Globalization.CultureInfo.InvariantCulture));
            }
            return [.. costs];
        }

        var smallCosts = await CostsAsync(small);
        var largeCosts = await CostsAsync(large);
        Assert.Equal(smallCosts, largeCosts);
        Assert.All(largeCosts, c => Assert.InRange(c, 1, 3));
    }

    /// <summary>Seeds users straight into storage in 100-row batches (the HTTP path is tested elsewhere;
    /// 5,000 POSTs would only slow the suite down).</summary>
    async Task SeedAsync(TenantClient tenant, int count)
    {
        var store = (ScimFunctions.Storage.Tables.ResourceStore)Host.Services.GetService(typeof(ScimFunctions.Storage.Tables.ResourceStore))!;
        var seeding = new ScimFunctions.Storage.Audit.WriteContext("seed-" + Guid.NewGuid().ToString("N")[..8], "SEED Users", "test");
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var document = JsonNode.Parse($$"""
                {"userName":"user{{i}}@example.com","externalId":"ext-{{i}}","emails":[{"type":"work","value":"user{{i}}@example.com"}]}
                """)!.AsObject();
            await store.CreateAsync(tenant.Tenant, ScimFunctions.Storage.Tables.ResourceKind.User, document, seeding, ct);
        });
    }
}
