using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Tests;

/// <summary>Tenant schemas the protocol tests share: one that declared an extension, one strict.</summary>
internal static class TestTenants
{
    public const string Acme = "urn:ietf:params:scim:schemas:extension:acme:2.0:User";
    public const string Custom = "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User";

    /// <summary>Declares <see cref="Acme"/>: badge (unique string), level (indexed integer), caseExact code,
    /// hired (dateTime), remote (boolean), a multi-valued complex 'sites'. Undeclared extensions are kept.</summary>
    public static readonly TenantSchema Declared = TenantSchema.Read(Declaration("keep"));

    /// <summary>The same declaration, rejecting undeclared extensions.</summary>
    public static readonly TenantSchema Strict = TenantSchema.Read(Declaration("reject"));

    public static JsonObject Declaration(string undeclared) => JsonNode.Parse($$"""
        {
          "undeclaredExtensions": "{{undeclared}}",
          "extensions": [ { "schema": {
            "id": "{{Acme}}", "name": "AcmeUser", "description": "Acme's attributes.",
            "attributes": [
              { "name": "badge", "type": "string", "uniqueness": "server", "description": "Badge number." },
              { "name": "level", "type": "integer", "indexed": true },
              { "name": "code", "type": "string", "caseExact": true },
              { "name": "hired", "type": "dateTime" },
              { "name": "remote", "type": "boolean" },
              { "name": "sites", "type": "complex", "multiValued": true, "subAttributes": [
                { "name": "value", "type": "string" }, { "name": "primary", "type": "boolean" } ] }
            ] } } ],
          "roles": [ { "value": "Admin", "display": "Administrator" }, { "value": "Reader" } ]
        }
        """)!.AsObject();
}
