namespace ScimFunctions.IntegrationTests.Paging;

/// <summary>
/// RFC 9865 cursor paging with two instances of the endpoint over one Azurite (same tables, same cursor key):
/// a listing started on one instance continues on the other, each page after the first costs its own storage
/// page only, and cursors are refused when tampered with, replayed elsewhere, or expired.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CursorPagingTests(AzuriteFixture azurite) : TwoHostsTestBase(azurite)
{
    static string Escaped(string text) => Uri.EscapeDataString(text);

    /// <summary>2,500 users are three storage pages (Azure returns 1,000 rows a page): the first cursor page counts
    /// them all (3 requests), each next page reads only its own storage page, on whichever instance it lands.</summary>
    [Fact]
    public async Task Three_pages_alternating_instances_cost_one_storage_page_each_after_the_first()
    {
        var onFirst = await First.CreateTenantAsync();
        var onSecond = Second.ClientFor(onFirst);
        await SeedAsync(First, onFirst, 2500);

        var ids = new List<string>();
        var costs = new List<int>();
        var cursor = "";
        var pages = new List<JsonObject>();
        foreach (var client in new[] { onFirst, onSecond, onFirst })
        {
            var response = await client.GetAsync($"Users?cursor={Escaped(cursor)}&count=1000&attributes=userName");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.ReadJsonAsync();
            pages.Add(page);
            Assert.Equal(2500, page.GetInt32("totalResults"));
            Assert.False(page.ContainsKey("startIndex"));
            ids.AddRange(page.GetArray("Resources").Select(r => r!.Id()));
            costs.Add(Cost(response));
            cursor = page["nextCursor"]?.GetValue<string>() ?? "";
        }
        Assert.Equal(2500, ids.Count);
        Assert.Equal(2500, ids.Distinct().Count());
        Assert.Equal([3, 1, 1], costs);
        Assert.False(pages[2].ContainsKey("nextCursor")); // the last page
        Assert.False(pages[0].ContainsKey("previousCursor"));
        Assert.Equal([1000, 1000, 500], pages.Select(p => p.GetInt32("itemsPerPage")));

        // previousCursor leads back one page, on the other instance, at the cost of that page.
        var back = await onSecond.GetAsync($"Users?cursor={Escaped(pages[2].GetString("previousCursor"))}&count=1000&attributes=userName");
        var backPage = await back.ReadJsonAsync();
        Assert.Equal(pages[1].GetArray("Resources").Select(r => r!.Id()), backPage.GetArray("Resources").Select(r => r!.Id()));
        Assert.Equal(1, Cost(back));

        // A filter no index answers pages over its matches, by POST .search too, alternating instances.
        var filtered = new List<string>();
        cursor = "";
        var hosts = new[] { onSecond, onFirst };
        for (var i = 0; ; i++)
        {
            var page = await hosts[i % 2].PostJsonAsync("Users/.search", new JsonObject
            {
                ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:SearchRequest"),
                ["filter"] = "userName sw \"user1\"", ["attributes"] = new JsonArray("userName"), ["cursor"] = cursor, ["count"] = 400,
            });
            Assert.Equal(1111, page.GetInt32("totalResults")); // user1, user10-19, user100-199, user1000-1999
            filtered.AddRange(page.GetArray("Resources").Select(r => r!.GetString("userName")));
            if (page["nextCursor"]?.GetValue<string>() is not { } nextCursor) break;
            cursor = nextCursor;
        }
        Assert.Equal(1111, filtered.Count);
        Assert.Equal(1111, filtered.Distinct().Count());
        Assert.All(filtered, name => Assert.StartsWith("user1", name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tampered_replayed_and_malformed_cursors_are_refused()
    {
        var tenant = await First.CreateTenantAsync();
        var other = await First.CreateTenantAsync();
        foreach (var name in new[] { "a", "b", "c" }) await tenant.CreateUserAsync($"{name}@example.com");
        var first = await tenant.GetJsonAsync("Users?cursor=&count=1");
        var cursor = first.GetString("nextCursor");

        // One character changed anywhere: the seal no longer verifies.
        var tampered = cursor[..10] + (cursor[10] == 'A' ? 'B' : 'A') + cursor[11..];
        await tenant.GetAsync($"Users?cursor={Escaped(tampered)}&count=1").AssertScimErrorAsync(400, "invalidCursor");
        await tenant.GetAsync("Users?cursor=not-a-cursor&count=1").AssertScimErrorAsync(400, "invalidCursor");
        // Bound to the tenant and to the filter and sort of the listing that issued it.
        await Second.ClientFor(other).GetAsync($"Users?cursor={Escaped(cursor)}&count=1").AssertScimErrorAsync(400, "invalidCursor");
        await tenant.GetAsync($"Users?cursor={Escaped(cursor)}&count=1&filter={Escaped("userName pr")}").AssertScimErrorAsync(400, "invalidCursor");
        await tenant.GetAsync($"Users?cursor={Escaped(cursor)}&count=1&sortBy=userName").AssertScimErrorAsync(400, "invalidCursor");
        // The same listing on the other instance continues.
        var second = await Second.ClientFor(tenant).GetJsonAsync($"Users?cursor={Escaped(cursor)}&count=1");
        Assert.Equal(3, second.GetInt32("totalResults"));
        Assert.NotEqual(first.GetArray("Resources")[0]!.Id(), second.GetArray("Resources")[0]!.Id());

        // count outside 0..maxPageSize is an error with cursors (index paging still clamps it); both paging kinds at once too.
        await tenant.GetAsync("Users?cursor=&count=1001").AssertScimErrorAsync(400, "invalidCount");
        await tenant.GetAsync("Users?cursor=&count=-1").AssertScimErrorAsync(400, "invalidCount");
        Assert.Equal(HttpStatusCode.OK, (await tenant.GetAsync("Users?startIndex=1&count=1001")).StatusCode);
        await tenant.GetAsync("Users?cursor=&startIndex=2").AssertScimErrorAsync(400, "invalidValue");
    }

    [Fact]
    public async Task A_cursor_expires_after_cursorTimeout_on_every_instance()
    {
        await using var shortLived = await ScimHost.StartAsync(Azurite,
            new Dictionary<string, string?> { ["Storage:TablePrefix"] = TablePrefix, ["Limits:CursorTimeoutSeconds"] = "1" });
        var tenant = await shortLived.CreateTenantAsync();
        foreach (var name in new[] { "a", "b" }) await tenant.CreateUserAsync($"{name}@example.com");
        var config = await tenant.GetJsonAsync("ServiceProviderConfig");
        Assert.Equal(1, config["pagination"]!.GetInt32("cursorTimeout"));

        var cursor = (await tenant.GetJsonAsync("Users?cursor=&count=1")).GetString("nextCursor");
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var expired = await shortLived.ClientFor(tenant).GetAsync($"Users?cursor={Escaped(cursor)}&count=1").AssertScimErrorAsync(400, "expiredCursor");
        Assert.Contains("1 seconds", expired.GetString("detail"), StringComparison.Ordinal);
        // Another instance (default timeout) shares the key, not the timeout of the issuer: the expiry is sealed in.
        await First.ClientFor(tenant).GetAsync($"Users?cursor={Escaped(cursor)}&count=1").AssertScimErrorAsync(400, "expiredCursor");
    }

    [Fact]
    public async Task ServiceProviderConfig_advertises_both_paging_methods_with_index_as_default()
    {
        var tenant = await First.CreateTenantAsync();
        var pagination = (await tenant.GetJsonAsync("ServiceProviderConfig"))["pagination"]!;
        Assert.True(pagination.GetBoolean("cursor"));
        Assert.True(pagination.GetBoolean("index"));
        Assert.Equal("index", pagination.GetString("defaultPaginationMethod"));
        Assert.Equal(100, pagination.GetInt32("defaultPageSize"));
        Assert.Equal(1000, pagination.GetInt32("maxPageSize"));
        Assert.Equal(3600, pagination.GetInt32("cursorTimeout"));

        // Index paging stays the default: no cursor parameter, no cursor in the response.
        await tenant.CreateUserAsync("x@example.com");
        var list = await tenant.GetJsonAsync("Users");
        Assert.Equal(1, list.GetInt32("startIndex"));
        Assert.False(list.ContainsKey("nextCursor"));
        // An index answered filter pages by cursor too (its position is the match number).
        var indexed = await tenant.GetJsonAsync($"Users?filter={Escaped("userName eq \"x@example.com\"")}&cursor=&count=1");
        Assert.Equal(1, indexed.GetInt32("totalResults"));
        Assert.False(indexed.ContainsKey("nextCursor"));
    }
}
