namespace ScimFunctions.IntegrationTests.Paging;

/// <summary>POST /.search at the tenant's base URL (RFC 7644 §3.4.3): Users, then Groups, with the filters,
/// projection and paging of the per-type searches.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RootSearchTests(AzuriteFixture azurite) : TenantTestBase(azurite)
{
    static JsonObject Search(params (string Key, JsonNode? Value)[] parameters)
    {
        var body = new JsonObject { ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:SearchRequest") };
        foreach (var (key, value) in parameters) body[key] = value;
        return body;
    }

    static IEnumerable<string> Types(JsonObject list) =>
        list.GetArray("Resources").Select(r => r!["meta"]?.GetString("resourceType") ?? (r!["userName"] is null ? "Group" : "User"));

    [Fact]
    public async Task Searches_users_and_groups_with_one_filter_projection_and_paging()
    {
        var alice = await Client.CreateUserAsync("alice@example.com", new JsonObject { ["displayName"] = "Sales Alice" });
        await Client.CreateUserAsync("bob@example.com", new JsonObject { ["displayName"] = "Bob" });
        var sales = await Client.PostJsonAsync("Groups", new JsonObject
        {
            ["displayName"] = "Sales", ["members"] = new JsonArray(new JsonObject { ["value"] = alice.Id() }),
        });
        await Client.PostJsonAsync("Groups", new JsonObject { ["displayName"] = "Engineering" });

        // Everything: users first, then groups; a group's members are streamed from its rows.
        var all = await Client.PostJsonAsync(".search", Search());
        Assert.Equal(4, all.GetInt32("totalResults"));
        Assert.Equal(["User", "User", "Group", "Group"], Types(all));
        var salesGroup = all.GetArray("Resources").Single(r => r!.Id() == sales.Id())!;
        Assert.Equal(alice.Id(), salesGroup.GetArray("members")[0]!.GetString("value"));
        Assert.All(all.GetArray("Resources").Where(r => r!["userName"] is not null), u => Assert.Null(u!["members"]));

        // An attribute both types have matches in both; one only users have matches no group.
        var named = await Client.PostJsonAsync(".search", Search(("filter", "displayName sw \"Sales\""), ("attributes", new JsonArray("displayName"))));
        Assert.Equal(2, named.GetInt32("totalResults"));
        Assert.Equal(["Sales Alice", "Sales"], named.GetArray("Resources").Select(r => r!.GetString("displayName")));
        Assert.All(named.GetArray("Resources"), r => Assert.Null(r!["meta"])); // projected
        var users = await Client.PostJsonAsync(".search", Search(("filter", "userName sw \"b\"")));
        Assert.Equal(["bob@example.com"], users.GetArray("Resources").Select(r => r!.GetString("userName")));
        // An attribute neither type knows is the per-type search's 400.
        await Client.PostAsync(".search", Search(("filter", "nosuch eq \"x\""))).AssertScimErrorAsync(400, "invalidFilter");

        // Index paging over the types laid end to end.
        var window = await Client.PostJsonAsync(".search", Search(("startIndex", 2), ("count", 2), ("attributes", new JsonArray("id"))));
        Assert.Equal(4, window.GetInt32("totalResults"));
        Assert.Equal(2, window.GetInt32("startIndex"));
        Assert.Equal(["User", "Group"], Types(await Client.PostJsonAsync(".search", Search(("startIndex", 2), ("count", 2)))));
        Assert.Equal(all.GetArray("Resources").Skip(1).Take(2).Select(r => r!.Id()), window.GetArray("Resources").Select(r => r!.Id()));

        // Cursor paging across the boundary between the types.
        var seen = new List<string>();
        var cursor = "";
        while (true)
        {
            var page = await Client.PostJsonAsync(".search", Search(("cursor", cursor), ("count", 3), ("attributes", new JsonArray("id"))));
            Assert.Equal(4, page.GetInt32("totalResults"));
            seen.AddRange(page.GetArray("Resources").Select(r => r!.Id()));
            if (page["nextCursor"]?.GetValue<string>() is not { } next) break;
            cursor = next;
        }
        Assert.Equal(all.GetArray("Resources").Select(r => r!.Id()), seen);
        // A root cursor is not a /Users cursor.
        var rootCursor = (await Client.PostJsonAsync(".search", Search(("cursor", ""), ("count", 1)))).GetString("nextCursor");
        await Client.PostAsync("Users/.search", Search(("cursor", rootCursor), ("count", 1))).AssertScimErrorAsync(400, "invalidCursor");
    }

    [Fact]
    public async Task Only_POST_is_allowed_and_the_token_is_required()
    {
        var get = await Client.GetAsync(".search");
        await get.AssertScimErrorAsync(405);
        Assert.Equal("POST", get.Content.Headers.Allow.Single());
        var anonymous = new HttpClient { BaseAddress = Client.Http.BaseAddress };
        var response = await anonymous.PostAsync(Client.Path(".search"), new StringContent(Search().ToJsonString(), Encoding.UTF8, "application/scim+json"));
        await response.AssertScimErrorAsync(401);
    }
}
