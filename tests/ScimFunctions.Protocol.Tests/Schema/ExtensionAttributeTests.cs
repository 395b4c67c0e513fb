using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Filtering;
using ScimFunctions.Protocol.Patching;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;
using static ScimFunctions.Protocol.Tests.Patching.PatchTestSupport;
using static ScimFunctions.Protocol.Tests.TestTenants;

namespace ScimFunctions.Protocol.Tests.Schema;

/// <summary>Attributes under extension URNs: kept as sent when undeclared (the default), typed when
/// declared, refused by a strict tenant; in bodies, every PATCH form, filters and projection.</summary>
public sealed class ExtensionAttributeTests
{
    const string Core = ScimUrns.User;

    static JsonObject Normalize(string json, ResourceTypeDefinition? type = null) =>
        ResourceNormalizer.Normalize(type ?? ScimSchemas.UserType, Obj(json)).Document;

    static JsonObject Patch(ResourceTypeDefinition type, JsonObject user, string operations) =>
        PatchEngine.Apply(type, user, Obj($$"""{ "Operations": {{operations}} }""")).Resource;

    static JsonObject Patch(JsonObject user, string operations) => Patch(ScimSchemas.UserType, user, operations);

    static JsonObject Stored() => Normalize($$"""{ "userName": "a", "{{Custom}}": { "costCode": "CC-1", "tags": ["x", "y"], "badge": { "number": "7" } } }""");

    // ---- bodies (POST/PUT) ----

    [Fact]
    public void Entra_sends_the_extension_object_without_listing_its_urn_and_it_is_kept_and_listed()
    {
        var doc = Normalize($$"""{ "schemas": ["{{Core}}"], "userName": "a", "{{Custom}}": { "costCode": "CC-1", "hireYear": 2020, "flag": true } }""");
        JsonEqual($$"""{ "schemas": ["{{Core}}", "{{Custom}}"], "userName": "a", "{{Custom}}": { "costCode": "CC-1", "hireYear": 2020, "flag": true } }""", doc);
    }

    [Fact]
    public void Full_urn_keys_move_into_their_extension_object_and_values_stay_as_sent()
    {
        var doc = Normalize($$"""
            { "userName": "a", "{{Custom}}:costCode": "CC-1", "{{Custom}}:phone": 55555555555, "{{Custom}}:badge.number": "7",
              "urn:ietf:params:scim:schemas:extension:acme:1.0:Employee:grade": "B" }
            """);
        JsonEqual("""{ "costCode": "CC-1", "phone": 55555555555, "badge": { "number": "7" } }""", doc[Custom]);
        JsonEqual("""{ "grade": "B" }""", doc["urn:ietf:params:scim:schemas:extension:acme:1.0:Employee"]);
        Assert.Equal(3, ((JsonArray)doc["schemas"]!).Count);
    }

    [Fact]
    public void An_extension_object_whose_urn_does_not_end_with_the_type_is_one_when_listed_in_schemas()
    {
        const string Employee = "urn:ietf:params:scim:schemas:extension:acme:1.0:Employee";
        var doc = Normalize($$"""{ "schemas": ["{{Core}}", "{{Employee}}"], "userName": "a", "{{Employee}}": { "grade": "B" } }""");
        JsonEqual("""{ "grade": "B" }""", doc[Employee]);
    }

    [Theory]
    [InlineData("""[ { "value": "CC-1" } ]""", "\"CC-1\"")] // Entra without aadOptscim062020
    [InlineData("\"CC-1\"", "\"CC-1\"")]
    [InlineData("""[ { "value": "a" }, { "value": "b" } ]""", """[ { "value": "a" }, { "value": "b" } ]""")]
    [InlineData("""{ "value": "CC-1", "x": 1 }""", """{ "value": "CC-1", "x": 1 }""")]
    public void Undeclared_values_are_kept_as_sent_except_entra_wrapping_of_one_simple_value(string sent, string stored) =>
        JsonEqual(stored, Normalize($$"""{ "userName": "a", "{{Custom}}": { "costCode": {{sent}} } }""")[Custom]!["costCode"]);

    [Fact]
    public void Null_and_empty_values_are_absent_and_an_empty_extension_disappears() =>
        JsonEqual($$"""{ "schemas": ["{{Core}}"], "userName": "a" }""",
            Normalize($$"""{ "userName": "a", "{{Custom}}": { "costCode": null, "tags": [] }, "urn:ietf:params:scim:schemas:extension:Other:2.0:User": null }"""));

    [Fact]
    public void Groups_keep_undeclared_extensions_too()
    {
        const string GroupExt = "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:Group";
        var doc = Normalize($$"""{ "displayName": "Sales", "{{GroupExt}}": { "region": "EMEA" } }""", ScimSchemas.GroupType);
        JsonEqual($$"""{ "schemas": ["{{ScimUrns.Group}}", "{{GroupExt}}"], "displayName": "Sales", "{{GroupExt}}": { "region": "EMEA" } }""", doc);
    }

    [Fact]
    public void Schema_urns_outside_the_extension_namespace_are_still_ignored() =>
        JsonEqual($$"""{ "schemas": ["{{Core}}"], "userName": "a" }""", Normalize("""
            { "userName": "a", "urn:example:custom:2.0:User": { "x": 1 },
              "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User": { "y": 2 } }
            """));

    [Fact]
    public void Declared_attributes_are_typed_and_checked()
    {
        var doc = Normalize($$"""{ "userName": "a", "{{Acme}}": { "badge": 1234, "level": "3", "remote": "True", "hired": "2020-01-01T00:00:00Z", "extra": "kept" } }""", Declared.User);
        JsonEqual("""{ "badge": "1234", "level": 3, "remote": true, "hired": "2020-01-01T00:00:00Z", "extra": "kept" }""", doc[Acme]);
        foreach (var wrong in new[] { """{ "level": "three" }""", """{ "remote": "maybe" }""", """{ "sites": "x" }""", """{ "badge": { "a": 1 } }""" })
            AssertScimError(ScimType.InvalidValue, () => Normalize($$"""{ "userName": "a", "{{Acme}}": {{wrong}} }""", Declared.User));
    }

    [Fact]
    public void A_strict_tenant_rejects_undeclared_extensions_naming_them_and_keeps_declared_ones()
    {
        var e = Assert.Throws<ScimException>(() => Normalize($$"""{ "userName": "a", "{{Custom}}": { "costCode": "CC-1" } }""", Strict.User));
        Assert.Equal(ScimType.InvalidValue, e.ScimType);
        Assert.Contains(Custom, e.Detail);
        e = Assert.Throws<ScimException>(() => Normalize($$"""{ "userName": "a", "{{Custom}}:costCode": "CC-1" }""", Strict.User));
        Assert.Contains(Custom, e.Detail);
        e = Assert.Throws<ScimException>(() => Normalize($$"""{ "userName": "a", "{{Acme}}": { "nosuch": 1 } }""", Strict.User));
        Assert.Contains(Acme, e.Detail);
        Assert.Contains("nosuch", e.Detail);

        // Empty extension objects and URNs outside the extension namespace carry no data: tolerated.
        var doc = Normalize($$"""
            { "schemas": ["{{Core}}", "{{Custom}}"], "userName": "a", "{{Custom}}": {}, "{{Acme}}": { "badge": "B1" },
              "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User": { "y": 2 } }
            """, Strict.User);
        JsonEqual($$"""{ "schemas": ["{{Core}}", "{{Acme}}"], "userName": "a", "{{Acme}}": { "badge": "B1" } }""", doc);
    }

    [Fact]
    public void One_tenants_declaration_changes_nothing_for_another()
    {
        // The same body: the strict tenant refuses it, the default and the declared (permissive) tenants keep it as sent.
        var body = $$"""{ "userName": "a", "{{Acme}}": { "level": "three" }, "{{Custom}}": { "costCode": "CC-1" } }""";
        Assert.Throws<ScimException>(() => Normalize(body, Strict.User));
        Assert.Throws<ScimException>(() => Normalize(body, Declared.User)); // level is an integer there
        JsonEqual("""{ "level": "three" }""", Normalize(body, TenantSchema.Default.User)[Acme]);
        Assert.Single(ScimSchemas.UserType.Extensions);
        Assert.Equal(UndeclaredExtensions.Keep, ScimSchemas.UserType.Undeclared);
    }

    // ---- PATCH ----

    [Theory]
    [InlineData("""[ { "op": "add", "path": "{{CUSTOM}}:costCode", "value": "CC-2" } ]""")] // aadOptscim062020
    [InlineData("""[ { "op": "Replace", "path": "{{CUSTOM}}:costCode", "value": [ { "value": "CC-2" } ] } ]""")] // Entra's older dialect
    [InlineData("""[ { "op": "replace", "value": { "{{CUSTOM}}:costCode": "CC-2" } } ]""")]
    [InlineData("""[ { "op": "Add", "value": { "{{CUSTOM}}": { "costCode": "CC-2" } } } ]""")]
    [InlineData("""[ { "op": "replace", "path": "{{CUSTOM}}", "value": { "costCode": "CC-2" } } ]""")]
    [InlineData("""[ { "op": "replace", "path": "{{CUSTOM_LOWER}}:COSTCODE", "value": "CC-2" } ]""")]
    public void Every_patch_form_sets_an_undeclared_attribute(string operations)
    {
        var patched = Patch(Stored(), operations.Replace("{{CUSTOM}}", Custom).Replace("{{CUSTOM_LOWER}}", Custom.ToLowerInvariant()));
        Assert.Equal("CC-2", (string)patched[Custom]!.AsObject().Single(p => p.Key.Equals("costCode", StringComparison.OrdinalIgnoreCase)).Value!);
        JsonEqual("""["x", "y"]""", patched[Custom]!["tags"]); // other attributes untouched
    }

    [Fact]
    public void Patch_sets_an_undeclared_extension_on_a_user_without_one_and_lists_it()
    {
        var user = Normalize("""{ "userName": "a" }""");
        var patched = Patch(user, $$"""[ { "op": "add", "path": "{{Custom}}:costCode", "value": "CC-9" } ]""");
        JsonEqual($$"""{ "schemas": ["{{Core}}", "{{Custom}}"], "userName": "a", "{{Custom}}": { "costCode": "CC-9" } }""", patched);
    }

    [Fact]
    public void Remove_by_path_by_value_and_of_the_whole_extension()
    {
        var removed = Patch(Stored(), $$"""[ { "op": "remove", "path": "{{Custom}}:costCode" }, { "op": "remove", "path": "{{Custom}}:tags", "value": ["y"] } ]""");
        JsonEqual("""{ "tags": ["x"], "badge": { "number": "7" } }""", removed[Custom]);
        var gone = Patch(Stored(), $$"""[ { "op": "remove", "path": "{{Custom}}" } ]""");
        JsonEqual($$"""["{{Core}}"]""", gone["schemas"]);
        Assert.Null(gone[Custom]);
        var replacedByNull = Patch(Stored(), $$"""[ { "op": "replace", "value": { "{{Custom}}:costCode": null } } ]""");
        Assert.Null(replacedByNull[Custom]!["costCode"]);
    }

    [Fact]
    public void Add_appends_to_an_undeclared_array_and_sub_attributes_and_value_filters_work()
    {
        var patched = Patch(Stored(), $$"""
            [ { "op": "add", "path": "{{Custom}}:tags", "value": ["y", "z"] },
              { "op": "replace", "path": "{{Custom}}:badge.number", "value": "8" },
              { "op": "add", "path": "{{Custom}}:sites[type eq \"hq\"].value", "value": "Oslo" } ]
            """);
        JsonEqual("""["x", "y", "z"]""", patched[Custom]!["tags"]);
        JsonEqual("""{ "number": "8" }""", patched[Custom]!["badge"]);
        JsonEqual("""{ "type": "hq", "value": "Oslo" }""", patched[Custom]!["sites"]);
    }

    [Fact]
    public void Declared_attributes_are_checked_in_patch_and_strict_tenants_refuse_undeclared_paths()
    {
        var user = Normalize($$"""{ "userName": "a", "{{Acme}}": { "level": 1 } }""", Declared.User);
        JsonEqual("2", Patch(Declared.User, user, $$"""[ { "op": "replace", "path": "{{Acme}}:level", "value": "2" } ]""")[Acme]!["level"]);
        AssertScimError(ScimType.InvalidValue, () => Patch(Declared.User, user, $$"""[ { "op": "replace", "path": "{{Acme}}:level", "value": "two" } ]"""));
        foreach (var op in new[]
        {
            $$"""[ { "op": "add", "path": "{{Custom}}:costCode", "value": "x" } ]""",
            $$"""[ { "op": "add", "value": { "{{Custom}}:costCode": "x" } } ]""",
            $$"""[ { "op": "add", "value": { "{{Custom}}": { "costCode": "x" } } } ]""",
            $$"""[ { "op": "add", "path": "{{Custom}}", "value": { "costCode": "x" } } ]""",
            $$"""[ { "op": "add", "path": "{{Acme}}:nosuch", "value": "x" } ]""",
        })
        {
            var e = Assert.Throws<ScimException>(() => Patch(Strict.User, user, op));
            Assert.Equal(ScimType.InvalidPath, e.ScimType);
            Assert.Contains(op.Contains(Custom) ? Custom : Acme, e.Detail);
        }
    }

    // ---- filters ----

    [Theory]
    [InlineData("{{C}}:costCode eq \"cc-1\"", true)] // undeclared strings compare caseExact false
    [InlineData("{{C}}:costCode eq \"CC-2\"", false)]
    [InlineData("{{C}}:costCode ne \"CC-2\"", true)]
    [InlineData("{{C}}:costCode co \"c-\"", true)]
    [InlineData("{{C}}:costCode sw \"cc\"", true)]
    [InlineData("{{C}}:costCode ew \"-1\"", true)]
    [InlineData("{{C}}:costCode gt \"CC-0\"", true)]
    [InlineData("{{C}}:costCode lt \"CC-0\"", false)]
    [InlineData("{{C}}:costCode ge \"cc-1\"", true)]
    [InlineData("{{C}}:costCode le \"CC-1\"", true)]
    [InlineData("{{C}}:costCode pr", true)]
    [InlineData("{{C}}:nothing pr", false)]
    [InlineData("{{C}}:nothing eq null", true)]
    [InlineData("{{C}}:hireYear gt 2019", true)]
    [InlineData("{{C}}:hireYear eq \"2020\"", false)] // a string literal compares strings; 2020 is a number
    [InlineData("{{C}}:flag eq true", true)]
    [InlineData("{{C}}:tags eq \"Y\"", true)]
    [InlineData("{{C}}:badge.number eq \"7\"", true)]
    [InlineData("{{C}}:sites[type eq \"hq\" and value sw \"os\"]", true)]
    [InlineData("userName eq \"a\" and {{C}}:costCode eq \"CC-1\"", true)]
    [InlineData("{{LOWER}}:COSTCODE eq \"CC-1\"", true)]
    public void Filters_on_undeclared_attributes_use_the_full_urn_path(string filter, bool expected)
    {
        var user = Normalize($$"""
            { "userName": "a", "{{Custom}}": { "costCode": "CC-1", "hireYear": 2020, "flag": "True", "tags": ["x", "y"],
              "badge": { "number": "7" }, "sites": [ { "type": "hq", "value": "Oslo" } ] } }
            """);
        var text = filter.Replace("{{C}}", Custom).Replace("{{LOWER}}", Custom.ToLowerInvariant());
        Assert.Equal(expected, FilterEvaluator.Matches(FilterParser.Parse(text), user, ScimSchemas.UserType));
    }

    [Theory]
    [InlineData("{{A}}:code eq \"abc\"", false)] // declared caseExact
    [InlineData("{{A}}:code eq \"ABC\"", true)]
    [InlineData("{{A}}:level ge 3", true)]
    [InlineData("{{A}}:hired lt \"2021-01-01T00:00:00Z\"", true)]
    [InlineData("{{A}}:badge eq \"b1\"", true)]
    [InlineData("level eq 3", true)] // declared extension attributes may be named without their URN
    public void Filters_on_declared_attributes_follow_their_declaration(string filter, bool expected)
    {
        var user = Normalize($$"""{ "userName": "a", "{{Acme}}": { "code": "ABC", "level": 3, "hired": "2020-05-01T00:00:00Z", "badge": "B1" } }""", Declared.User);
        Assert.Equal(expected, FilterEvaluator.Matches(FilterParser.Parse(filter.Replace("{{A}}", Acme)), user, Declared.User));
    }

    [Fact]
    public void Filter_type_errors_on_declared_attributes_and_undeclared_urns_of_a_strict_tenant_are_invalidFilter()
    {
        AssertScimError(ScimType.InvalidFilter, () => FilterEvaluator.Compile(FilterParser.Parse(Acme + ":level eq \"x\""), Declared.User));
        var e = Assert.Throws<ScimException>(() => FilterEvaluator.Compile(FilterParser.Parse(Custom + ":costCode eq \"x\""), Strict.User));
        Assert.Equal(ScimType.InvalidFilter, e.ScimType);
        Assert.Contains(Custom, e.Detail);
    }

    // ---- projection ----

    [Theory]
    [InlineData("{{C}}:costCode", null, """{ "costCode": "CC-1" }""")]
    [InlineData("{{C}}:badge.number", null, """{ "badge": { "number": "7" } }""")]
    [InlineData("{{C}}", null, """{ "costCode": "CC-1", "tags": ["x", "y"], "badge": { "number": "7" } }""")]
    [InlineData("userName", null, null)]
    [InlineData(null, "{{C}}:costCode,{{C}}:tags", """{ "badge": { "number": "7" } }""")]
    [InlineData(null, "{{C}}", null)]
    [InlineData(null, "userName", """{ "costCode": "CC-1", "tags": ["x", "y"], "badge": { "number": "7" } }""")]
    public void Attributes_and_excludedAttributes_select_undeclared_attributes_by_name(string? attributes, string? excluded, string? expected)
    {
        string? Fill(string? s) => s?.Replace("{{C}}", Custom);
        var projected = AttributeProjection.Parse(ScimSchemas.UserType, Fill(attributes), Fill(excluded)).Apply(Stored());
        if (expected is null) Assert.Null(projected[Custom]);
        else JsonEqual(expected, projected[Custom]);
    }
}
