using System.Net;
using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Patching;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Tests.Patching;

internal static class PatchTestSupport
{
    public const string Enterprise = ScimUrns.EnterpriseUser;

    public static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    public static void JsonEqual(string expected, JsonNode? actual)
    {
        var e = JsonNode.Parse(expected);
        Assert.True(JsonNode.DeepEquals(e, actual), $"Expected: {e?.ToJsonString()}\nActual:   {actual?.ToJsonString()}");
    }

    /// <summary>A canonical stored user.</summary>
    public static JsonObject User() => Obj("""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
          "id": "u1",
          "userName": "alice@contoso.com",
          "active": true,
          "title": "Engineer",
          "name": { "givenName": "Alice", "familyName": "Smith" },
          "emails": [ { "value": "alice@contoso.com", "type": "work", "primary": true } ],
          "meta": { "resourceType": "User", "version": "W/\"1\"" }
        }
        """);

    public static JsonObject EnterpriseUser() => Obj("""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
          "id": "u1",
          "userName": "alice@contoso.com",
          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "department": "Sales", "manager": { "value": "m1" } }
        }
        """);

    public static JsonObject Group() => Obj("""
        { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1", "displayName": "Sales" }
        """);

    /// <summary>A PATCH request around an Operations array.</summary>
    public static JsonObject Ops(string operations) =>
        Obj($$"""{ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": {{operations}} }""");

    public static PatchOutcome PatchUser(JsonObject user, string operations) => PatchEngine.Apply(ScimSchemas.UserType, user, Ops(operations));

    public static PatchOutcome PatchGroup(string operations) => PatchEngine.Apply(ScimSchemas.GroupType, Group(), Ops(operations));

    public static void AssertScimError(string scimType, Action action)
    {
        var ex = Assert.Throws<ScimException>(action);
        Assert.Equal(HttpStatusCode.BadRequest, ex.Status);
        Assert.Equal(scimType, ex.ScimType);
    }
}
