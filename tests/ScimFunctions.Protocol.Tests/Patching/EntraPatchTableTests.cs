using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Patching;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;
using static ScimFunctions.Protocol.Tests.Patching.PatchTestSupport;

namespace ScimFunctions.Protocol.Tests.Patching;

/// <summary>One test per PATCH form Entra sends, with what we must do (the table the PATCH engine is written against).</summary>
public class EntraPatchTableTests
{
    [Theory]
    [InlineData("Replace", "\"CTO\"")]
    [InlineData("REPLACE", "\"CTO\"")]
    [InlineData("Add", "\"CTO\"")]
    [InlineData("add", "\"CTO\"")]
    [InlineData("Remove", null)]
    public void Op_Replace_Add_Remove_capitalised_is_matched_case_insensitively(string op, string? expectedTitle)
    {
        var value = op.Equals("remove", StringComparison.OrdinalIgnoreCase) ? "" : ", \"value\": \"CTO\"";
        var outcome = PatchUser(User(), $$"""[ { "op": "{{op}}", "path": "title"{{value}} } ]""");
        Assert.True(outcome.Changed);
        JsonEqual(expectedTitle ?? "null", outcome.Resource["title"]);
        Assert.Equal(expectedTitle is not null, outcome.Resource.ContainsKey("title"));
    }

    [Theory]
    [InlineData("\"False\"", false)]
    [InlineData("\"True\"", true)]
    [InlineData("\"FALSE\"", false)]
    [InlineData("\"true\"", true)]
    [InlineData("false", false)]
    public void Boolean_value_as_string_True_False_is_stored_as_a_real_boolean(string value, bool expected)
    {
        var withPath = PatchUser(User(), $$"""[ { "op": "Replace", "path": "active", "value": {{value}} } ]""");
        JsonEqual(expected ? "true" : "false", withPath.Resource["active"]);
        var pathless = PatchUser(User(), $$"""[ { "op": "Replace", "value": { "active": {{value}} } } ]""");
        JsonEqual(expected ? "true" : "false", pathless.Resource["active"]);
        Assert.Equal(!expected, withPath.Changed);
    }

    [Theory]
    [InlineData("\"yes\"")]
    [InlineData("\"0\"")]
    [InlineData("\"\"")]
    [InlineData("\" true\"")]
    [InlineData("1")]
    public void Boolean_value_that_is_another_string_is_rejected_with_invalidValue(string value) =>
        AssertScimError(ScimType.InvalidValue, () => PatchUser(User(), $$"""[ { "op": "Replace", "path": "active", "value": {{value}} } ]"""));

    [Theory]
    [InlineData("active", "false", "false")]
    [InlineData("title", "\"CTO\"", "\"CTO\"")]
    [InlineData("name.givenName", "\"Alicia\"", "\"Alicia\"")]
    public void Add_on_a_single_valued_attribute_is_treated_as_replace(string path, string value, string expected)
    {
        var outcome = PatchUser(User(), $$"""[ { "op": "Add", "path": "{{path}}", "value": {{value}} } ]""");
        Assert.True(outcome.Changed);
        var node = path.Contains('.') ? outcome.Resource["name"]!["givenName"] : outcome.Resource[path];
        JsonEqual(expected, node);
        if (path.Contains('.')) JsonEqual("\"Smith\"", outcome.Resource["name"]!["familyName"]);
    }

    [Fact]
    public void Remove_members_with_a_value_array_removes_only_those_members_and_never_clears_the_group()
    {
        var outcome = PatchGroup("""
            [ { "op": "Remove", "path": "members", "value": [ { "value": "u1" }, { "value": "u2" } ] } ]
            """);
        Assert.False(outcome.Members.ClearAll);
        Assert.Equal(["u1", "u2"], outcome.Members.Remove);
        Assert.Empty(outcome.Members.Add);
        Assert.False(outcome.Changed);
    }

    [Fact]
    public void Remove_members_with_a_single_value_object_or_an_empty_array_never_clears_the_group()
    {
        var single = PatchGroup("""[ { "op": "remove", "path": "members", "value": { "value": "u1" } } ]""");
        Assert.False(single.Members.ClearAll);
        Assert.Equal(["u1"], single.Members.Remove);

        var empty = PatchGroup("""[ { "op": "remove", "path": "members", "value": [] } ]""");
        Assert.True(empty.Members.IsEmpty);
    }

    [Theory]
    [InlineData("members[value eq \\\"u1\\\"]", new[] { "u1" })]
    [InlineData("Members[Value EQ \\\"u1\\\"]", new[] { "u1" })]
    [InlineData("members[value eq \\\"u1\\\" or value eq \\\"u2\\\"]", new[] { "u1", "u2" })]
    public void Remove_with_path_members_value_eq_id_removes_that_member(string path, string[] expected)
    {
        var outcome = PatchGroup($$"""[ { "op": "Remove", "path": "{{path}}" } ]""");
        Assert.False(outcome.Members.ClearAll);
        Assert.Equal(expected, outcome.Members.Remove);
        Assert.Empty(outcome.Members.Add);
    }

    [Fact]
    public void Add_of_members_that_are_already_members_succeeds_and_changes_nothing()
    {
        // The engine cannot see the rows; it hands the store an idempotent add (no clear, no removal)
        // and reports no document change. Entra re-sends the same ids: they collapse to one.
        var outcome = PatchGroup("""
            [ { "op": "Add", "path": "members", "value": [ { "value": "u1" }, { "value": "u1" } ] },
              { "op": "Add", "path": "members", "value": [ { "value": "u1" } ] } ]
            """);
        Assert.False(outcome.Changed);
        Assert.False(outcome.Members.ClearAll);
        Assert.Equal(["u1"], outcome.Members.Add);
        Assert.Empty(outcome.Members.Remove);
        JsonEqual(Group().ToJsonString(), outcome.Resource);
    }

    [Fact]
    public void Replace_with_no_path_and_value_keys_that_are_paths_resolves_each_key_as_a_path()
    {
        var outcome = PatchUser(User(), """
            [ { "op": "Replace", "value": {
                  "name.givenName": "Alicia",
                  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "701984",
                  "urn:ietf:params:scim:schemas:core:2.0:User:displayName": "Alicia Smith",
                  "emails[type eq \"work\"].value": "alicia@contoso.com" } } ]
            """);
        JsonEqual("""{ "givenName": "Alicia", "familyName": "Smith" }""", outcome.Resource["name"]);
        JsonEqual("""{ "employeeNumber": "701984" }""", outcome.Resource[Enterprise]);
        JsonEqual("\"Alicia Smith\"", outcome.Resource["displayName"]);
        JsonEqual("""[ { "value": "alicia@contoso.com", "type": "work", "primary": true } ]""", outcome.Resource["emails"]);
        JsonEqual($"""["{ScimUrns.User}", "{Enterprise}"]""", outcome.Resource["schemas"]);
    }

    [Theory]
    [InlineData("Replace", "emails[type eq \\\"home\\\"].value", "\"alice@home.example\"", "emails", """{ "type": "home", "value": "alice@home.example" }""")]
    [InlineData("Add", "emails[type eq \\\"home\\\"].value", "\"alice@home.example\"", "emails", """{ "type": "home", "value": "alice@home.example" }""")]
    [InlineData("Replace", "phoneNumbers[type eq \\\"mobile\\\"].value", "\"55555555555\"", "phoneNumbers", """{ "type": "mobile", "value": "55555555555" }""")]
    [InlineData("Add", "phoneNumbers[type eq \\\"mobile\\\"].value", "55555555555", "phoneNumbers", """{ "type": "mobile", "value": "55555555555" }""")]
    [InlineData("Replace", "addresses[type eq \\\"work\\\"].postalCode", "\"98052\"", "addresses", """{ "type": "work", "postalCode": "98052" }""")]
    [InlineData("Add", "addresses[type eq \\\"work\\\"].streetAddress", "\"1 Microsoft Way\"", "addresses", """{ "type": "work", "streetAddress": "1 Microsoft Way" }""")]
    public void Replace_or_add_on_a_value_path_with_no_element_of_that_type_creates_the_element(
        string op, string path, string value, string attribute, string expectedElement)
    {
        var user = User();
        var outcome = PatchUser(user, $$"""[ { "op": "{{op}}", "path": "{{path}}", "value": {{value}} } ]""");
        var array = Assert.IsType<JsonArray>(outcome.Resource[attribute]);
        JsonEqual(expectedElement, array[^1]);
        if (attribute == "emails") JsonEqual(user["emails"]![0]!.ToJsonString(), array[0]);
        Assert.True(outcome.Changed);
    }

    [Theory]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "\"m2\"")]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", """{ "value": "m2" }""")]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", """[ { "value": "m2" } ]""")]
    [InlineData("manager", "\"m2\"")]
    [InlineData("manager", """{ "value": "m2", "$ref": "../Users/m2", "displayName": "Bob" }""")]
    [InlineData("manager", """[ { "value": "m2" } ]""")]
    public void Manager_as_bare_string_value_object_or_one_element_array_is_stored_as_value_object_in_the_extension(string path, string value)
    {
        foreach (var op in new[] { "Replace", "Add" })
        {
            foreach (var user in new[] { User(), EnterpriseUser() })
            {
                var outcome = PatchUser(user, $$"""[ { "op": "{{op}}", "path": "{{path}}", "value": {{value}} } ]""");
                JsonEqual("""{ "value": "m2" }""", outcome.Resource[Enterprise]!["manager"]);
                Assert.Contains(Enterprise, outcome.Resource["schemas"]!.AsArray().Select(n => (string)n!));
                Assert.False(outcome.Resource.ContainsKey("manager"));
            }
        }
    }

    [Theory]
    [InlineData("manager[value eq \\\"m1\\\"]", false)]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq \\\"m1\\\"]", false)]
    [InlineData("manager[value eq \\\"other\\\"]", true)]
    [InlineData("manager[value eq \\\"M1\\\"]", true)] // manager.value is caseExact
    public void Manager_removal_as_manager_value_eq_id_removes_it_only_when_the_id_matches(string path, bool kept)
    {
        var outcome = PatchUser(EnterpriseUser(), $$"""[ { "op": "Remove", "path": "{{path}}" } ]""");
        Assert.Equal(kept, outcome.Resource[Enterprise]!.AsObject().ContainsKey("manager"));
        Assert.Equal(!kept, outcome.Changed);
        JsonEqual("\"Sales\"", outcome.Resource[Enterprise]!["department"]);
    }

    [Theory]
    [InlineData("title", """[ { "value": "CTO" } ]""")]
    [InlineData("title", """{ "value": "CTO" }""")]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", """[ { "value": "CTO" } ]""")]
    public void Simple_attribute_value_wrapped_as_value_array_is_accepted_as_the_plain_value(string path, string value)
    {
        var outcome = PatchUser(User(), $$"""[ { "op": "Replace", "path": "{{path}}", "value": {{value}} } ]""");
        var node = path == "title" ? outcome.Resource["title"] : outcome.Resource[Enterprise]!["department"];
        JsonEqual("\"CTO\"", node);
    }

    [Fact]
    public void Roles_items_whose_value_is_a_JSON_encoded_string_are_stored_as_sent()
    {
        const string encoded = """{\"id\":\"8a3b\",\"value\":\"Admin\",\"displayName\":\"Administrator\"}""";
        var outcome = PatchUser(User(), $$"""
            [ { "op": "Add", "path": "roles", "value": [ { "primary": "False", "type": "WindowsAzureActiveDirectoryRole", "value": "{{encoded}}" } ] } ]
            """);
        JsonEqual($$"""[ { "primary": false, "type": "WindowsAzureActiveDirectoryRole", "value": "{{encoded}}" } ]""", outcome.Resource["roles"]);
        Assert.Equal("""{"id":"8a3b","value":"Admin","displayName":"Administrator"}""", (string)outcome.Resource["roles"]![0]!["value"]!);
    }

    [Fact]
    public void Empty_Operations_array_is_a_200_no_op()
    {
        var user = User();
        var outcome = PatchEngine.Apply(ScimSchemas.UserType, user, Obj("""{ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [] }"""));
        Assert.False(outcome.Changed);
        Assert.True(outcome.Members.IsEmpty);
        JsonEqual(User().ToJsonString(), outcome.Resource);
    }

    [Fact]
    public void Schemas_with_the_ADSCIM_group_URN_or_a_malformed_enterprise_URN_are_tolerated_when_they_carry_no_data()
    {
        var group = ResourceNormalizer.Normalize(ScimSchemas.GroupType, Obj("""
            { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
              "displayName": "Sales", "externalId": "e1" }
            """));
        JsonEqual("""{ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales", "externalId": "e1" }""", group.Document);

        var user = ResourceNormalizer.Normalize(ScimSchemas.UserType, Obj("""
            { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:"],
              "userName": "a@b" }
            """));
        JsonEqual("""{ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a@b" }""", user.Document);

        // The same URN as a path-less PATCH key is skipped, not an error.
        var patched = PatchEngine.Apply(ScimSchemas.GroupType, Group(), Ops("""
            [ { "op": "replace", "value": { "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group": { "x": 1 }, "displayName": "Sales EU" } } ]
            """));
        JsonEqual("""{ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1", "displayName": "Sales EU" }""", patched.Resource);
    }
}
