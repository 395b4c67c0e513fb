using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Patching;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Tests.Resources;

/// <summary>Values too long to store are the client's error (400 naming the attribute and the limit),
/// found before storage; manager values are ids, never paths or URLs.</summary>
public sealed class ValueLimitTests
{
    const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    [Theory]
    [InlineData("userName", ResourceNormalizer.MaxIdentifierLength)]
    [InlineData("externalId", ResourceNormalizer.MaxIdentifierLength)]
    [InlineData("title", ResourceNormalizer.MaxStringLength)]
    public void A_user_value_past_its_limit_is_400_naming_attribute_and_limit(string attribute, int limit)
    {
        var body = new JsonObject { ["userName"] = "u@contoso.test", [attribute] = new string('x', limit) };
        ResourceNormalizer.Normalize(ScimSchemas.UserType, body);
        body[attribute] = new string('x', limit + 1);
        var e = Assert.Throws<ScimException>(() => ResourceNormalizer.Normalize(ScimSchemas.UserType, body));
        Assert.Equal(ScimType.InvalidValue, e.ScimType);
        Assert.Contains($"'{attribute}'", e.Detail, StringComparison.Ordinal);
        Assert.Contains(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reported_32700_character_names_are_400_on_create_and_patch()
    {
        var name = new string('n', 32_700);
        var group = Assert.Throws<ScimException>(() => ResourceNormalizer.Normalize(ScimSchemas.GroupType, new JsonObject { ["displayName"] = name }));
        Assert.Contains("'displayName'", group.Detail, StringComparison.Ordinal);
        var user = ResourceNormalizer.Normalize(ScimSchemas.UserType, new JsonObject { ["userName"] = "u@contoso.test" }).Document;
        var patch = new JsonObject { ["Operations"] = new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "userName", ["value"] = name }) };
        var e = Assert.Throws<ScimException>(() => PatchEngine.Apply(ScimSchemas.UserType, user, patch));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, e.Status);
        Assert.Contains("'userName'", e.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../other-tenant/Users/x")]
    [InlineData("https://evil.test/x")]
    [InlineData("a b")]
    [InlineData("..")]
    [InlineData("id?x=1")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789")]
    public void A_manager_that_is_not_an_id_is_400(string value)
    {
        var body = new JsonObject { ["userName"] = "u@contoso.test", [Enterprise] = new JsonObject { ["manager"] = new JsonObject { ["value"] = value } } };
        var e = Assert.Throws<ScimException>(() => ResourceNormalizer.Normalize(ScimSchemas.UserType, body));
        Assert.Equal(ScimType.InvalidValue, e.ScimType);
        Assert.Contains("manager", e.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0193a7c2-5b1e-7c3d-8e4f-0123456789ab")]
    [InlineData("m9")]
    [InlineData("emp_42.a")]
    public void A_manager_id_is_kept(string value)
    {
        var body = new JsonObject { ["userName"] = "u@contoso.test", [Enterprise] = new JsonObject { ["manager"] = value } };
        var document = ResourceNormalizer.Normalize(ScimSchemas.UserType, body).Document;
        Assert.Equal(value, document[Enterprise]!["manager"]!["value"]!.GetValue<string>());
    }
}
