using System.Text.Json;

namespace ScimFunctions.Protocol.Tests;

/// <summary>The tenant id is checked once, when it is made: what a slug is, and what the Tenant URL looks like.</summary>
public class TenantIdTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("contoso")]
    [InlineData("contoso-eu-1")]
    [InlineData("0")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0")]   // 63 characters
    public void Slugs_parse_and_keep_their_text(string text)
    {
        Assert.True(TenantId.TryParse(text, out var tenant));
        Assert.Equal(text, tenant.Value);
        Assert.Equal(TenantId.Parse(text), tenant);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Contoso")]
    [InlineData("-contoso")]
    [InlineData("contoso-")]
    [InlineData("con toso")]
    [InlineData("con/toso")]
    [InlineData("contoso%2F..")]
    [InlineData("conto\u0455o")]   // Cyrillic dze: looks like an s
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01")]  // 64 characters
    public void Anything_else_is_refused(string? text)
    {
        Assert.False(TenantId.TryParse(text, out var tenant));
        Assert.Equal(default, tenant);
        Assert.Throws<FormatException>(() => TenantId.Parse(text));
    }

    [Fact]
    public void An_unparsed_default_has_no_value()
    {
        Assert.Throws<InvalidOperationException>(() => default(TenantId).Value);
    }

    [Fact]
    public void Json_is_the_text_and_reading_it_parses()
    {
        var tenant = TenantId.Parse("contoso");
        Assert.Equal("{\"tenant\":\"contoso\"}", JsonSerializer.Serialize(new { tenant }));
        Assert.Equal(tenant, JsonSerializer.Deserialize<TenantId>("\"contoso\""));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<TenantId>("\"Not A Slug\""));
    }

    [Theory]
    [InlineData("https://scim.example.com", "https://scim.example.com/scim/v2/contoso")]
    [InlineData("https://scim.example.com/", "https://scim.example.com/scim/v2/contoso")]
    [InlineData("http://127.0.0.1:7071/base", "http://127.0.0.1:7071/base/scim/v2/contoso")]
    public void Tenant_url_is_origin_then_the_route_prefix(string origin, string expected)
    {
        Assert.Equal(expected, ScimRoutes.TenantUrl(origin, TenantId.Parse("contoso")));
        Assert.Equal("/scim/v2/contoso", ScimRoutes.TenantPath(TenantId.Parse("contoso")));
    }
}
