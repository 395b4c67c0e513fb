using ScimFunctions.Admin;

namespace ScimFunctions.IntegrationTests.Portal;

/// <summary><c>scim-admin portal …</c> against Azurite and the running host: the printed link opens the page.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PortalCliTests(AzuriteFixture azurite) : HostTestBase(azurite)
{
    async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AdminCli.RunAsync([.. args, .. StorageArgs, "--base-url", Host.Origin.ToString()], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task A_printed_link_opens_the_tenants_page_until_it_is_revoked()
    {
        var tenant = (await Host.CreateTenantAsync()).Tenant.Value;
        var made = await RunAsync("portal", "link", tenant, "--expires-in", "2h", "--json");
        Assert.Equal(0, made.Exit);
        var link = JsonNode.Parse(made.Out)!;
        var url = link.GetString("url");
        Assert.StartsWith(new Uri(Host.Origin, $"/scim/portal/{tenant}/open/").ToString(), url);
        var expires = DateTimeOffset.Parse(link.GetString("expires"), CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(119), TimeSpan.FromMinutes(121));

        using var client = new HttpClient();
        var opened = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        var cookie = opened.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"path=/scim/portal/{tenant}", cookie, StringComparison.OrdinalIgnoreCase);

        var list = await RunAsync("portal", "list", tenant);
        Assert.Contains(link.GetString("id"), list.Out);
        Assert.Contains("Active", list.Out);
        Assert.DoesNotContain(url, list.Out);

        Assert.Equal(0, (await RunAsync("portal", "revoke", tenant, "--id", link.GetString("id"))).Exit);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(url)).StatusCode);
        Assert.Equal(1, (await RunAsync("portal", "revoke", tenant, "--id", "0000000000000000")).Exit);
    }

    [Theory]
    [InlineData("soon", 2)]
    [InlineData("25h", 2)]
    public async Task Bad_lifetimes_are_refused_with_the_documented_exit_code(string expiresIn, int exit)
    {
        var tenant = (await Host.CreateTenantAsync()).Tenant.Value;
        var run = await RunAsync("portal", "link", tenant, "--expires-in", expiresIn);
        Assert.Equal(exit, run.Exit);
        Assert.NotEmpty(run.Err);
    }

    [Fact]
    public async Task Rotating_the_key_with_retire_previous_refuses_earlier_links()
    {
        var tenant = (await Host.CreateTenantAsync()).Tenant.Value;
        var url = JsonNode.Parse((await RunAsync("portal", "link", tenant, "--json")).Out)!.GetString("url");
        Assert.Equal(0, (await RunAsync("portal", "rotate-key", "--retire-previous")).Exit);
        // The host's key cache is the other instance here: it re-reads on the unknown key, then refuses the retired one.
        using var client = new HttpClient();
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(url)).StatusCode);
        var fresh = JsonNode.Parse((await RunAsync("portal", "link", tenant, "--json")).Out)!.GetString("url");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(fresh)).StatusCode);
    }
}
