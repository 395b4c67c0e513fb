namespace ScimFunctions.Protocol;

public static class ScimUrns
{
    public const string User = "urn:ietf:params:scim:schemas:core:2.0:User";
    public const string Group = "urn:ietf:params:scim:schemas:core:2.0:Group";
    public const string EnterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    public const string ServiceProviderConfig = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
    public const string ResourceType = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
    public const string Schema = "urn:ietf:params:scim:schemas:core:2.0:Schema";
    public const string ListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
    public const string SearchRequest = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
    public const string PatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    public const string BulkRequest = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
    public const string BulkResponse = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
    public const string Error = "urn:ietf:params:scim:api:messages:2.0:Error";

    /// <summary>The roles a tenant offers, at /Roles (draft-ietf-scim-roles-entitlements).</summary>
    public const string Role = "urn:ietf:params:scim:schemas:core:2.0:Role";

    /// <summary>Extension schemas live under this prefix (RFC 7643 §10.2.1); attributes under an undeclared
    /// one are kept unless the tenant is strict.</summary>
    public const string ExtensionPrefix = "urn:ietf:params:scim:schemas:extension:";

    public static bool IsExtensionUrn(string text) =>
        text.Length > ExtensionPrefix.Length && text.StartsWith(ExtensionPrefix, StringComparison.OrdinalIgnoreCase);
}

public static class ScimMediaTypes
{
    public const string Scim = "application/scim+json";
    public const string Json = "application/json";
}
