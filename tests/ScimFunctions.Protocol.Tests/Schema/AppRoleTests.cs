using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;
using static ScimFunctions.Protocol.Tests.Patching.PatchTestSupport;

namespace ScimFunctions.Protocol.Tests.Schema;

/// <summary>Entra's two app role mappings, stored as sent and parsed for the application.</summary>
public sealed class AppRoleTests
{
    static string Encoded(string id, string value, string display) =>
        JsonValue.Create($$"""{"id":"{{id}}","value":"{{value}}","displayName":"{{display}}"}""").ToJsonString();

    [Fact]
    public void AppRoleAssignmentsComplex_values_are_json_encoded_roles()
    {
        var user = ResourceNormalizer.Normalize(ScimSchemas.UserType, Obj($$"""
            { "userName": "a", "roles": [
              { "primary": false, "type": "WindowsAzureActiveDirectoryRole", "value": {{Encoded("8a3b", "Admin", "Administrator")}} },
              { "value": {{Encoded("77c1", "Reader", "Read only")}} } ] }
            """)).Document;
        Assert.Equal("""{"id":"8a3b","value":"Admin","displayName":"Administrator"}""", (string)user["roles"]![0]!["value"]!); // as sent
        Assert.Equal([new AppRole("8a3b", "Admin", "Administrator"), new AppRole("77c1", "Reader", "Read only")], AppRoles.Parse(user));
    }

    [Fact]
    public void Plain_values_and_odd_ones_parse_as_plain_roles()
    {
        var user = Obj("""
            { "roles": [ { "value": "Writer", "display": "Can write", "primary": true }, { "value": "{not json" }, { "value": "{\"other\":1}" },
                         { "value": "" }, { "display": "no value" }, "text", { "value": "{\"id\":5}" } ] }
            """);
        Assert.Equal([new AppRole(null, "Writer", "Can write"), new AppRole(null, "{not json", null), new AppRole(null, "{\"other\":1}", null), new AppRole("5", "5", null)],
            AppRoles.Parse(user));
        Assert.Empty(AppRoles.Parse(Obj("""{ "roles": "x" }""")));
        Assert.Empty(AppRoles.Parse(Obj("{}")));
    }

    [Fact]
    public void SingleAppRoleAssignment_patches_the_primary_role_in_place_every_cycle()
    {
        var user = Patching.PatchTestSupport.User();
        foreach (var role in new[] { "Admin", "Admin", "Reader" })
        {
            user = PatchUser(user, $$"""[ { "op": "Add", "path": "roles[primary eq \"True\"].value", "value": "{{role}}" } ]""").Resource;
            // Stored as a boolean, found again by the string "True": one element, never a second one per cycle.
            JsonEqual($$"""[ { "primary": true, "value": "{{role}}" } ]""", user["roles"]);
        }
        Assert.Equal([new AppRole(null, "Reader", null)], AppRoles.Parse(user));
    }

    [Fact]
    public void AppRoleAssignmentsComplex_adds_and_removes_single_roles()
    {
        var admin = Encoded("8a3b", "Admin", "Administrator");
        var reader = Encoded("77c1", "Reader", "Read only");
        var user = PatchUser(Patching.PatchTestSupport.User(), $$"""[ { "op": "add", "path": "roles", "value": [ { "value": {{admin}} }, { "value": {{reader}} } ] } ]""").Resource;
        user = PatchUser(user, $$"""[ { "op": "add", "path": "roles", "value": [ { "value": {{admin}} } ] } ]""").Resource; // re-sent: no duplicate
        Assert.Equal(2, user["roles"]!.AsArray().Count);
        user = PatchUser(user, $$"""[ { "op": "remove", "path": "roles", "value": [ { "value": {{admin}} } ] } ]""").Resource;
        Assert.Equal([new AppRole("77c1", "Reader", "Read only")], AppRoles.Parse(user));
        var path = JsonValue.Create($"roles[value eq {reader}]").ToJsonString();
        user = PatchUser(user, $$"""[ { "op": "remove", "path": {{path}} } ]""").Resource;
        Assert.Null(user["roles"]);
    }
}
