using System.Text.Json.Nodes;
using CsCheck;
using ScimFunctions.Protocol.Patching;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;
using Xunit.Abstractions;

namespace ScimFunctions.Protocol.Tests.Hostile;

/// <summary>
/// PATCH requests and resource bodies built from random JSON around real paths and operations, applied to
/// users and groups: the outcome is a patched resource or a 4xx SCIM error, never another exception.
/// A successful patch never touches the input document (atomicity: all or nothing) and its result
/// passes through the normalizer again.
/// </summary>
public sealed class PatchPropertyTests(ITestOutputHelper output)
{
    const int Iterations = 4000;

    static readonly Gen<string> PathText = HostileGen.Weighted(
        (6, HostileGen.Of("userName", "displayName", "active", "title", "name", "name.givenName", "nickName", "emails", "emails.value",
            "emails[type eq \"work\"]", "emails[type eq \"work\"].value", "emails[type eq \"work\" and primary eq true].value",
            "emails[value ew \"x\"].primary", "phoneNumbers[type eq \"mobile\"].value", "addresses[type eq \"work\"].postalCode",
            "addresses[type eq \"work\"]", "roles", "roles[value eq \"x\"]", "x509Certificates", "entitlements.value", "ims[type eq 1]",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "manager", "manager[value eq \"m\"]", "manager.$ref",
            "members", "members[value eq \"u1\"]", "members[value eq \"u1\" or value eq \"u2\"]", "members[value ne \"u1\"]", "members.value",
            "members[type eq \"User\"].display", "externalId", "id", "meta", "meta.created", "groups", "password", "schemas",
            "urn:ietf:params:scim:schemas:core:2.0:User:userName", "urn:ietf:params:scim:schemas:core:2.0:Group:displayName",
            "urn:unknown:schema:attr", "emails[", "emails]", "emails[type eq]", "",
            "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User", "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User:costCode",
            "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User:tags", "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User:badge.number",
            "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User:sites[type eq \"hq\"].value", "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User:tags[value eq \"x\"]",
            "urn:ietf:params:scim:schemas:extension:acme:2.0:User", "urn:ietf:params:scim:schemas:extension:acme:2.0:User:level",
            "urn:ietf:params:scim:schemas:extension:acme:2.0:User:sites[primary eq \"True\"].value", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:nosuch",
            "roles[primary eq \"True\"].value", "urn:ietf:params:scim:schemas:extension:x:2.0:Group:y")),
        (1, HostileGen.FilterLike),
        (1, HostileGen.Text));

    /// <summary>Member edits the way Entra and Okta send them, with odd ids and shapes mixed in.</summary>
    static readonly Gen<JsonNode?> MemberOperation = Gen.Select(
        HostileGen.Of("add", "Add", "remove", "Remove", "replace"),
        HostileGen.Of<string?>("members", "members", "Members", "members[value eq \"u1\"]", "members[value eq \"u1\" or value eq \"u2\"]", null),
        HostileGen.Of("u1", "u2", "", "2f1b6c1e-0000-7000-8000-000000000001", "\ud800", "../x").Array[0, 4],
        Gen.Int[0, 2],
        (op, path, ids, shape) =>
        {
            var refs = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject { ["value"] = id })]);
            var operation = new JsonObject { ["op"] = op };
            if (path is not null) operation["path"] = path;
            if (shape == 0) operation["value"] = path is null ? new JsonObject { ["members"] = refs } : refs;
            else if (shape == 1 && ids.Length > 0) operation["value"] = ids[0];
            return (JsonNode?)operation;
        });

    static readonly Gen<JsonNode?> Value = HostileGen.Json(3);

    static readonly Gen<JsonNode?> Operation = HostileGen.Weighted(
        (8, Gen.Select(
            HostileGen.Of<JsonNode?>("add", "Add", "REPLACE", "replace", "remove", "Remove", "move", "", null, 1, true),
            HostileGen.Any(PathText.Select(p => (JsonNode?)p), HostileGen.Of<JsonNode?>(null, 5, false), Value),
            Value,
            Gen.Int[0, 3],
            (op, path, value, shape) =>
            {
                var operation = new JsonObject { ["op"] = op?.DeepClone() };
                if (shape != 1) operation["path"] = path?.DeepClone();
                if (shape != 2) operation["value"] = value?.DeepClone();
                if (shape == 3) operation.Remove("path");
                return (JsonNode?)operation;
            })),
        (3, MemberOperation),
        (1, Value));

    static readonly Gen<JsonObject> Request = HostileGen.Weighted(
        (9, Operation.Array[0, 5].Select(ops => new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:PatchOp"),
            ["Operations"] = new JsonArray([.. ops.Select(o => o?.DeepClone())]),
        })),
        (1, Value.Select(v => v as JsonObject ?? new JsonObject { ["Operations"] = v?.DeepClone() })));

    [Fact]
    public void Random_patches_of_users_and_groups_succeed_or_fail_with_4xx()
    {
        int applied = 0, rejected = 0, memberEdits = 0, extensionKept = 0;
        Check.Sample(Request, request =>
        {
            // The default tenant, one that declared an extension, and a strict one.
            foreach (var (type, resource) in new[] { (ScimSchemas.UserType, User()), (ScimSchemas.GroupType, Group()),
                (TestTenants.Declared.User, User()), (TestTenants.Strict.User, User()), (TestTenants.Strict.Group, Group()) })
            {
                var before = resource.ToJsonString();
                try
                {
                    var outcome = PatchEngine.Apply(type, resource, request);
                    Interlocked.Increment(ref applied);
                    if (!outcome.Members.IsEmpty) Interlocked.Increment(ref memberEdits);
                    if (outcome.Resource.ContainsKey(TestTenants.Custom) && outcome.Changed) Interlocked.Increment(ref extensionKept);
                    // The patched document is a valid resource in turn (what the store will be asked to keep).
                    HostileGen.Expect4xx(() => ResourceNormalizer.Normalize(type, outcome.Resource));
                }
                catch (ScimException e) when ((int)e.Status is >= 400 and < 500)
                {
                    Interlocked.Increment(ref rejected);
                }
                Assert.Equal(before, resource.ToJsonString());
            }
        }, iter: Iterations);
        output.WriteLine($"random PATCH requests: {applied + rejected} applications ({Iterations} requests x 2 resource types): {applied} applied ({memberEdits} with member edits), {rejected} rejected with 4xx");
        Assert.True(applied > 0 && rejected > 0);
        Assert.True(extensionKept > 0, "no random patch kept an undeclared extension attribute");
    }

    [Fact]
    public void Random_resource_bodies_normalize_or_fail_with_4xx()
    {
        int accepted = 0, rejected = 0;
        var body = HostileGen.Json(4, HostileGen.Key).Select(v => v as JsonObject ?? new JsonObject { ["userName"] = v?.DeepClone(), ["displayName"] = v?.DeepClone() });
        Check.Sample(body, json =>
        {
            foreach (var type in new[] { ScimSchemas.UserType, ScimSchemas.GroupType, TestTenants.Declared.User, TestTenants.Strict.User })
            {
                try
                {
                    ResourceNormalizer.Normalize(type, json);
                    Interlocked.Increment(ref accepted);
                }
                catch (ScimException e) when ((int)e.Status is >= 400 and < 500)
                {
                    Interlocked.Increment(ref rejected);
                }
            }
        }, iter: Iterations);
        output.WriteLine($"random POST/PUT bodies: {accepted + rejected} normalizations: {accepted} accepted, {rejected} rejected with 4xx");
    }

    [Fact]
    public void Random_attribute_lists_project_or_fail_with_4xx()
    {
        var cases = 0;
        Check.Sample(Gen.Select(HostileGen.Any(PathText, HostileGen.Text), HostileGen.Any(PathText, HostileGen.Text)), (attributes, excluded) =>
        {
            Interlocked.Increment(ref cases);
            HostileGen.Expect4xx(() => AttributeProjection.Parse(ScimSchemas.UserType, attributes, null).Apply(User()));
            HostileGen.Expect4xx(() => AttributeProjection.Parse(ScimSchemas.GroupType, null, excluded).Apply(Group()));
            HostileGen.Expect4xx(() => AttributeProjection.Parse(ScimSchemas.UserType, attributes + "," + excluded, excluded).Apply(User()));
            HostileGen.Expect4xx(() => AttributeProjection.Parse(TestTenants.Strict.User, attributes, excluded).Apply(User()));
        }, iter: Iterations);
        output.WriteLine($"random attributes/excludedAttributes: {cases} cases");
    }

    static JsonObject User() => JsonNode.Parse("""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
          "userName": "alice@contoso.com", "active": true, "displayName": "Alice",
          "name": { "givenName": "Alice", "familyName": "Smith" },
          "emails": [ { "value": "alice@contoso.com", "type": "work", "primary": true }, { "value": "a@home.test", "type": "home" } ],
          "phoneNumbers": [ { "value": "555", "type": "mobile" } ],
          "roles": [ { "value": "{\"id\":1}" } ],
          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "department": "Sales", "manager": { "value": "m" } },
          "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User": { "costCode": "CC-1", "tags": ["x", 2, { "value": "y" }], "badge": { "number": "7" } },
          "urn:ietf:params:scim:schemas:extension:acme:2.0:User": { "level": 3, "sites": [ { "value": "Oslo", "primary": true } ] }
        }
        """)!.AsObject();

    static JsonObject Group() => JsonNode.Parse("""
        { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales", "externalId": "g" }
        """)!.AsObject();
}
