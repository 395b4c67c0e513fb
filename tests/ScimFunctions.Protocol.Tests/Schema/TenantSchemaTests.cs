using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;
using static ScimFunctions.Protocol.Tests.Patching.PatchTestSupport;
using static ScimFunctions.Protocol.Tests.TestTenants;

namespace ScimFunctions.Protocol.Tests.Schema;

public sealed class TenantSchemaTests
{
    [Fact]
    public void A_declaration_round_trips_through_its_json_and_rfc_7643_section_7_shape()
    {
        var written = Declared.Write();
        var again = TenantSchema.Read(written);
        Assert.True(JsonNode.DeepEquals(written, again.Write()), written.ToJsonString());

        var acme = Assert.Single(Declared.Extensions);
        Assert.Equal("User", acme.ResourceType); // from the URN's last segment
        var badge = acme.Schema.FindAttribute("BADGE")!;
        Assert.Equal((AttributeType.String, Uniqueness.Server, true), (badge.Type, badge.Uniqueness, badge.HasIndex));
        var level = acme.Schema.FindAttribute("level")!;
        Assert.Equal((AttributeType.Integer, true, Uniqueness.None), (level.Type, level.Indexed, level.Uniqueness));
        Assert.True(acme.Schema.FindAttribute("code")!.CaseExact);
        Assert.Equal(["value", "primary"], acme.Schema.FindAttribute("sites")!.SubAttributes.Select(a => a.Name));
        Assert.Equal(["Admin", "Reader"], Declared.Roles.Select(r => r.Value));
        Assert.Equal(UndeclaredExtensions.Reject, Strict.Undeclared);
    }

    [Fact]
    public void Discovery_lists_the_declared_extension_with_the_attributes_the_tenant_accepts()
    {
        Assert.Equal([ScimUrns.EnterpriseUser, Acme], Declared.User.Extensions.Select(e => e.Id));
        Assert.Empty(Declared.Group.Extensions);
        Assert.Contains(Declared.Schemas, s => s.Id == Acme);
        var resourceType = DiscoveryDocuments.ResourceType(Declared.User, "https://x/scim/v2/t");
        Assert.Contains(resourceType["schemaExtensions"]!.AsArray(), e => (string)e!["schema"]! == Acme);
        var schema = DiscoveryDocuments.Schema(Declared.Schemas.Single(s => s.Id == Acme), "https://x/scim/v2/t");
        Assert.Equal(ScimUrns.Schema, (string)schema["schemas"]![0]!);
        var level = schema["attributes"]!.AsArray().Single(a => (string)a!["name"]! == "level")!;
        JsonEqual("""
            { "name": "level", "type": "integer", "multiValued": false, "description": "", "required": false, "caseExact": false,
              "mutability": "readWrite", "returned": "default", "uniqueness": "none", "indexed": true }
            """, level);
        // The default tenant's discovery is what it always was.
        Assert.Equal(ScimSchemas.All, TenantSchema.Default.Schemas);
    }

    [Fact]
    public void The_users_only_view_drops_the_group_type_and_group_schemas_and_keeps_users_as_they_are()
    {
        const string Team = "urn:ietf:params:scim:schemas:extension:Team:2.0:Group";
        var schema = Declared.Apply(JsonNode.Parse($$"""{ "id": "{{Team}}", "attributes": [ { "name": "cost", "type": "string" } ] }""")!);
        Assert.Contains(schema.Schemas, s => s.Id == Team);

        var usersOnly = schema.UsersOnly;
        Assert.Equal(["User", "Role"], usersOnly.ResourceTypes.Select(t => t.Name));
        Assert.Null(usersOnly.Find("Group"));
        Assert.Equal([ScimUrns.User, ScimUrns.EnterpriseUser, ScimUrns.Role, Acme], usersOnly.Schemas.Select(s => s.Id));
        Assert.Equal(schema.User.Extensions.Select(e => e.Id), usersOnly.User.Extensions.Select(e => e.Id));
        Assert.Equal(schema.User.Undeclared, usersOnly.User.Undeclared);
        Assert.Same(usersOnly, usersOnly.UsersOnly);
        Assert.Same(usersOnly, schema.UsersOnly); // computed once per schema
        Assert.Equal(["User", "Group", "Role"], schema.ResourceTypes.Select(t => t.Name));
    }

    [Fact]
    public void Roles_are_listed_in_pages_and_advertised()
    {
        var roles = Declared.Roles.Select(r => DiscoveryDocuments.Role(r, "https://x/scim/v2/t")).ToList();
        JsonEqual("""
            { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Role"], "id": "Admin", "value": "Admin", "display": "Administrator", "enabled": true,
              "meta": { "resourceType": "Role", "location": "https://x/scim/v2/t/Roles/Admin" } }
            """, roles[0]);
        var page = DiscoveryDocuments.Page(roles, startIndex: 2, count: 5);
        Assert.Equal((2, 1, 2), ((int)page["totalResults"]!, (int)page["itemsPerPage"]!, (int)page["startIndex"]!));
        Assert.Equal("Reader", (string)page["Resources"]![0]!["value"]!);
        Assert.Equal(0, (int)DiscoveryDocuments.Page(roles, startIndex: 0, count: -1)["itemsPerPage"]!);
        Assert.True((bool)DiscoveryDocuments.ServiceProviderConfig("https://x", 100)["roles"]!["supported"]!);
        Assert.Contains(Declared.ResourceTypes, t => t.Endpoint == "/Roles");
        Assert.Contains(Declared.Schemas, s => s.Id == ScimUrns.Role);
    }

    [Fact]
    public void An_explicit_resource_type_binds_an_extension_whose_urn_does_not_name_one()
    {
        var schema = TenantSchema.Read(Obj("""
            { "extensions": [ { "resourceType": "group", "schema": { "id": "urn:acme:groupinfo", "attributes": [ { "name": "costCenter", "type": "string" } ] } } ] }
            """));
        Assert.Equal(["urn:acme:groupinfo"], schema.Group.Extensions.Select(e => e.Id));
        Assert.Same(schema.Group, schema.Find("GROUP"));
    }

    [Theory]
    [InlineData("""{ "undeclaredExtensions": "sometimes" }""", "undeclaredExtensions")]
    [InlineData("""{ "extensions": [ { "schema": { "id": "urn:acme:x", "attributes": [] } } ] }""", "User or Group")]
    [InlineData("""{ "extensions": [ { "schema": { "id": "not-a-urn:User", "attributes": [] } } ] }""", "must be a URN")]
    [InlineData("""{ "extensions": [ { "schema": { "id": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "attributes": [] } } ] }""", "built in")]
    [InlineData("""{ "extensions": [ { "schema": { "id": "urn:a:User", "attributes": [] } }, { "schema": { "id": "urn:A:user", "attributes": [] } } ] }""", "twice")]
    [InlineData("""{ "extensions": [ { "schema": { "id": "urn:a:User", "attributes": [ { "name": "1x" } ] } } ] }""", "not a valid attribute name")]
    [InlineData("""{ "extensions": [ { "schema": { "id": "urn:a:User", "attributes": [ { "name": "x" }, { "name": "X" } ] } } ] }""", "twice")]
    [InlineData("""{ "extensions": [ { "schema": { "id": "urn:a:User", "attributes": [ { "name": "x", "type": "text" } ] } } ] }""", "cannot be 'text'")]
    [InlineData("""{ "extensions": [ { "schema": { "id": "urn:a:User", "attributes": [ { "name": "x", "multiValued": "yes" } ] } } ] }""", "true or false")]
    [InlineData("""{ "extensions": [ { "schema": { "id": "urn:a:User", "attributes": [ { "name": "x", "type": "complex" } ] } } ] }""", "subAttributes")]
    [InlineData("""{ "extensions": [ { "schema": { "id": "urn:a:User", "attributes": [ { "name": "x", "type": "complex", "subAttributes": [ { "name": "y", "type": "complex", "subAttributes": [] } ] } ] } } ] }""", "cannot be complex")]
    [InlineData("""{ "extensions": [ { "schema": { "id": "urn:a:User", "attributes": [ { "name": "x", "multiValued": true, "uniqueness": "server" } ] } } ] }""", "unique or indexed")]
    [InlineData("""{ "roles": [ { "value": "A" }, { "value": "A" } ] }""", "distinct")]
    public void Invalid_declarations_are_invalidValue_naming_the_problem(string json, string detail)
    {
        var e = Assert.Throws<ScimException>(() => TenantSchema.Read(Obj(json)));
        Assert.Equal(ScimType.InvalidValue, e.ScimType);
        Assert.Contains(detail, e.Detail);
    }
}

public sealed class ExtensionIndexTests
{
    [Fact]
    public void Declared_unique_and_indexed_values_are_folded_by_their_type()
    {
        var user = ResourceNormalizer.Normalize(Declared.User, Obj($$"""
            { "userName": "a", "{{Acme}}": { "badge": "b-1", "level": 3.0, "code": "Ab", "hired": "2020-01-01T01:00:00+01:00" },
              "{{Custom}}": { "costCode": "CC-1" } }
            """)).Document;
        Assert.Equal([new IndexedValue(Acme + ":badge", "B-1", true), new IndexedValue(Acme + ":level", "3", false)], ExtensionIndex.ValuesOf(Declared.User, user));
        Assert.Empty(ExtensionIndex.ValuesOf(TenantSchema.Default.User, user)); // nothing declared: nothing indexed
    }

    [Theory]
    [InlineData("badge", "\"B-1\"", "B-1")]
    [InlineData("level", "3", "3")]
    [InlineData("level", "3.50", "3.5")]
    [InlineData("level", "\"3\"", null)]
    [InlineData("hired", "\"2020-01-01T00:00:00Z\"", "2020-01-01T00:00:00.0000000Z")]
    [InlineData("code", "\"aB\"", "aB")]
    [InlineData("badge", "\"\"", null)]
    public void Filter_literals_fold_like_stored_values(string attribute, string literal, string? expected)
    {
        var definition = Declared.User.FindExtension(Acme)!.FindAttribute(attribute)!;
        Assert.Equal(expected, ExtensionIndex.Fold(definition, (JsonValue)JsonNode.Parse(literal)!));
    }

    [Fact]
    public void Only_declared_indexed_paths_name_an_index()
    {
        string? Name(string path) => AttributeResolver.Resolve(Declared.User, AttributeResolver.ParsePath(path)) is { } r ? ExtensionIndex.IndexedName(r) : null;
        Assert.Equal(Acme + ":badge", Name(Acme + ":BADGE"));
        Assert.Equal(Acme + ":level", Name("level"));
        Assert.Null(Name(Acme + ":code"));
        Assert.Null(Name(Custom + ":costCode"));
        Assert.Null(Name("userName"));
    }
}

public sealed class DeclarationFileTests
{
    const string Badge = """{ "id": "urn:ietf:params:scim:schemas:extension:acme:2.0:User", "attributes": [ { "name": "badge", "type": "string" } ] }""";
    const string Region = """{ "id": "urn:acme:grouping", "attributes": [ { "name": "region", "type": "string" } ] }""";

    [Fact]
    public void Schema_files_add_or_replace_extensions_and_keep_the_rest()
    {
        var schema = Declared.Apply(JsonNode.Parse(Region)!, "Group");
        Assert.Equal([Acme], schema.User.Extensions.Skip(1).Select(e => e.Id)); // kept
        Assert.Equal(["urn:acme:grouping"], schema.Group.Extensions.Select(e => e.Id));
        Assert.Equal(Declared.Roles, schema.Roles);
        Assert.Equal(Declared.Undeclared, schema.Undeclared);

        // Replacing Acme with a one-attribute version (as an array; a ListResponse works the same).
        var replaced = schema.Apply(JsonNode.Parse($"[{Badge}]")!);
        Assert.Equal(["badge"], replaced.User.FindExtension(Acme)!.Attributes.Select(a => a.Name));
        var fromList = TenantSchema.Default.Apply(JsonNode.Parse($$"""{ "Resources": [ {{Badge}}, { "id": "{{ScimUrns.User}}", "attributes": [] } ] }""")!);
        Assert.Equal([ScimUrns.EnterpriseUser, Acme], fromList.User.Extensions.Select(e => e.Id)); // the core schema in the list is skipped
    }

    [Fact]
    public void A_declaration_document_replaces_everything_and_modes_and_roles_change_alone()
    {
        var replaced = Declared.Apply(Obj("""{ "undeclaredExtensions": "reject" }"""));
        Assert.Empty(replaced.Extensions);
        Assert.Equal(UndeclaredExtensions.Reject, replaced.Undeclared);
        Assert.Equal(UndeclaredExtensions.Reject, Declared.With(UndeclaredExtensions.Reject).User.Undeclared);
        Assert.Equal(Declared.Extensions, Declared.With([new AvailableRole("X")]).Extensions);
        var e = Assert.Throws<ScimException>(() => TenantSchema.Default.Apply(JsonNode.Parse(Region)!));
        Assert.Contains("User or Group", e.Detail);
    }
}
