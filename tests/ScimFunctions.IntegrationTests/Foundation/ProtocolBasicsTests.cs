using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ScimFunctions.IntegrationTests.Foundation;

/// <summary>Error mapping, content types, routing and discovery, over real HTTP.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProtocolBasicsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    ScimHost _host = null!;
    TenantClient _tenant = null!;

    public async Task InitializeAsync()
    {
        _host = await ScimHost.StartAsync(azurite, new Dictionary<string, string?> { ["Limits:MaxBodyBytes"] = "4096" });
        _tenant = await _host.CreateTenantAsync();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Get_without_accept_or_content_type_is_accepted()
    {
        // Entra's Test Connection sends neither header.
        var request = new HttpRequestMessage(HttpMethod.Get, _tenant.Path("Users?filter=userName eq \"" + Guid.NewGuid() + "\""));
        request.Headers.Accept.Clear();
        var response = await _tenant.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = await response.ReadJsonAsync();
        Assert.Equal(0, list["totalResults"]!.GetValue<int>());
        Assert.Empty(list["Resources"]!.AsArray());
    }

    [Theory]
    [InlineData("application/scim+json")]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/scim+json; charset=UTF-8")]
    public async Task Writes_accept_json_and_scim_json(string contentType)
    {
        var body = new JsonObject { ["userName"] = $"ct-{Guid.NewGuid():N}@example.com" };
        var request = new HttpRequestMessage(HttpMethod.Post, _tenant.Path("Users"))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var response = await _tenant.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/scim+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Other_content_types_are_415()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _tenant.Path("Users")) { Content = new StringContent("userName=x", Encoding.UTF8, "text/plain") };
        await (await _tenant.Http.SendAsync(request)).AssertScimErrorAsync(415);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    [InlineData("")]
    [InlineData("{\"userName\":\"a\",\"userName\":\"b\"}")]
    public async Task Malformed_json_is_400_invalidSyntax(string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _tenant.Path("Users")) { Content = new StringContent(body, Encoding.UTF8, "application/scim+json") };
        await (await _tenant.Http.SendAsync(request)).AssertScimErrorAsync(400, "invalidSyntax");
    }

    [Fact]
    public async Task Deep_json_is_400_invalidSyntax()
    {
        var body = "{\"userName\":\"deep\",\"x\":" + new string('[', 200) + new string(']', 200) + "}";
        var request = new HttpRequestMessage(HttpMethod.Post, _tenant.Path("Users")) { Content = new StringContent(body, Encoding.UTF8, "application/scim+json") };
        await (await _tenant.Http.SendAsync(request)).AssertScimErrorAsync(400, "invalidSyntax");
    }

    [Fact]
    public async Task Body_over_the_limit_is_413()
    {
        var body = new JsonObject { ["userName"] = "big", ["displayName"] = new string('x', 8000) };
        await (await _tenant.PostAsync("Users", body)).AssertScimErrorAsync(413);
    }

    [Fact]
    public async Task Unknown_route_under_tenant_is_scim_404()
    {
        await (await _tenant.GetAsync("Widgets")).AssertScimErrorAsync(404);
        await (await _tenant.GetAsync("Users/x/y")).AssertScimErrorAsync(404);
    }

    [Fact]
    public async Task Me_is_501()
    {
        await (await _tenant.GetAsync("Me")).AssertScimErrorAsync(501);
    }

    [Fact]
    public async Task Unsupported_method_is_405_with_allow()
    {
        var response = await _tenant.SendAsync(HttpMethod.Delete, "Users");
        await response.AssertScimErrorAsync(405);
        Assert.Contains("POST", response.Content.Headers.Allow);
        await (await _tenant.SendAsync(HttpMethod.Post, "ServiceProviderConfig", new JsonObject())).AssertScimErrorAsync(405);
    }

    [Fact]
    public async Task Paths_are_case_insensitive_and_unknown_query_parameters_ignored()
    {
        var response = await _tenant.GetAsync("users?aadOptscim062020");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _tenant.GetAsync("serviceproviderconfig")).StatusCode);
    }

    [Fact]
    public async Task ServiceProviderConfig_advertises_what_works()
    {
        var config = await (await _tenant.GetAsync("ServiceProviderConfig")).ReadJsonAsync();
        Assert.Equal("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig", config["schemas"]![0]!.GetValue<string>());
        Assert.True(config["patch"]!["supported"]!.GetValue<bool>());
        Assert.True(config["filter"]!["supported"]!.GetValue<bool>());
        Assert.True(config["filter"]!["maxResults"]!.GetValue<int>() > 0);
        Assert.True(config["etag"]!["supported"]!.GetValue<bool>());
        Assert.True(config["sort"]!["supported"]!.GetValue<bool>());
        Assert.False(config["bulk"]!["supported"]!.GetValue<bool>());
        Assert.False(config["changePassword"]!["supported"]!.GetValue<bool>());
        Assert.Equal("oauthbearertoken", config["authenticationSchemes"]![0]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task ResourceTypes_list_user_and_group()
    {
        var list = await (await _tenant.GetAsync("ResourceTypes")).ReadJsonAsync();
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:ListResponse", list["schemas"]![0]!.GetValue<string>());
        Assert.Equal(2, list["totalResults"]!.GetValue<int>());
        var user = await (await _tenant.GetAsync("ResourceTypes/User")).ReadJsonAsync();
        Assert.Equal("/Users", user["endpoint"]!.GetValue<string>());
        Assert.Equal("urn:ietf:params:scim:schemas:core:2.0:User", user["schema"]!.GetValue<string>());
        Assert.Equal("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", user["schemaExtensions"]![0]!["schema"]!.GetValue<string>());
        await (await _tenant.GetAsync("ResourceTypes/Nope")).AssertScimErrorAsync(404);
    }

    [Fact]
    public async Task Schemas_describe_the_core_schemas()
    {
        var list = await (await _tenant.GetAsync("Schemas")).ReadJsonAsync();
        var ids = list["Resources"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(
            ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group"],
            ids);
        var user = await (await _tenant.GetAsync("Schemas/urn:ietf:params:scim:schemas:core:2.0:User")).ReadJsonAsync();
        var userName = user["attributes"]!.AsArray().Single(a => a!["name"]!.GetValue<string>() == "userName")!;
        Assert.True(userName["required"]!.GetValue<bool>());
        Assert.Equal("server", userName["uniqueness"]!.GetValue<string>());
        Assert.False(userName["caseExact"]!.GetValue<bool>());
        var groups = user["attributes"]!.AsArray().Single(a => a!["name"]!.GetValue<string>() == "groups")!;
        Assert.Equal("readOnly", groups["mutability"]!.GetValue<string>());
        var password = user["attributes"]!.AsArray().Single(a => a!["name"]!.GetValue<string>() == "password")!;
        Assert.Equal("never", password["returned"]!.GetValue<string>());
        await (await _tenant.GetAsync("Schemas/urn:example:nope")).AssertScimErrorAsync(404);
    }
}
