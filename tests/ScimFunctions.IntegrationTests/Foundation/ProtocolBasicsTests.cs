using System.Net.Http.Headers;

namespace ScimFunctions.IntegrationTests.Foundation;

/// <summary>Error mapping, content types, routing and discovery, over real HTTP.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProtocolBasicsTests(AzuriteFixture azurite)
    : TenantTestBase(azurite, new Dictionary<string, string?> { ["Limits:MaxBodyBytes"] = "4096" })
{
    [Fact]
    public async Task Get_without_accept_or_content_type_is_accepted()
    {
        // Entra's Test Connection sends neither header.
        var request = new HttpRequestMessage(HttpMethod.Get, Client.Path("Users?filter=userName eq \"" + Guid.NewGuid() + "\""));
        request.Headers.Accept.Clear();
        var response = await Client.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = await response.ReadJsonAsync();
        Assert.Equal(0, list.GetInt32("totalResults"));
        Assert.Empty(list.GetArray("Resources"));
    }

    [Theory]
    [InlineData("application/scim+json")]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/scim+json; charset=UTF-8")]
    public async Task Writes_accept_json_and_scim_json(string contentType)
    {
        var body = new JsonObject { ["userName"] = $"ct-{Guid.NewGuid():N}@example.com" };
        var request = new HttpRequestMessage(HttpMethod.Post, Client.Path("Users"))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var response = await Client.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/scim+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Other_content_types_are_415()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Client.Path("Users")) { Content = new StringContent("userName=x", Encoding.UTF8, "text/plain") };
        await Client.Http.SendAsync(request).AssertScimErrorAsync(415);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    [InlineData("")]
    [InlineData("{\"userName\":\"a\",\"userName\":\"b\"}")]
    public async Task Malformed_json_is_400_invalidSyntax(string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Client.Path("Users")) { Content = new StringContent(body, Encoding.UTF8, "application/scim+json") };
        await Client.Http.SendAsync(request).AssertScimErrorAsync(400, "invalidSyntax");
    }

    [Fact]
    public async Task Deep_json_is_400_invalidSyntax()
    {
        var body = "{\"userName\":\"deep\",\"x\":" + new string('[', 200) + new string(']', 200) + "}";
        var request = new HttpRequestMessage(HttpMethod.Post, Client.Path("Users")) { Content = new StringContent(body, Encoding.UTF8, "application/scim+json") };
        await Client.Http.SendAsync(request).AssertScimErrorAsync(400, "invalidSyntax");
    }

    [Fact]
    public async Task Body_over_the_limit_is_413()
    {
        var body = new JsonObject { ["userName"] = "big", ["displayName"] = new string('x', 8000) };
        await Client.PostAsync("Users", body).AssertScimErrorAsync(413);
    }

    [Fact]
    public async Task Unknown_route_under_tenant_is_scim_404()
    {
        await Client.GetAsync("Widgets").AssertScimErrorAsync(404);
        await Client.GetAsync("Users/x/y").AssertScimErrorAsync(404);
    }

    [Fact]
    public async Task Me_is_501()
    {
        await Client.GetAsync("Me").AssertScimErrorAsync(501);
    }

    [Fact]
    public async Task Unsupported_method_is_405_with_allow()
    {
        var response = await Client.SendAsync(HttpMethod.Delete, "Users");
        await response.AssertScimErrorAsync(405);
        Assert.Contains("POST", response.Content.Headers.Allow);
        await Client.SendAsync(HttpMethod.Post, "ServiceProviderConfig", new JsonObject()).AssertScimErrorAsync(405);
    }

    [Fact]
    public async Task Paths_are_case_insensitive_and_unknown_query_parameters_ignored()
    {
        var response = await Client.GetAsync("users?aadOptscim062020");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("serviceproviderconfig")).StatusCode);
    }

    [Fact]
    public async Task ServiceProviderConfig_advertises_what_works()
    {
        var config = await Client.GetJsonAsync("ServiceProviderConfig");
        Assert.Equal("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig", config["schemas"]!.GetString(0));
        Assert.True(config["patch"]!.GetBoolean("supported"));
        Assert.True(config["filter"]!.GetBoolean("supported"));
        Assert.True(config["filter"]!.GetInt32("maxResults") > 0);
        Assert.True(config["etag"]!.GetBoolean("supported"));
        Assert.True(config["sort"]!.GetBoolean("supported"));
        // /Bulk is supported, with the limits it enforces (Limits:MaxBulkOperations, and this host's Limits:MaxBodyBytes).
        Assert.True(config["bulk"]!.GetBoolean("supported"));
        Assert.Equal(100, config["bulk"]!.GetInt32("maxOperations"));
        Assert.Equal(4096, config["bulk"]!.GetInt32("maxPayloadSize"));
        Assert.False(config["changePassword"]!.GetBoolean("supported"));
        Assert.Equal("oauthbearertoken", config.GetArray("authenticationSchemes")[0]!.GetString("type"));
    }

    [Fact]
    public async Task ResourceTypes_list_user_group_and_role()
    {
        var list = await Client.GetJsonAsync("ResourceTypes");
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:ListResponse", list["schemas"]!.GetString(0));
        Assert.Equal(3, list.GetInt32("totalResults"));
        Assert.Equal("/Roles", (await Client.GetJsonAsync("ResourceTypes/Role")).GetString("endpoint"));
        var user = await Client.GetJsonAsync("ResourceTypes/User");
        Assert.Equal("/Users", user.GetString("endpoint"));
        Assert.Equal("urn:ietf:params:scim:schemas:core:2.0:User", user.GetString("schema"));
        Assert.Equal("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", user.GetArray("schemaExtensions")[0]!.GetString("schema"));
        await Client.GetAsync("ResourceTypes/Nope").AssertScimErrorAsync(404);
    }

    [Fact]
    public async Task Schemas_describe_the_core_schemas()
    {
        var list = await Client.GetJsonAsync("Schemas");
        var ids = list.GetArray("Resources").Select(s => s!.Id()).ToList();
        Assert.Equal(
            ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group",
             "urn:ietf:params:scim:schemas:core:2.0:Role"],
            ids);
        var user = await Client.GetJsonAsync("Schemas/urn:ietf:params:scim:schemas:core:2.0:User");
        var userName = user.GetArray("attributes").Single(a => a!.GetString("name") == "userName")!;
        Assert.True(userName.GetBoolean("required"));
        Assert.Equal("server", userName.GetString("uniqueness"));
        Assert.False(userName.GetBoolean("caseExact"));
        var groups = user.GetArray("attributes").Single(a => a!.GetString("name") == "groups")!;
        Assert.Equal("readOnly", groups.GetString("mutability"));
        var password = user.GetArray("attributes").Single(a => a!.GetString("name") == "password")!;
        Assert.Equal("never", password.GetString("returned"));
        await Client.GetAsync("Schemas/urn:example:nope").AssertScimErrorAsync(404);
    }
}
