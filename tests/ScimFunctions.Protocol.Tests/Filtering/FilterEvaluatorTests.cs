using System.Net;
using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Filtering;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Tests.Filtering;

public class FilterEvaluatorTests
{
    const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const string ManagerId = "26118915-6090-4610-87e4-49d8ca9f808d";

    static JsonObject Alice() => JsonNode.Parse($$"""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "{{Enterprise}}"],
          "id": "2819c223-7f76-453a-919d-413861904646",
          "externalId": "0b7eAbC",
          "userName": "Alice@Contoso.com",
          "name": { "givenName": "Alice", "familyName": "O'Hara" },
          "displayName": "Alice O'Hara",
          "title": "",
          "active": true,
          "emails": [
            { "value": "alice@contoso.com", "type": "work", "primary": true },
            { "value": "alice@home.example", "type": "home" }
          ],
          "{{Enterprise}}": {
            "employeeNumber": "701984",
            "manager": { "value": "{{ManagerId}}" }
          },
          "meta": {
            "resourceType": "User",
            "created": "2026-01-10T09:00:00Z",
            "lastModified": "2026-02-01T12:30:00Z",
            "version": "W/\"3\""
          }
        }
        """)!.AsObject();

    static bool Matches(string filter, JsonObject resource, ResourceTypeDefinition? type = null) =>
        FilterEvaluator.Matches(FilterParser.Parse(filter), resource, type ?? ScimSchemas.UserType);

    [Theory]
    // userName is case-insensitive; externalId and id are case-exact.
    [InlineData("userName eq \"alice@contoso.com\"", true)]
    [InlineData("USERNAME eq \"ALICE@CONTOSO.COM\"", true)]
    [InlineData("userName eq \"bob@contoso.com\"", false)]
    [InlineData("userName sw \"ALICE@\"", true)]
    [InlineData("userName ew \"@CONTOSO.COM\"", true)]
    [InlineData("userName co \"contoso\"", true)]
    [InlineData("userName gt \"a\"", true)]
    [InlineData("userName lt \"B\"", true)]
    [InlineData("userName le \"alice@contoso.com\"", true)]
    [InlineData("externalId eq \"0b7eAbC\"", true)]
    [InlineData("externalId eq \"0b7eabc\"", false)]
    [InlineData("externalId co \"eAb\"", true)]
    [InlineData("externalId co \"EAB\"", false)]
    [InlineData("id eq \"2819C223-7F76-453A-919D-413861904646\"", false)]
    [InlineData("id eq \"2819c223-7f76-453a-919d-413861904646\"", true)]
    // Booleans.
    [InlineData("active eq true", true)]
    [InlineData("active eq false", false)]
    [InlineData("active ne false", true)]
    [InlineData("active ne true", false)]
    [InlineData("active eq \"TRUE\"", true)]
    // Complex and multi-valued attributes.
    [InlineData("name.givenName eq \"alice\"", true)]
    [InlineData("name.familyName co \"'ha\"", true)]
    [InlineData("name.givenName sw \"B\"", false)]
    [InlineData("emails eq \"alice@home.example\"", true)]
    [InlineData("emails co \"@HOME\"", true)]
    [InlineData("emails.value ew \".example\"", true)]
    [InlineData("emails.value eq \"bob@contoso.com\"", false)]
    [InlineData("emails.type eq \"other\"", false)]
    [InlineData("emails.primary eq true", true)]
    // Value paths: one element must satisfy the whole inner filter.
    [InlineData("emails[type eq \"work\"].value eq \"alice@contoso.com\"", true)]
    [InlineData("emails[type eq \"work\"].value eq \"ALICE@contoso.com\"", true)]
    [InlineData("emails[type eq \"home\"].value eq \"alice@contoso.com\"", false)]
    [InlineData("emails[type eq \"work\" and value co \"@contoso\"]", true)]
    [InlineData("emails[type eq \"home\" and value co \"@contoso\"]", false)]
    [InlineData("emails[type eq \"home\" and primary eq true]", false)]
    [InlineData("emails[type eq \"home\" and not (primary eq true)]", true)]
    [InlineData("emails[primary eq true].value sw \"alice@\"", true)]
    [InlineData("emails[type eq \"work\"].display pr", false)]
    // Enterprise extension.
    [InlineData(Enterprise + ":employeeNumber eq \"701984\"", true)]
    [InlineData(Enterprise + ":employeeNumber eq \"1\"", false)]
    [InlineData("employeeNumber eq \"701984\"", true)] // unqualified extension attribute
    [InlineData("manager eq \"" + ManagerId + "\"", true)]
    [InlineData(Enterprise + ":manager.value eq \"" + ManagerId + "\"", true)]
    [InlineData(Enterprise + ":manager eq \"" + ManagerId + "\"", true)]
    [InlineData(Enterprise + ":manager eq \"26118915-6090-4610-87E4-49D8CA9F808D\"", false)]
    [InlineData(Enterprise + ":department pr", false)]
    // Date-times compare as instants.
    [InlineData("meta.lastModified gt \"2026-01-01T00:00:00Z\"", true)]
    [InlineData("meta.lastModified gt \"2026-02-01T13:30:00+01:00\"", false)]
    [InlineData("meta.lastModified ge \"2026-02-01T13:30:00+01:00\"", true)]
    [InlineData("meta.lastModified eq \"2026-02-01T12:30:00.000Z\"", true)]
    [InlineData("meta.lastModified lt \"2026-03-01\"", true)]
    [InlineData("meta.created le \"2026-01-10T08:59:59Z\"", false)]
    [InlineData("meta.created ne \"2026-01-10T09:00:00Z\"", false)]
    // Presence: empty strings are not present.
    [InlineData("displayName pr", true)]
    [InlineData("title pr", false)]
    [InlineData("nickName pr", false)]
    [InlineData("emails pr", true)]
    [InlineData("name pr", true)]
    [InlineData("phoneNumbers pr", false)]
    // ne is true when absent; null means absent.
    [InlineData("nickName ne \"x\"", true)]
    [InlineData("displayName ne \"Alice O'Hara\"", false)]
    [InlineData("displayName ne \"alice o'hara\"", false)]
    [InlineData("displayName ne \"Bob\"", true)]
    [InlineData("nickName eq null", true)]
    [InlineData("title eq null", true)]
    [InlineData("displayName eq null", false)]
    [InlineData("displayName ne null", true)]
    [InlineData("nickName ne null", false)]
    // Logic.
    [InlineData("not (active eq true)", false)]
    [InlineData("not (nickName pr)", true)]
    [InlineData("displayName eq \"Bob\" or userName sw \"alice\"", true)]
    [InlineData("displayName eq \"Bob\" and userName sw \"alice\"", false)]
    [InlineData("userName sw \"alice\" and not (emails[type eq \"home\"].value eq \"x\")", true)]
    // Not in the stored document: resolved, never matched.
    [InlineData("groups eq \"g1\"", false)]
    [InlineData("groups pr", false)]
    [InlineData("groups[type eq \"direct\"]", false)]
    public void Evaluates_against_a_user(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter, Alice()));

    [Theory]
    [InlineData("True", "active eq true", true)]
    [InlineData("True", "active eq false", false)]
    [InlineData("True", "active ne true", false)]
    [InlineData("false", "active eq false", true)]
    [InlineData("FALSE", "active eq true", false)]
    [InlineData("yes", "active eq true", false)]
    [InlineData("yes", "active ne true", true)]
    public void Booleans_stored_as_strings_compare_as_booleans(string stored, string filter, bool expected)
    {
        var user = Alice();
        user["active"] = stored;
        Assert.Equal(expected, Matches(filter, user));
    }

    [Fact]
    public void Extension_attributes_live_under_the_urn_key()
    {
        var user = Alice();
        var filter = Enterprise + ":employeeNumber eq \"701984\"";
        Assert.True(Matches(filter, user));

        // The same name at top level is not the extension attribute.
        user.Remove(Enterprise);
        user["employeeNumber"] = "701984";
        Assert.False(Matches(filter, user));
    }

    [Fact]
    public void Keys_are_looked_up_case_insensitively()
    {
        var user = new JsonObject
        {
            ["USERNAME"] = "bob",
            ["Emails"] = new JsonArray(new JsonObject { ["VALUE"] = "bob@x.example", ["Type"] = "work" }),
            [Enterprise.ToUpperInvariant()] = new JsonObject { ["employeenumber"] = "7" },
        };
        Assert.True(Matches("userName eq \"BOB\"", user));
        Assert.True(Matches("emails[type eq \"work\"].value eq \"bob@x.example\"", user));
        Assert.True(Matches(Enterprise + ":employeeNumber eq \"7\"", user));
    }

    [Theory]
    [InlineData("nosuch eq \"x\"", "unknown attribute 'nosuch'")]
    [InlineData("name.nosuch eq \"x\"", "unknown attribute 'name.nosuch'")]
    [InlineData("urn:example:unknown:2.0:User:x pr", "unknown attribute 'urn:example:unknown:2.0:User:x'")]
    [InlineData("userName pr or nosuch eq \"x\"", "unknown attribute 'nosuch'")]
    [InlineData("emails[nosuch eq \"x\"]", "'nosuch' is not a sub-attribute of 'emails'")]
    [InlineData("active co \"t\"", "'co' cannot be used on boolean attribute 'active'")]
    [InlineData("active eq \"yes\"", "expected true or false")]
    [InlineData("meta.lastModified co \"2026\"", "'co' cannot be used on dateTime attribute")]
    [InlineData("meta.lastModified gt \"yesterday\"", "expected an ISO 8601 date-time string")]
    [InlineData("userName eq 1", "'userName' is a string attribute; expected a quoted string value")]
    [InlineData("name eq \"Alice\"", "'name' is a complex attribute; name one of its sub-attributes")]
    [InlineData("userName[value eq \"x\"]", "'userName' is not a complex attribute")]
    public void Unknown_attributes_and_type_mismatches_are_invalidFilter(string filter, string message)
    {
        var ex = Assert.Throws<ScimException>(() => Matches(filter, Alice()));
        Assert.Equal(HttpStatusCode.BadRequest, ex.Status);
        Assert.Equal(ScimType.InvalidFilter, ex.ScimType);
        Assert.Contains(message, ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_surface_even_when_the_resource_is_empty()
    {
        var ex = Assert.Throws<ScimException>(() => Matches("emails[nosuch eq \"x\"]", []));
        Assert.Equal(ScimType.InvalidFilter, ex.ScimType);
    }

    // A resource type with numeric, binary and multi-valued string attributes, which User lacks.
    static readonly ResourceTypeDefinition DeviceType = new("Device", "/Devices", "Device",
        new SchemaDefinition("urn:example:Device", "Device", "Device",
        [
            new("count", AttributeType.Integer, "A count."),
            new("score", AttributeType.Decimal, "A score."),
            new("tags", AttributeType.String, "Tags.", MultiValued: true),
            new("blob", AttributeType.Binary, "Bytes."),
        ]), []);

    static JsonObject Device() => new()
    {
        ["count"] = 12,
        ["score"] = -0.25m,
        ["tags"] = new JsonArray("a", "b"),
        ["blob"] = "QUJD",
    };

    [Theory]
    [InlineData("count eq 12", true)]
    [InlineData("count eq 12.0", true)]
    [InlineData("count eq 1.2e1", true)]
    [InlineData("count gt 10", true)]
    [InlineData("count gt 12", false)]
    [InlineData("count ge 12", true)]
    [InlineData("count lt 100", true)]
    [InlineData("count le 11", false)]
    [InlineData("count ne 12", false)]
    [InlineData("score ge -0.5", true)]
    [InlineData("score lt -0.25", false)]
    [InlineData("score eq -2.5e-1", true)]
    [InlineData("tags eq \"B\"", true)]
    [InlineData("tags sw \"c\"", false)]
    [InlineData("tags ne \"a\"", true)] // any element differs
    [InlineData("blob eq \"QUJD\"", true)]
    [InlineData("blob eq \"qujd\"", false)] // binary is case-exact
    public void Evaluates_numbers_and_multi_valued_strings(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter, Device(), DeviceType));

    [Theory]
    [InlineData("count co 1", "'co' cannot be used on numeric attribute 'count'")]
    [InlineData("count eq \"12\"", "'count' is a numeric attribute; expected a number")]
    [InlineData("blob gt \"A\"", "'gt' cannot be used on binary attribute 'blob'")]
    public void Numeric_and_binary_misuse_is_invalidFilter(string filter, string message)
    {
        var ex = Assert.Throws<ScimException>(() => Matches(filter, Device(), DeviceType));
        Assert.Equal(ScimType.InvalidFilter, ex.ScimType);
        Assert.Contains(message, ex.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("displayName eq \"sales\"", true)]
    [InlineData("members eq \"u1\"", false)]
    [InlineData("members[value eq \"u1\"]", false)]
    [InlineData("id eq \"g1\" and members eq \"u1\"", false)]
    public void Group_membership_absent_from_the_document_never_matches(string filter, bool expected)
    {
        var group = new JsonObject { ["id"] = "g1", ["displayName"] = "Sales" };
        Assert.Equal(expected, Matches(filter, group, ScimSchemas.GroupType));
    }

    [Theory]
    [InlineData("members eq \"u1\"", true)]
    [InlineData("members eq \"U1\"", false)] // members.value is case-exact
    [InlineData("members[value eq \"u2\" and type eq \"user\"]", true)]
    [InlineData("id eq \"g1\" and members[value eq \"u3\"]", false)]
    public void Group_membership_in_a_rendered_document_matches(string filter, bool expected)
    {
        var group = new JsonObject
        {
            ["id"] = "g1",
            ["displayName"] = "Sales",
            ["members"] = new JsonArray(
                new JsonObject { ["value"] = "u1", ["type"] = "User" },
                new JsonObject { ["value"] = "u2", ["type"] = "User" }),
        };
        Assert.Equal(expected, Matches(filter, group, ScimSchemas.GroupType));
    }

    [Fact]
    public void Compiled_filter_is_reusable()
    {
        var matches = FilterEvaluator.Compile(FilterParser.Parse("userName sw \"a\""), ScimSchemas.UserType);
        Assert.True(matches(new JsonObject { ["userName"] = "anna" }));
        Assert.False(matches(new JsonObject { ["userName"] = "bob" }));
        Assert.False(matches([]));
    }

    static ResolvedAttribute Resolve(string path) =>
        AttributeResolver.Resolve(ScimSchemas.UserType, AttributeResolver.ParsePath(path))!;

    [Theory]
    [InlineData("emails.value", "alice@contoso.com|alice@home.example")]
    [InlineData("emails.type", "work|home")]
    [InlineData("name.givenName", "Alice")]
    [InlineData(Enterprise + ":employeeNumber", "701984")]
    [InlineData(Enterprise + ":manager.value", ManagerId)]
    [InlineData("nickName", "")]
    [InlineData("phoneNumbers.value", "")]
    public void SelectValues_returns_values_at_a_path(string path, string expected)
    {
        var values = FilterEvaluator.SelectValues(Alice(), ScimSchemas.UserType, Resolve(path));
        Assert.Equal(expected, string.Join("|", values.Select(v => v.GetValue<string>())));
    }

    [Fact]
    public void SelectValues_flattens_multi_valued_complex_attributes()
    {
        var values = FilterEvaluator.SelectValues(Alice(), ScimSchemas.UserType, Resolve("emails")).ToList();
        Assert.Equal(2, values.Count);
        Assert.All(values, v => Assert.IsType<JsonObject>(v));
    }

    static AttributeDefinition Definition(string path) => Resolve(path).Target;

    [Theory]
    [InlineData("\"alice\"", "\"Bob\"", "userName", -1)]
    [InlineData("\"B\"", "\"a\"", "userName", 1)] // case-insensitive
    [InlineData("\"B\"", "\"a\"", "externalId", -1)] // case-exact: ordinal
    [InlineData("\"x\"", "\"X\"", "userName", 0)]
    [InlineData("\"2026-01-01T10:00:00+02:00\"", "\"2026-01-01T09:00:00Z\"", "meta.lastModified", -1)]
    [InlineData("\"2026-01-01T09:00:00Z\"", "\"2026-01-01T10:00:00+01:00\"", "meta.lastModified", 0)]
    [InlineData("false", "true", "active", -1)]
    [InlineData("\"True\"", "false", "active", 1)]
    [InlineData("null", "\"a\"", "userName", 1)] // missing sorts last
    [InlineData("\"a\"", "null", "userName", -1)]
    [InlineData("null", "null", "userName", 0)]
    [InlineData("\"not a date\"", "\"2026-01-01T09:00:00Z\"", "meta.lastModified", 1)]
    [InlineData("[{\"value\":\"z@x\"},{\"value\":\"a@x\",\"primary\":true}]", "[{\"value\":\"m@x\"}]", "emails", -1)] // primary first
    [InlineData("[{\"value\":\"z@x\"},{\"value\":\"a@x\"}]", "[{\"value\":\"m@x\"}]", "emails", 1)] // else first element
    [InlineData("{\"value\":\"B\"}", "{\"value\":\"a\"}", Enterprise + ":manager", -1)] // manager.value is case-exact
    public void CompareForSort_orders_by_attribute_type(string a, string b, string path, int expected)
    {
        var result = FilterEvaluator.CompareForSort(JsonNode.Parse(a), JsonNode.Parse(b), Definition(path));
        Assert.Equal(expected, Math.Sign(result));
    }

    [Fact]
    public void CompareForSort_orders_numbers_numerically()
    {
        var count = DeviceType.Schema.FindAttribute("count")!;
        var sorted = new JsonNode?[] { 10, null, 2, -3.5m, 100 }
            .Order(Comparer<JsonNode?>.Create((x, y) => FilterEvaluator.CompareForSort(x, y, count)))
            .Select(n => n?.ToJsonString() ?? "missing");
        Assert.Equal(new[] { "-3.5", "2", "10", "100", "missing" }, sorted);
    }

    [Fact]
    public void CompareForSort_sorts_user_names_ignoring_case_with_missing_last()
    {
        var userName = Definition("userName");
        var sorted = new JsonNode?[] { "bob", null, "Alice", "carol", "alice2" }
            .Order(Comparer<JsonNode?>.Create((x, y) => FilterEvaluator.CompareForSort(x, y, userName)))
            .Select(n => n?.GetValue<string>() ?? "missing");
        Assert.Equal(new[] { "Alice", "alice2", "bob", "carol", "missing" }, sorted);
    }
}
