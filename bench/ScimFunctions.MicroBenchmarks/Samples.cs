using System.Text.Json.Nodes;
using Azure;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.MicroBenchmarks;

/// <summary>Realistic inputs: a user as Entra provisions it (with the enterprise extension and a manager),
/// and the request bodies Entra sends.</summary>
public static class Samples
{
    public const string UserJson = """
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
         "externalId":"a1b2c3-000123","userName":"alice.smith@contoso.com","active":true,"displayName":"Alice Smith",
         "title":"Engineer","preferredLanguage":"en-US",
         "emails":[{"primary":true,"type":"work","value":"alice.smith@contoso.com"}],
         "name":{"formatted":"Alice Smith","familyName":"Smith","givenName":"Alice"},
         "addresses":[{"type":"work","streetAddress":"1 Microsoft Way","locality":"Redmond","postalCode":"98052","country":"US","primary":false}],
         "phoneNumbers":[{"type":"work","value":"+1 425 555 0123"},{"type":"mobile","value":"+1 425 555 0199"}],
         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"123","department":"Research","costCenter":"CC023",
           "manager":{"value":"0199a6b4-1c1e-7d3a-9f00-000000000001"}}}
        """;

    public static JsonObject User() => JsonNode.Parse(UserJson)!.AsObject();

    public static StoredResource StoredUser() => new(ResourceKind.User, "0199a6b4-1c1e-7d3a-9f00-0000000000aa", User(), 3,
        new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero), new ETag("W/\"datetime'2026-03-01T09%3A30%3A00Z'\""));

    public static JsonObject Group() => JsonNode.Parse("""
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"9f1c-group","displayName":"Research"}
        """)!.AsObject();

    public static readonly string BaseUrl = ScimRoutes.TenantUrl("https://scim.contoso.net", TenantId.Parse("contoso"));
}
