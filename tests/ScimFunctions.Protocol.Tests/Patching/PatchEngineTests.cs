using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Patching;
using ScimFunctions.Protocol.Schema;
using static ScimFunctions.Protocol.Tests.Patching.PatchTestSupport;

namespace ScimFunctions.Protocol.Tests.Patching;

/// <summary>RFC 7644 §3.5.2 semantics.</summary>
public class PatchEngineTests
{
    // ---- add ----

    [Fact]
    public void Add_without_path_merges_the_value_object()
    {
        var outcome = PatchUser(User(), """
            [ { "op": "add", "value": { "nickName": "Al", "emails": [ { "value": "al@home.example", "type": "home" } ],
                                         "name": { "middleName": "J" } } } ]
            """);
        JsonEqual("\"Al\"", outcome.Resource["nickName"]);
        JsonEqual("""
            [ { "value": "alice@contoso.com", "type": "work", "primary": true }, { "value": "al@home.example", "type": "home" } ]
            """, outcome.Resource["emails"]);
        JsonEqual("""{ "givenName": "Alice", "familyName": "Smith", "middleName": "J" }""", outcome.Resource["name"]);
    }

    [Fact]
    public void Add_to_a_multi_valued_attribute_appends_and_skips_exact_duplicates()
    {
        var outcome = PatchUser(User(), """
            [ { "op": "add", "path": "emails", "value": [ { "value": "alice@contoso.com", "type": "work", "primary": true },
                                                          { "value": "a2@contoso.com", "type": "other" } ] },
              { "op": "add", "path": "emails", "value": { "value": "a2@contoso.com", "type": "other" } } ]
            """);
        Assert.Equal(2, outcome.Resource["emails"]!.AsArray().Count);
        JsonEqual("""{ "value": "a2@contoso.com", "type": "other" }""", outcome.Resource["emails"]![1]);
    }

    [Fact]
    public void Add_of_an_exact_duplicate_changes_nothing()
    {
        var outcome = PatchUser(User(), """
            [ { "op": "add", "path": "emails", "value": [ { "value": "alice@contoso.com", "type": "work", "primary": true } ] } ]
            """);
        Assert.False(outcome.Changed);
    }

    [Fact]
    public void Add_to_an_absent_multi_valued_attribute_creates_it()
    {
        var outcome = PatchUser(User(), """[ { "op": "add", "path": "phoneNumbers", "value": [ { "value": "55555555555", "type": "work" } ] } ]""");
        JsonEqual("""[ { "value": "55555555555", "type": "work" } ]""", outcome.Resource["phoneNumbers"]);
    }

    [Fact]
    public void Add_of_a_primary_value_clears_the_other_primary()
    {
        var outcome = PatchUser(User(), """
            [ { "op": "add", "path": "emails", "value": [ { "value": "a2@contoso.com", "type": "home", "primary": "True" } ] } ]
            """);
        JsonEqual("""
            [ { "value": "alice@contoso.com", "type": "work", "primary": false }, { "value": "a2@contoso.com", "type": "home", "primary": true } ]
            """, outcome.Resource["emails"]);
    }

    [Fact]
    public void Replace_of_a_sub_attribute_primary_clears_the_other_primary()
    {
        var user = User();
        user["emails"]!.AsArray().Add(Obj("""{ "value": "a@home.example", "type": "home" }"""));
        var outcome = PatchUser(user, """[ { "op": "replace", "path": "emails[type eq \"home\"].primary", "value": true } ]""");
        JsonEqual("""
            [ { "value": "alice@contoso.com", "type": "work", "primary": false }, { "value": "a@home.example", "type": "home", "primary": true } ]
            """, outcome.Resource["emails"]);
    }

    [Fact]
    public void Two_primary_values_in_one_value_are_invalidValue() =>
        AssertScimError(ScimType.InvalidValue, () => PatchUser(User(), """
            [ { "op": "replace", "path": "emails", "value": [ { "value": "a@x", "primary": true }, { "value": "b@x", "primary": true } ] } ]
            """));

    [Fact]
    public void Setting_primary_on_several_matched_values_is_invalidValue()
    {
        var user = User();
        user["emails"]!.AsArray().Add(Obj("""{ "value": "a2@contoso.com", "type": "work" }"""));
        AssertScimError(ScimType.InvalidValue, () => PatchUser(user, """[ { "op": "replace", "path": "emails[type eq \"work\"].primary", "value": true } ]"""));
    }

    [Fact]
    public void Add_with_a_value_path_that_matches_sets_the_sub_attribute_of_the_match()
    {
        var outcome = PatchUser(User(), """[ { "op": "add", "path": "emails[type eq \"work\"].display", "value": "Work" } ]""");
        JsonEqual("""[ { "value": "alice@contoso.com", "type": "work", "primary": true, "display": "Work" } ]""", outcome.Resource["emails"]);
    }

    // ---- replace ----

    [Fact]
    public void Replace_with_path_on_a_multi_valued_attribute_replaces_all_values()
    {
        var outcome = PatchUser(User(), """[ { "op": "replace", "path": "emails", "value": [ { "value": "new@contoso.com", "type": "work" } ] } ]""");
        JsonEqual("""[ { "value": "new@contoso.com", "type": "work" } ]""", outcome.Resource["emails"]);
    }

    [Fact]
    public void Replace_of_a_complex_attribute_leaves_unspecified_sub_attributes_unchanged()
    {
        var outcome = PatchUser(User(), """[ { "op": "replace", "path": "name", "value": { "givenName": "Alicia", "formatted": "Alicia Smith" } } ]""");
        JsonEqual("""{ "givenName": "Alicia", "familyName": "Smith", "formatted": "Alicia Smith" }""", outcome.Resource["name"]);
    }

    [Fact]
    public void Replace_of_a_sub_attribute_creates_the_complex_attribute_when_absent()
    {
        var user = User();
        user.Remove("name");
        var outcome = PatchUser(user, """[ { "op": "replace", "path": "name.familyName", "value": "Jones" } ]""");
        JsonEqual("""{ "familyName": "Jones" }""", outcome.Resource["name"]);
    }

    [Fact]
    public void Replace_on_a_value_path_with_sub_attribute_changes_only_matching_elements()
    {
        var user = User();
        user["emails"]!.AsArray().Add(Obj("""{ "value": "a@home.example", "type": "home" }"""));
        var outcome = PatchUser(user, """[ { "op": "replace", "path": "emails[type eq \"WORK\"].value", "value": "alicia@contoso.com" } ]""");
        JsonEqual("""
            [ { "value": "alicia@contoso.com", "type": "work", "primary": true }, { "value": "a@home.example", "type": "home" } ]
            """, outcome.Resource["emails"]);
    }

    [Fact]
    public void Replace_on_a_value_path_without_sub_attribute_replaces_the_matching_elements_fields()
    {
        var outcome = PatchUser(User(), """[ { "op": "replace", "path": "emails[type eq \"work\"]", "value": { "value": "alicia@contoso.com", "display": "A" } } ]""");
        JsonEqual("""[ { "value": "alicia@contoso.com", "type": "work", "primary": true, "display": "A" } ]""", outcome.Resource["emails"]);
    }

    [Fact]
    public void Replace_on_a_value_path_without_sub_attribute_and_no_match_creates_the_element()
    {
        var outcome = PatchUser(User(), """[ { "op": "replace", "path": "emails[type eq \"home\" and primary eq false]", "value": { "value": "a@home.example" } } ]""");
        JsonEqual("""{ "type": "home", "primary": false, "value": "a@home.example" }""", outcome.Resource["emails"]![1]);
    }

    [Theory]
    [InlineData("emails[value co \\\"zzz\\\"].value")]
    [InlineData("emails[type eq \\\"home\\\" or type eq \\\"other\\\"].value")]
    [InlineData("emails[not (type eq \\\"work\\\")].value")]
    public void Replace_on_a_value_path_that_matches_nothing_and_describes_no_element_is_noTarget(string path) =>
        AssertScimError(ScimType.NoTarget, () => PatchUser(User(), $$"""[ { "op": "replace", "path": "{{path}}", "value": "x@y" } ]"""));

    [Fact]
    public void Replace_with_the_same_value_is_not_a_change()
    {
        var outcome = PatchUser(User(), """[ { "op": "replace", "value": { "title": "Engineer", "active": "true", "name": { "givenName": "Alice" } } } ]""");
        Assert.False(outcome.Changed);
    }

    [Fact]
    public void Replace_with_an_extension_object_value_sets_its_attributes()
    {
        var outcome = PatchUser(User(), """
            [ { "op": "replace", "value": { "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "Department": "Sales", "manager": "m9" } } } ]
            """);
        JsonEqual("""{ "department": "Sales", "manager": { "value": "m9" } }""", outcome.Resource[Enterprise]);
        JsonEqual($"""["{ScimUrns.User}", "{Enterprise}"]""", outcome.Resource["schemas"]);
    }

    [Fact]
    public void Replace_with_the_extension_URN_as_path_merges_the_object()
    {
        var outcome = PatchUser(EnterpriseUser(), """
            [ { "op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "value": { "costCenter": "42" } } ]
            """);
        JsonEqual("""{ "department": "Sales", "manager": { "value": "m1" }, "costCenter": "42" }""", outcome.Resource[Enterprise]);
    }

    [Fact]
    public void Paths_and_value_keys_are_case_insensitive_and_stored_in_canonical_casing()
    {
        var outcome = PatchUser(User(), """
            [ { "op": "replace", "path": "NAME.GIVENNAME", "value": "Alicia" },
              { "op": "replace", "path": "Emails[Type eq \"work\"].Value", "value": "alicia@contoso.com" },
              { "op": "add", "value": { "NICKNAME": "Al" } } ]
            """);
        JsonEqual("\"Alicia\"", outcome.Resource["name"]!["givenName"]);
        JsonEqual("\"alicia@contoso.com\"", outcome.Resource["emails"]![0]!["value"]);
        JsonEqual("\"Al\"", outcome.Resource["nickName"]);
    }

    [Fact]
    public void Values_are_stored_exactly_as_sent()
    {
        var outcome = PatchUser(User(), """
            [ { "op": "add", "path": "phoneNumbers", "value": [ { "value": 55555555555, "type": "work" }, { "value": "+1 (555) 555-5555", "type": "mobile" } ] } ]
            """);
        JsonEqual("""[ { "value": "55555555555", "type": "work" }, { "value": "+1 (555) 555-5555", "type": "mobile" } ]""", outcome.Resource["phoneNumbers"]);
    }

    [Fact]
    public void Replace_with_null_makes_the_attribute_absent()
    {
        var outcome = PatchUser(User(), """[ { "op": "replace", "path": "title", "value": null } ]""");
        Assert.False(outcome.Resource.ContainsKey("title"));
    }

    // ---- remove ----

    [Theory]
    [InlineData("title")]
    [InlineData("emails")]
    [InlineData("name")]
    public void Remove_with_path_removes_the_attribute(string path)
    {
        var outcome = PatchUser(User(), $$"""[ { "op": "remove", "path": "{{path}}" } ]""");
        Assert.False(outcome.Resource.ContainsKey(path));
        Assert.True(outcome.Changed);
    }

    [Fact]
    public void Remove_of_a_sub_attribute_removes_only_it()
    {
        var outcome = PatchUser(User(), """[ { "op": "remove", "path": "name.givenName" } ]""");
        JsonEqual("""{ "familyName": "Smith" }""", outcome.Resource["name"]);
    }

    [Fact]
    public void Remove_of_the_last_sub_attribute_removes_the_complex_attribute()
    {
        var outcome = PatchUser(User(), """[ { "op": "remove", "path": "name.givenName" }, { "op": "remove", "path": "name.familyName" } ]""");
        Assert.False(outcome.Resource.ContainsKey("name"));
    }

    [Fact]
    public void Remove_on_a_value_path_removes_matching_elements()
    {
        var user = User();
        user["emails"]!.AsArray().Add(Obj("""{ "value": "a@home.example", "type": "home" }"""));
        var outcome = PatchUser(user, """[ { "op": "remove", "path": "emails[type eq \"home\"]" } ]""");
        JsonEqual("""[ { "value": "alice@contoso.com", "type": "work", "primary": true } ]""", outcome.Resource["emails"]);
    }

    [Fact]
    public void Remove_of_the_last_matching_element_removes_the_attribute()
    {
        var outcome = PatchUser(User(), """[ { "op": "remove", "path": "emails[value eq \"ALICE@contoso.com\"]" } ]""");
        Assert.False(outcome.Resource.ContainsKey("emails"));
    }

    [Fact]
    public void Remove_on_a_value_path_with_sub_attribute_removes_it_from_matching_elements()
    {
        var outcome = PatchUser(User(), """[ { "op": "remove", "path": "emails[type eq \"work\"].primary" } ]""");
        JsonEqual("""[ { "value": "alice@contoso.com", "type": "work" } ]""", outcome.Resource["emails"]);
    }

    [Fact]
    public void Remove_on_a_value_path_with_no_match_is_a_no_op()
    {
        var outcome = PatchUser(User(), """[ { "op": "remove", "path": "emails[type eq \"home\"]" } ]""");
        Assert.False(outcome.Changed);
        JsonEqual(User().ToJsonString(), outcome.Resource);
    }

    [Fact]
    public void Remove_of_an_absent_attribute_is_a_no_op()
    {
        var outcome = PatchUser(User(), """[ { "op": "remove", "path": "nickName" } ]""");
        Assert.False(outcome.Changed);
    }

    [Fact]
    public void Remove_of_a_multi_valued_attribute_with_a_value_removes_only_the_listed_values()
    {
        var user = User();
        user["emails"]!.AsArray().Add(Obj("""{ "value": "a@home.example", "type": "home" }"""));
        var outcome = PatchUser(user, """[ { "op": "remove", "path": "emails", "value": [ { "value": "A@HOME.example" } ] } ]""");
        JsonEqual("""[ { "value": "alice@contoso.com", "type": "work", "primary": true } ]""", outcome.Resource["emails"]);
    }

    [Fact]
    public void Remove_of_the_last_extension_attribute_removes_the_extension_and_its_schema()
    {
        var outcome = PatchUser(EnterpriseUser(), """
            [ { "op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department" },
              { "op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager" } ]
            """);
        Assert.False(outcome.Resource.ContainsKey(Enterprise));
        JsonEqual($"""["{ScimUrns.User}"]""", outcome.Resource["schemas"]);
    }

    [Fact]
    public void Remove_without_path_is_noTarget() =>
        AssertScimError(ScimType.NoTarget, () => PatchUser(User(), """[ { "op": "remove", "value": { "title": "Engineer" } } ]"""));

    [Fact]
    public void Remove_of_a_required_attribute_is_mutability() =>
        AssertScimError(ScimType.Mutability, () => PatchUser(User(), """[ { "op": "remove", "path": "userName" } ]"""));

    [Theory]
    [InlineData("\"\"")]
    [InlineData("null")]
    public void Emptying_a_required_attribute_is_invalidValue(string value) =>
        AssertScimError(ScimType.InvalidValue, () => PatchUser(User(), $$"""[ { "op": "replace", "path": "userName", "value": {{value}} } ]"""));

    // ---- errors ----

    [Theory]
    [InlineData("nosuch")]
    [InlineData("name.nosuch")]
    [InlineData("emails[type eq \\\"work\\\"].nosuch")]
    [InlineData("urn:example:unknown:2.0:User:x")]
    [InlineData("members")]
    [InlineData("title[value eq \\\"x\\\"]")]
    [InlineData("emails[type eq")]
    [InlineData("name..givenName")]
    public void Unknown_or_malformed_paths_are_invalidPath(string path) =>
        AssertScimError(ScimType.InvalidPath, () => PatchUser(User(), $$"""[ { "op": "replace", "path": "{{path}}", "value": "x" } ]"""));

    [Fact]
    public void An_attribute_the_enterprise_extension_does_not_declare_is_invalidPath_for_a_strict_tenant() =>
        // A permissive tenant (the default) keeps it: Schema/ExtensionAttributeTests.
        AssertScimError(ScimType.InvalidPath, () => PatchEngine.Apply(TestTenants.Strict.User, User(),
            Obj("""{ "Operations": [ { "op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:nosuch", "value": "x" } ] }""")));

    [Fact]
    public void Unknown_key_in_a_path_less_value_is_invalidPath() =>
        AssertScimError(ScimType.InvalidPath, () => PatchUser(User(), """[ { "op": "replace", "value": { "nosuch": "x" } } ]"""));

    [Fact]
    public void Unknown_sub_attribute_inside_a_value_filter_is_invalidFilter() =>
        AssertScimError(ScimType.InvalidFilter, () => PatchUser(User(), """[ { "op": "remove", "path": "emails[nosuch eq \"x\"]" } ]"""));

    [Theory]
    [InlineData("replace", "id")]
    [InlineData("replace", "meta.lastModified")]
    [InlineData("add", "groups")]
    [InlineData("remove", "meta")]
    [InlineData("replace", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName")]
    public void ReadOnly_paths_are_mutability(string op, string path) =>
        AssertScimError(ScimType.Mutability, () => PatchUser(User(), $$"""[ { "op": "{{op}}", "path": "{{path}}", "value": "x" } ]"""));

    [Fact]
    public void ReadOnly_keys_in_a_path_less_value_are_ignored()
    {
        // Okta renames a group with { "id": …, "displayName": … }.
        var outcome = PatchEngine.Apply(ScimSchemas.GroupType, Group(), Ops("""
            [ { "op": "replace", "value": { "id": "g1", "meta": { "version": "x" }, "displayName": "Sales EU", "schemas": ["whatever"] } } ]
            """));
        JsonEqual("""{ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1", "displayName": "Sales EU" }""", outcome.Resource);
    }

    [Fact]
    public void Password_is_accepted_and_discarded()
    {
        var outcome = PatchUser(User(), """[ { "op": "replace", "path": "password", "value": "Secret1!" }, { "op": "replace", "value": { "password": "x" } } ]""");
        Assert.False(outcome.Changed);
        Assert.False(outcome.Resource.ContainsKey("password"));
    }

    [Fact]
    public void Immutable_sub_attribute_cannot_be_changed_on_an_existing_element_but_can_be_set_on_a_new_one()
    {
        var badges = new AttributeDefinition("badges", AttributeType.Complex, "Test attribute.", MultiValued: true, SubAttributes:
        [
            new("value", AttributeType.String, "Immutable id.", Mutability: Mutability.Immutable),
            new("type", AttributeType.String, "Type."),
        ]);
        var schema = new SchemaDefinition("urn:test:Thing", "Thing", "Test", [badges]);
        var type = new ResourceTypeDefinition("Thing", "/Things", "Test", schema, []);
        var thing = Obj("""{ "schemas": ["urn:test:Thing"], "badges": [ { "value": "b1", "type": "a" } ] }""");

        AssertScimError(ScimType.Mutability, () =>
            PatchEngine.Apply(type, thing, Ops("""[ { "op": "replace", "path": "badges[type eq \"a\"].value", "value": "b2" } ]""")));
        var same = PatchEngine.Apply(type, thing, Ops("""[ { "op": "replace", "path": "badges[type eq \"a\"].value", "value": "b1" } ]"""));
        Assert.False(same.Changed);
        var created = PatchEngine.Apply(type, thing, Ops("""[ { "op": "replace", "path": "badges[type eq \"b\"].value", "value": "b2" } ]"""));
        JsonEqual("""[ { "value": "b1", "type": "a" }, { "type": "b", "value": "b2" } ]""", created.Resource["badges"]);
    }

    [Theory]
    [InlineData("""{ "Operations": [ { "op": "move", "path": "title" } ] }""")]
    [InlineData("""{ "Operations": [ { "path": "title", "value": "x" } ] }""")]
    [InlineData("""{ "Operations": [ { "op": "add, remove", "path": "title", "value": "x" } ] }""")]
    [InlineData("""{ "Operations": [ { "op": "1", "path": "title", "value": "x" } ] }""")]
    [InlineData("""{ "Operations": [ "add" ] }""")]
    [InlineData("""{ "Operations": { "op": "add" } }""")]
    [InlineData("""{ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"] }""")]
    [InlineData("""{ "Operations": [ { "op": "add", "path": "title" } ] }""")]
    public void Malformed_requests_are_invalidSyntax(string request) =>
        AssertScimError(ScimType.InvalidSyntax, () => PatchEngine.Apply(ScimSchemas.UserType, User(), Obj(request)));

    [Fact]
    public void Path_less_value_that_is_not_an_object_is_invalidValue() =>
        AssertScimError(ScimType.InvalidValue, () => PatchUser(User(), """[ { "op": "replace", "value": "x" } ]"""));

    [Fact]
    public void Request_keys_are_case_insensitive_and_PatchOp_schema_may_be_absent()
    {
        var outcome = PatchEngine.Apply(ScimSchemas.UserType, User(), Obj("""{ "operations": [ { "OP": "Replace", "PATH": "title", "VALUE": "CTO" } ] }"""));
        JsonEqual("\"CTO\"", outcome.Resource["title"]);
    }

    // ---- atomicity ----

    [Fact]
    public void When_a_later_operation_fails_the_input_is_unchanged_and_nothing_is_applied()
    {
        var user = User();
        var before = user.ToJsonString();
        AssertScimError(ScimType.InvalidValue, () => PatchUser(user, """
            [ { "op": "replace", "path": "title", "value": "CTO" },
              { "op": "remove", "path": "emails" },
              { "op": "replace", "path": "active", "value": "maybe" } ]
            """));
        Assert.Equal(before, user.ToJsonString());
    }

    [Fact]
    public void A_successful_patch_returns_a_new_document_and_leaves_the_input_untouched()
    {
        var user = User();
        var before = user.ToJsonString();
        var outcome = PatchUser(user, """[ { "op": "replace", "path": "title", "value": "CTO" } ]""");
        Assert.Equal(before, user.ToJsonString());
        Assert.NotSame(user, outcome.Resource);
        JsonEqual("\"CTO\"", outcome.Resource["title"]);
        JsonEqual("\"u1\"", outcome.Resource["id"]);
    }

    [Fact]
    public void Operations_apply_in_order()
    {
        var outcome = PatchUser(User(), """
            [ { "op": "remove", "path": "emails" },
              { "op": "add", "path": "emails", "value": [ { "value": "x@y", "type": "work" } ] },
              { "op": "replace", "path": "emails[type eq \"work\"].value", "value": "z@y" } ]
            """);
        JsonEqual("""[ { "value": "z@y", "type": "work" } ]""", outcome.Resource["emails"]);
    }
}
