using System.Net.Http.Headers;

namespace ScimFunctions.IntegrationTests.Foundation;

[Collection(AzuriteCollection.Name)]
public sealed class AuthenticationTests(AzuriteFixture azurite) : TenantTestBase(azurite)
{
    Task<HttpResponseMessage> GetWith(AuthenticationHeaderValue? auth, string? path = null, string? tenant = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/scim/v2/{tenant ?? Client.Tenant}/{path ?? "ServiceProviderConfig"}");
        request.Headers.Authorization = auth;
        return new HttpClient { BaseAddress = Host.Origin }.SendAsync(request);
    }

    [Fact]
    public async Task Valid_token_is_accepted()
    {
        var response = await GetWith(new AuthenticationHeaderValue("Bearer", Client.Token));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/scim+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Bearer_scheme_is_case_insensitive()
    {
        var response = await GetWith(new AuthenticationHeaderValue("bearer", Client.Token));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Missing_token_is_401_with_challenge()
    {
        var response = await GetWith(null);
        await response.AssertScimErrorAsync(401);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("Basic", "dXNlcjpwYXNz")]
    [InlineData("Bearer", "not-a-token")]
    [InlineData("Bearer", "scimf_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Malformed_or_wrong_token_is_401(string scheme, string value)
    {
        var response = await GetWith(new AuthenticationHeaderValue(scheme, value));
        await response.AssertScimErrorAsync(401);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task Another_tenants_token_is_401()
    {
        var other = await Host.CreateTenantAsync();
        var response = await GetWith(new AuthenticationHeaderValue("Bearer", other.Token));
        await response.AssertScimErrorAsync(401);
        var ownResponse = await GetWith(new AuthenticationHeaderValue("Bearer", other.Token), tenant: other.Tenant);
        Assert.Equal(HttpStatusCode.OK, ownResponse.StatusCode);
    }

    [Theory]
    [InlineData("UPPER")]
    [InlineData("bad_tenant")]
    [InlineData("-leading")]
    [InlineData("no-such-tenant")]
    public async Task Invalid_or_unknown_tenant_is_401(string tenant)
    {
        var response = await GetWith(new AuthenticationHeaderValue("Bearer", Client.Token), tenant: tenant);
        await response.AssertScimErrorAsync(401);
    }

    [Fact]
    public async Task Every_route_requires_the_token()
    {
        foreach (var path in new[] { "Users", "Groups", "Schemas", "ResourceTypes", "Users/0190d8d4-0000-7000-8000-000000000000", "Nope" })
        {
            var response = await GetWith(null, path);
            await response.AssertScimErrorAsync(401);
        }
    }

    [Fact]
    public async Task Rotated_token_stops_working_on_this_instance()
    {
        var tenant = await Host.CreateTenantAsync();
        var tokens = Host.Services.GetService(typeof(ScimFunctions.Storage.Tokens.TokenService)) as ScimFunctions.Storage.Tokens.TokenService;
        var rotated = await tokens!.IssueAsync(tenant.Tenant, null, null, CancellationToken.None);
        await GetWith(new AuthenticationHeaderValue("Bearer", tenant.Token), tenant: tenant.Tenant).AssertScimErrorAsync(401);
        Assert.Equal(HttpStatusCode.OK, (await GetWith(new AuthenticationHeaderValue("Bearer", rotated.Token), tenant: tenant.Tenant)).StatusCode);
    }
}
