namespace ScimFunctions.IntegrationTests.Isolation;

/// <summary>
/// Tries to reach tenant B's data with tenant A's token through every input that reaches storage: ids,
/// filter values (quotes, OData text, PartitionKey), tenant ids in the URL, member and $ref values, shared
/// attribute values, paging parameters. Every attempt must fail closed: 401/404/400, or an answer that
/// holds only A's data.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TenantIsolationTests(AzuriteFixture azurite) : HostTestBase(azurite)
{
    const string Shared = "shared@contoso.test";
    TenantClient _a = null!, _b = null!;
    string _aUser = "", _aGroup = "", _bUser = "", _bGroup = "";
    string _bGroupVersion = "", _bUserVersion = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _a = await Host.CreateTenantAsync();
        _b = await Host.CreateTenantAsync();
        (_aUser, _aGroup) = await SeedAsync(_a);
        (_bUser, _bGroup) = await SeedAsync(_b);
        _bUserVersion = (await _b.GetAsync($"Users/{_bUser}")).Headers.ETag!.ToString();
        _bGroupVersion = (await _b.GetAsync($"Groups/{_bGroup}")).Headers.ETag!.ToString();
    }

    /// <summary>The same userName, externalId, email and group name in both tenants.</summary>
    static async Task<(string User, string Group)> SeedAsync(TenantClient client)
    {
        var user = (await client.CreateUserAsync(Shared, new JsonObject
        {
            ["externalId"] = "shared-ext",
            ["emails"] = new JsonArray(new JsonObject { ["value"] = Shared, ["type"] = "work" }),
            ["title"] = "PartitionKey",
        })).Id();
        var group = await client.PostAsync("Groups", new JsonObject
        {
            ["displayName"] = "Shared group", ["externalId"] = "shared-gext", ["members"] = new JsonArray(new JsonObject { ["value"] = user }),
        });
        Assert.Equal(HttpStatusCode.Created, group.StatusCode);
        return (user, (await group.ReadJsonAsync()).Id());
    }

    [Fact]
    public async Task Ids_of_another_tenant_are_not_found_for_every_method()
    {
        foreach (var path in new[] { $"Users/{_bUser}", $"Groups/{_bGroup}" })
        {
            await _a.GetAsync(path).AssertScimErrorAsync(404);
            var body = path.StartsWith("Users", StringComparison.Ordinal)
                ? new JsonObject { ["userName"] = "taken@contoso.test" }
                : new JsonObject { ["displayName"] = "Taken" };
            await _a.PutAsync(path, body).AssertScimErrorAsync(404);
            var patch = new JsonObject { ["Operations"] = new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "displayName", ["value"] = "Taken" }) };
            await _a.PatchAsync(path, patch).AssertScimErrorAsync(404);
            await _a.DeleteAsync(path).AssertScimErrorAsync(404);
        }
        await AssertBUntouchedAsync();
    }

    public static TheoryData<string> HostileFilters => new()
    {
        "userName eq \"x' or PartitionKey ne 'x\"",
        "userName eq \"' or PartitionKey ne '\"",
        "userName eq \"%27 or PartitionKey ne %27\"",
        "externalId eq \"' or PartitionKey gt '\"",
        "externalId eq \"shared-ext') or (PartitionKey ne '\"",
        "emails[type eq \"work\"].value eq \"' or RowKey ne '\"",
        "emails.value eq \"shared@contoso.test' or PartitionKey ne '\"",
        "title eq \"PartitionKey\"",
        "title eq \"' or ''='\"",
        "userName sw \"shared\"",
        "userName eq \"shared@contoso.test\" or userName eq \"' or PartitionKey ne '\"",
        "id eq \"{bUser}\"",
        "id eq \"{bUser}' or PartitionKey ne '\"",
        "manager eq \"{bUser}\"",
    };

    [Theory]
    [MemberData(nameof(HostileFilters))]
    public async Task Filters_with_quotes_and_odata_text_only_see_their_own_tenant(string filter)
    {
        filter = filter.Replace("{bUser}", _bUser, StringComparison.Ordinal);
        foreach (var collection in new[] { "Users", "Groups" })
        {
            var response = await _a.GetAsync($"{collection}?filter={Uri.EscapeDataString(filter)}");
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
            AssertNoneOfB(text);
        }
    }

    [Fact]
    public async Task Raw_percent_encoded_quotes_in_the_query_string_stay_in_the_tenant()
    {
        foreach (var query in new[]
        {
            "Users?filter=userName%20eq%20%22%27%20or%20PartitionKey%20ne%20%27%22",
            "Users?filter=userName+eq+%22%2527+or+PartitionKey+ne+%2527%22",
            "Users?filter=PartitionKey%20eq%20%22" + _b.Tenant + "%22",
            "Groups?filter=displayName%20eq%20%22Shared%20group%22%20and%20members%20eq%20%22" + _bUser + "%22",
            "Groups?filter=id%20eq%20%22" + _bGroup + "%22%20and%20members%5Bvalue%20eq%20%22" + _bUser + "%22%5D",
        })
        {
            var response = await _a.GetAsync(query);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, query);
            AssertNoneOfB(await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Shared_values_resolve_to_each_tenants_own_resources()
    {
        foreach (var (client, user, group) in new[] { (_a, _aUser, _aGroup), (_b, _bUser, _bGroup) })
        {
            foreach (var filter in new[] { $"userName eq \"{Shared}\"", "externalId eq \"shared-ext\"", $"emails[type eq \"work\"].value eq \"{Shared}\"", $"emails.value eq \"{Shared.ToUpperInvariant()}\"" })
                Assert.Equal([user], await IdsAsync(client, "Users", filter));
            Assert.Equal([group], await IdsAsync(client, "Groups", "displayName eq \"SHARED GROUP\""));
            Assert.Equal([group], await IdsAsync(client, "Groups", "externalId eq \"shared-gext\""));
            Assert.Equal([group], await IdsAsync(client, "Groups", $"members eq \"{user}\""));
        }
        // B's user is not a member of A's group, by any form of the membership check.
        Assert.Empty(await IdsAsync(_a, "Groups", $"id eq \"{_aGroup}\" and members eq \"{_bUser}\""));
        Assert.Empty(await IdsAsync(_a, "Groups", $"members[value eq \"{_bUser}\"]"));
    }

    [Fact]
    public async Task Members_and_refs_naming_another_tenants_user_are_not_applied()
    {
        var bRef = $"{_b.BaseUrl}/Users/{_bUser}";
        var patch = new JsonObject
        {
            ["Operations"] = new JsonArray(new JsonObject
            {
                ["op"] = "add", ["path"] = "members",
                ["value"] = new JsonArray(new JsonObject { ["value"] = _bUser, ["$ref"] = bRef }, new JsonObject { ["$ref"] = bRef, ["value"] = _bUser.ToUpperInvariant() }),
            }),
        };
        var added = await _a.PatchAsync($"Groups/{_aGroup}", patch);
        Assert.Equal(HttpStatusCode.NoContent, added.StatusCode);
        Assert.Contains(_bUser, added.Headers.GetValues("X-Scim-Unapplied-Members").Single());

        var created = await _a.PostAsync("Groups", new JsonObject { ["displayName"] = "Cross", ["members"] = new JsonArray(new JsonObject { ["value"] = _bUser, ["$ref"] = bRef }) });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Contains(_bUser, created.Headers.GetValues("X-Scim-Unapplied-Members").Single());
        Assert.Null((await created.ReadJsonAsync())["members"]);

        var put = await _a.PutAsync($"Groups/{_aGroup}", new JsonObject { ["displayName"] = "Shared group", ["members"] = new JsonArray(new JsonObject { ["value"] = _aUser }, new JsonObject { ["value"] = _bUser }) });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal([_aUser], (await put.ReadJsonAsync()).GetArray("members").Select(m => m!.GetString("value")));

        // A manager naming B's user is only a value: rendered under A's URL, never read from B.
        var manager = new JsonObject { ["Operations"] = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "manager", ["value"] = _bUser }) };
        var user = await _a.PatchJsonAsync($"Users/{_aUser}", manager);
        Assert.StartsWith(_a.BaseUrl + "/Users/", user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]!["manager"]!.GetString("$ref"));

        Assert.Null((await _b.GetJsonAsync($"Users/{_bUser}")).GetArray("groups").FirstOrDefault(g => g!.GetString("value") != _bGroup));
        await AssertBUntouchedAsync();
    }

    [Fact]
    public async Task Tenant_ids_with_odd_characters_never_reach_another_tenant()
    {
        var b = _b.Tenant;
        foreach (var path in new[]
        {
            $"/scim/v2/{b}/Users",
            $"/scim/v2/{_a.Tenant.Value.ToUpperInvariant()}/Users",
            $"/scim/v2/{_a.Tenant}%2F..%2F{b}/Users",
            $"/scim/v2/{_a.Tenant}/..%2F{b}/Users",
            $"/scim/v2/%2e%2e%2F{b}/Users",
            $"/scim/v2/{b}'/Users",
            $"/scim/v2/{b}%27%20or%20PartitionKey%20ne%20%27/Users",
            $"/scim/v2/'%20or%20PartitionKey%20ne%20'/Users/{_bUser}",
            $"/scim/v2/{b}%00/Users",
            $"/scim/v2/{b}%20/Users",
            $"/scim/v2/{b}%2F/Users/{_bUser}",
            $"/scim/v2/{b}/Users/{_bUser}",
            $"/scim/v2/{b}/Groups/{_bGroup}",
        })
        {
            var response = await _a.Http.GetAsync(path);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound or HttpStatusCode.BadRequest,
                $"{path}: {(int)response.StatusCode} {text}");
            // A 404 names the path it was given, which may hold B's tenant id: only B's data counts here.
            AssertNoneOfB(text, tenantUrl: false);
        }
    }

    [Fact]
    public async Task Paging_parameters_cannot_widen_a_list()
    {
        foreach (var query in new[]
        {
            "Users?startIndex=-5&count=100000",
            "Users?startIndex=0&count=-1",
            "Users?startIndex=9999999999",
            "Users?count=1&startIndex=2",
            "Groups?startIndex=1&count=1000&attributes=members",
        })
        {
            var response = await _a.GetAsync(query);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            AssertNoneOfB(await response.Content.ReadAsStringAsync());
        }
        foreach (var query in new[] { "Users?startIndex=1'%20or%20'1'%3D'1", "Users?count=1%20or%20PartitionKey%20ne%20''", "Users?startIndex=abc", "Users?startIndex=99999999999999999999" })
            await _a.GetAsync(query).AssertScimErrorAsync(400, "invalidValue");

        var search = new JsonObject { ["startIndex"] = "0' or PartitionKey ne '", ["count"] = 10 };
        await _a.PostAsync("Users/.search", search).AssertScimErrorAsync(400);
        var total = await _a.TotalResultsAsync("Users");
        Assert.Equal(1, total);
    }

    async Task AssertBUntouchedAsync()
    {
        var user = await _b.GetAsync($"Users/{_bUser}");
        Assert.Equal(_bUserVersion, user.Headers.ETag!.ToString());
        var group = await _b.GetAsync($"Groups/{_bGroup}");
        Assert.Equal(_bGroupVersion, group.Headers.ETag!.ToString());
        Assert.Equal([_bUser], (await group.ReadJsonAsync()).GetArray("members").Select(m => m!.GetString("value")));
    }

    void AssertNoneOfB(string text, bool tenantUrl = true)
    {
        Assert.DoesNotContain(_bUser, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(_bGroup, text, StringComparison.OrdinalIgnoreCase);
        if (tenantUrl) Assert.DoesNotContain(_b.Tenant + "/", text, StringComparison.Ordinal);
    }

    static async Task<List<string>> IdsAsync(TenantClient client, string collection, string filter)
    {
        var response = await client.GetAsync($"{collection}?filter={Uri.EscapeDataString(filter)}&attributes=id");
        var json = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToJsonString());
        return [.. json.GetArray("Resources").Select(r => r!.Id())];
    }
}
