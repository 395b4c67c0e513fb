using System.Net;
using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Filtering;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Tests.Resources;

public class ResourceNormalizerTests
{
    const string Core = ScimUrns.User;
    const string Enterprise = ScimUrns.EnterpriseUser;

    static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    static JsonObject User(string json) => ResourceNormalizer.Normalize(ScimSchemas.UserType, Obj(json)).Document;

    static void JsonEqual(string expected, JsonNode? actual)
    {
        var e = JsonNode.Parse(expected);
        Assert.True(JsonNode.DeepEquals(e, actual), $"Expected: {e?.ToJsonString()}\nActual:   {actual?.ToJsonString()}");
    }

    static void Invalid(string json, ResourceTypeDefinition? type = null)
    {
        var ex = Assert.Throws<ScimException>(() => ResourceNormalizer.Normalize(type ?? ScimSchemas.UserType, Obj(json)));
        Assert.Equal(HttpStatusCode.BadRequest, ex.Status);
        Assert.Equal(ScimType.InvalidValue, ex.ScimType);
    }

    [Fact]
    public void Keys_take_the_schema_casing()
    {
        var doc = User("""
            { "USERNAME": "alice", "Name": { "GIVENNAME": "Alice" }, "EMAILS": [ { "VALUE": "a@b", "Type": "work" } ], "externalid": "e1",
              "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": { "Department": "Sales" } }
            """);
        JsonEqual($$"""
            { "schemas": ["{{Core}}", "{{Enterprise}}"], "userName": "alice", "name": { "givenName": "Alice" },
              "emails": [ { "value": "a@b", "type": "work" } ], "externalId": "e1", "{{Enterprise}}": { "department": "Sales" } }
            """, doc);
    }

    [Fact]
    public void Nulls_and_empty_arrays_are_absent()
    {
        var doc = User("""{ "userName": "a", "title": null, "roles": [], "emails": [ null ], "name": { "givenName": null }, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": null }""");
        JsonEqual($$"""{ "schemas": ["{{Core}}"], "userName": "a" }""", doc);
    }

    [Fact]
    public void ReadOnly_data_unknown_attributes_and_password_are_dropped()
    {
        var doc = User("""
            { "id": "client-id", "meta": { "created": "2020-01-01T00:00:00Z" }, "groups": [ { "value": "g1" } ], "userName": "a",
              "password": "Secret1!", "nosuch": 1, "name": { "givenName": "A", "nosuch": "x" } }
            """);
        JsonEqual($$"""{ "schemas": ["{{Core}}"], "userName": "a", "name": { "givenName": "A" } }""", doc);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("\"True\"", true)]
    [InlineData("\"FALSE\"", false)]
    [InlineData("\"false\"", false)]
    public void Booleans_accept_JSON_booleans_and_true_false_strings_in_any_case(string value, bool expected)
    {
        var doc = User($$"""{ "userName": "a", "active": {{value}}, "emails": [ { "value": "a@b", "primary": {{value}} } ] }""");
        JsonEqual(expected ? "true" : "false", doc["active"]);
        JsonEqual(expected ? "true" : "false", doc["emails"]![0]!["primary"]);
    }

    [Theory]
    [InlineData("\"yes\"")]
    [InlineData("\"1\"")]
    [InlineData("0")]
    [InlineData("\"\"")]
    public void Other_boolean_strings_are_invalidValue(string value) => Invalid($$"""{ "userName": "a", "active": {{value}} }""");

    [Fact]
    public void Values_are_kept_exactly_as_sent()
    {
        var doc = User("""
            { "userName": "a", "phoneNumbers": [ { "value": 55555555555, "type": "work" }, { "value": "55555555555" }, { "value": "+1 (555) 555-5555" } ],
              "title": "  Spaced  ", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "employeeNumber": 00701984e0 } }
            """.Replace("00701984e0", "701984"));
        JsonEqual("""[ { "value": "55555555555", "type": "work" }, { "value": "55555555555" }, { "value": "+1 (555) 555-5555" } ]""", doc["phoneNumbers"]);
        JsonEqual("\"  Spaced  \"", doc["title"]);
        JsonEqual("\"701984\"", doc[Enterprise]!["employeeNumber"]);
    }

    [Fact]
    public void Simple_values_wrapped_in_value_objects_are_unwrapped()
    {
        var doc = User("""{ "userName": [ { "value": "a" } ], "title": { "value": "CTO" }, "active": [ { "value": "True" } ] }""");
        JsonEqual($$"""{ "schemas": ["{{Core}}"], "userName": "a", "title": "CTO", "active": true }""", doc);
    }

    [Fact]
    public void A_single_object_for_a_multi_valued_attribute_becomes_a_one_element_array()
    {
        var doc = User("""{ "userName": "a", "emails": { "value": "a@b", "type": "work" } }""");
        JsonEqual("""[ { "value": "a@b", "type": "work" } ]""", doc["emails"]);
    }

    [Theory]
    [InlineData("""{ "userName": "a", "name": "Alice Smith" }""")]
    [InlineData("""{ "userName": "a", "emails": [ "a@b" ] }""")]
    [InlineData("""{ "userName": "a", "title": { "text": "CTO" } }""")]
    [InlineData("""{ "userName": "a", "title": [ "a", "b" ] }""")]
    [InlineData("""{ "userName": "a", "title": true }""")]
    [InlineData("""{ "userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "Sales" }""")]
    public void Shape_mismatches_are_invalidValue(string json) => Invalid(json);

    [Theory]
    [InlineData("\"m1\"")]
    [InlineData("""{ "value": "m1" }""")]
    [InlineData("""{ "value": "m1", "$ref": "https://x/Users/m1", "displayName": "Bob" }""")]
    [InlineData("""[ { "value": "m1" } ]""")]
    public void Manager_shapes_are_stored_as_a_value_object(string manager)
    {
        var nested = User($$"""{ "userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "manager": {{manager}} } }""");
        JsonEqual("""{ "manager": { "value": "m1" } }""", nested[Enterprise]);
        var qualified = User($$"""{ "userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": {{manager}} }""");
        JsonEqual("""{ "manager": { "value": "m1" } }""", qualified[Enterprise]);
    }

    [Fact]
    public void Empty_manager_is_absent()
    {
        var doc = User("""{ "userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "manager": { "value": "" } } }""");
        Assert.False(doc.ContainsKey(Enterprise));
        JsonEqual($"""["{Core}"]""", doc["schemas"]);
    }

    [Fact]
    public void Declared_extension_keeps_unknown_attributes_as_sent_and_canonicalises_known_ones()
    {
        var doc = User("""
            { "userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "COSTCENTER": "42", "customField": { "x": [1, "2"] } } }
            """);
        JsonEqual("""{ "costCenter": "42", "customField": { "x": [1, "2"] } }""", doc[Enterprise]);
    }

    [Fact]
    public void Top_level_full_urn_paths_move_into_the_extension_object()
    {
        var doc = User("""
            { "userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "division": "EMEA" },
              "urn:ietf:params:scim:schemas:core:2.0:User:title": "CTO" }
            """);
        JsonEqual($$"""
            { "schemas": ["{{Core}}", "{{Enterprise}}"], "userName": "a", "{{Enterprise}}": { "department": "Sales", "division": "EMEA" }, "title": "CTO" }
            """, doc);
    }

    [Fact]
    public void Undeclared_extension_urn_keys_are_dropped()
    {
        var doc = User("""
            { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:custom:2.0:User"], "userName": "a",
              "urn:example:custom:2.0:User": { "x": 1 }, "urn:example:custom:2.0:User:y": 2 }
            """);
        JsonEqual($$"""{ "schemas": ["{{Core}}"], "userName": "a" }""", doc);
    }

    [Theory]
    [InlineData("""["urn:ietf:params:scim:schemas:core:2.0:Group"]""")]
    [InlineData("""[]""")]
    [InlineData("\"urn:ietf:params:scim:schemas:core:2.0:User\"")]
    public void Schemas_without_the_core_urn_are_tolerated_and_rebuilt(string schemas)
    {
        // Choice: the client's list is never trusted; it is rebuilt from the data kept.
        var doc = User($$"""{ "schemas": {{schemas}}, "userName": "a" }""");
        JsonEqual($$"""{ "schemas": ["{{Core}}"], "userName": "a" }""", doc);
    }

    [Fact]
    public void Two_primary_values_are_invalidValue() =>
        Invalid("""{ "userName": "a", "emails": [ { "value": "a@b", "primary": true }, { "value": "c@d", "primary": "True" } ] }""");

    [Theory]
    [InlineData("""{ "displayName": "A" }""")]
    [InlineData("""{ "userName": "" }""")]
    [InlineData("""{ "userName": null }""")]
    [InlineData("""{ "urn:ietf:params:scim:schemas:core:2.0:User:userName": "" }""")]
    public void Missing_userName_is_invalidValue(string json) => Invalid(json);

    [Fact]
    public void Missing_group_displayName_is_invalidValue() => Invalid("""{ "members": [] }""", ScimSchemas.GroupType);

    [Fact]
    public void Group_members_are_returned_as_ids_and_never_kept_in_the_document()
    {
        var result = ResourceNormalizer.Normalize(ScimSchemas.GroupType, Obj("""
            { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
              "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group": { "x": 1 },
              "displayName": "Sales", "members": [ { "value": "u1", "display": "Alice" }, { "value": "u2", "$ref": "../Users/u2" }, { "value": "u1" } ] }
            """));
        Assert.Equal(["u1", "u2"], result.MemberIds);
        JsonEqual($$"""{ "schemas": ["{{ScimUrns.Group}}"], "displayName": "Sales" }""", result.Document);
    }

    [Theory]
    [InlineData("""{ "displayName": "Sales" }""", null)]
    [InlineData("""{ "displayName": "Sales", "members": [] }""", 0)]
    [InlineData("""{ "displayName": "Sales", "members": null }""", 0)]
    [InlineData("""{ "displayName": "Sales", "Members": { "value": "u1" } }""", 1)]
    public void Member_ids_are_null_only_when_the_key_is_absent(string json, int? count)
    {
        var result = ResourceNormalizer.Normalize(ScimSchemas.GroupType, Obj(json));
        Assert.Equal(count, result.MemberIds?.Count);
    }

    [Theory]
    [InlineData("""[ { "value": 12 } ]""")]
    [InlineData("""[ { "value": "" } ]""")]
    [InlineData("""[ "u1" ]""")]
    public void Invalid_member_ids_are_invalidValue(string members) =>
        Invalid($$"""{ "displayName": "Sales", "members": {{members}} }""", ScimSchemas.GroupType);

    [Fact]
    public void Members_are_not_a_user_attribute()
    {
        var doc = User("""{ "userName": "a", "members": [ { "value": "x" } ] }""");
        Assert.False(doc.ContainsKey("members"));
    }

    [Fact]
    public void Unqualified_extension_attribute_names_resolve_to_the_extension()
    {
        var doc = User("""{ "userName": "a", "department": "Sales", "manager": "m1" }""");
        JsonEqual("""{ "department": "Sales", "manager": { "value": "m1" } }""", doc[Enterprise]);
    }

    [Fact]
    public void Input_body_is_not_modified()
    {
        var body = Obj("""{ "userName": "a", "emails": { "value": "a@b" }, "active": "True" }""");
        var before = body.ToJsonString();
        ResourceNormalizer.Normalize(ScimSchemas.UserType, body);
        Assert.Equal(before, body.ToJsonString());
    }

    [Theory]
    [InlineData("active", null, "\"False\"", "false")]
    [InlineData("title", null, """[ { "value": "CTO" } ]""", "\"CTO\"")]
    [InlineData("emails", null, """{ "value": "a@b" }""", """[ { "value": "a@b" } ]""")]
    [InlineData("emails", null, "[]", "null")]
    [InlineData("name", "givenName", "7", "\"7\"")]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", null, "\"m1\"", """{ "value": "m1" }""")]
    public void NormalizeValue_normalises_a_value_at_a_path(string attribute, string? sub, string value, string expected)
    {
        var path = AttributeResolver.ParsePath(attribute) with { SubAttribute = sub };
        var resolved = AttributeResolver.Resolve(ScimSchemas.UserType, path)!;
        JsonEqual(expected, ResourceNormalizer.NormalizeValue(ScimSchemas.UserType, resolved, JsonNode.Parse(value)));
    }
}
