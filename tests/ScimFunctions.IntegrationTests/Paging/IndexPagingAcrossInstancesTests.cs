namespace ScimFunctions.IntegrationTests.Paging;

/// <summary>
/// Index paging (startIndex) over a scanned listing with two local hosts over one Azurite: a page that lands on another
/// instance than the page before resumes from the shared bookmark row (one point read) instead of counting the
/// listing again.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class IndexPagingAcrossInstancesTests(AzuriteFixture azurite) : TwoHostsTestBase(azurite)
{
    /// <summary>2,500 users are three storage pages (Azure returns 1,000 rows a page). The first page counts them all
    /// (3) and shares its bookmark (1 write); the second, on the other instance, reads the bookmark (1), its storage page
    /// (1) and shares the next one (1); the third, back on the first instance, which does not hold that bookmark, reads
    /// it (1) and its storage page (1). Scanning again would cost 3 on each page, and ⌈N/1000⌉ for N users.</summary>
    [Fact]
    public async Task Three_startIndex_pages_alternating_instances_resume_from_the_shared_bookmark()
    {
        var onFirst = await First.CreateTenantAsync();
        var onSecond = Second.ClientFor(onFirst);
        await SeedAsync(First, onFirst, 2500);

        var ids = new List<string>();
        var costs = new List<int>();
        var clients = new[] { onFirst, onSecond, onFirst };
        for (var i = 0; i < clients.Length; i++)
        {
            var response = await clients[i].GetAsync($"Users?startIndex={1 + (i * 1000)}&count=1000&attributes=id");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.ReadJsonAsync();
            Assert.Equal(2500, page.GetInt32("totalResults"));
            Assert.Equal(1 + (i * 1000), page.GetInt32("startIndex"));
            ids.AddRange(page.GetArray("Resources").Select(r => r!.Id()));
            costs.Add(Cost(response));
        }
        Assert.Equal(2500, ids.Count);
        Assert.Equal(2500, ids.Distinct().Count());
        Assert.Equal([4, 3, 2], costs);

        // The index-paged pages are the same users, in the same order, as one cursor-paged listing.
        var cursorIds = new List<string>();
        var cursor = "";
        do
        {
            var page = await onSecond.GetJsonAsync($"Users?cursor={Uri.EscapeDataString(cursor)}&count=1000&attributes=id");
            cursorIds.AddRange(page.GetArray("Resources").Select(r => r!.Id()));
            cursor = page["nextCursor"]?.GetValue<string>() ?? "";
        } while (cursor.Length > 0);
        Assert.Equal(cursorIds, ids);

        // A jump no bookmark leads to costs the read that finds none, the count (3) and sharing its own bookmark (1):
        // still the right page.
        var jump = await onSecond.GetAsync("Users?startIndex=1501&count=10&attributes=id");
        Assert.Equal(5, Cost(jump));
        Assert.Equal(ids.Skip(1500).Take(10), (await jump.ReadJsonAsync()).GetArray("Resources").Select(r => r!.Id()));

        // A filter no index answers pages over its matches the same way, alternating instances.
        var filtered = new List<string>();
        var filter = Uri.EscapeDataString("userName sw \"user1\"");
        for (var start = 1; start <= 1111; start += 400)
        {
            var page = await clients[(start / 400) % 2].GetJsonAsync($"Users?filter={filter}&startIndex={start}&count=400&attributes=userName");
            Assert.Equal(1111, page.GetInt32("totalResults")); // user1, user10-19, user100-199, user1000-1999
            filtered.AddRange(page.GetArray("Resources").Select(r => r!.GetString("userName")));
        }
        Assert.Equal(1111, filtered.Distinct().Count());
        Assert.All(filtered, name => Assert.StartsWith("user1", name, StringComparison.Ordinal));

        // Another tenant's listing with the same filter finds nothing of this one's.
        var other = Second.ClientFor(await First.CreateTenantAsync());
        var empty = await other.GetJsonAsync("Users?startIndex=1001&count=1000&attributes=id");
        Assert.Equal(0, empty.GetInt32("totalResults"));
        Assert.Empty(empty.GetArray("Resources"));
    }

    /// <summary>Sharing the bookmark is an optimisation: when storage refuses its write, the page is still answered
    /// and the next page, on another instance, scans again and is still right.</summary>
    [Fact]
    public async Task A_bookmark_that_cannot_be_shared_leaves_the_page_answered()
    {
        var tenant = await First.CreateTenantAsync();
        await SeedAsync(First, tenant, 2100);
        await using var faulty = await ScimHost.StartAsync(Azurite, new Dictionary<string, string?> { ["Storage:TablePrefix"] = TablePrefix },
            faults: new Reliability.StorageFaultOptions());
        faulty.Faults.Schedule(Reliability.StorageFault.Error503, 50,
            r => r.Method == Azure.Core.RequestMethod.Put && r.Uri.ToString().Contains("scan-bookmarks", StringComparison.Ordinal));

        var first = await faulty.ClientFor(tenant).GetAsync("Users?startIndex=1&count=1000&attributes=id");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var ids = (await first.ReadJsonAsync()).GetArray("Resources").Select(r => r!.Id()).ToList();
        var second = await tenant.GetJsonAsync("Users?startIndex=1001&count=1000&attributes=id");
        ids.AddRange(second.GetArray("Resources").Select(r => r!.Id()));
        Assert.Equal(2000, ids.Distinct().Count());
    }
}
