namespace ScimFunctions.Protocol;

/// <summary>
/// The one routing table: the Functions app's [HttpTrigger] attributes and the local host's endpoint
/// mappings both use these templates, so the two cannot drift. The Functions route prefix is empty
/// (host.json), so URLs are identical under both hosts. Everything that prints or calls a Tenant URL
/// (the HTTP layer, the admin CLI, the hosts, the tools) builds it with <see cref="TenantUrl"/>.
/// </summary>
public static class ScimRoutes
{
    /// <summary>The path every tenant's SCIM base URL starts with.</summary>
    public const string Prefix = "scim/v2";
    public const string Base = Prefix + "/{tenant}";
    public const string Users = Base + "/Users";
    public const string User = Base + "/Users/{id}";
    public const string UsersSearch = Base + "/Users/.search";
    public const string Groups = Base + "/Groups";
    public const string Group = Base + "/Groups/{id}";
    public const string GroupsSearch = Base + "/Groups/.search";
    public const string ServiceProviderConfig = Base + "/ServiceProviderConfig";
    public const string ResourceTypes = Base + "/ResourceTypes";
    public const string ResourceType = Base + "/ResourceTypes/{id}";
    public const string Schemas = Base + "/Schemas";
    public const string Schema = Base + "/Schemas/{id}";
    public const string Roles = Base + "/Roles";
    public const string Role = Base + "/Roles/{id}";
    public const string Me = Base + "/Me";

    /// <summary>The tenant's provisioning events polled as RFC 9967 SETs (RFC 8936), with the tenant's application token
    /// (ScimFunctions.Http.EventPollEndpoint). The SETs' audience is this URL.</summary>
    public const string EventsPoll = Base + "/Events/poll";

    /// <summary>Many writes in one request (RFC 7644 §3.7).</summary>
    public const string Bulk = Base + "/Bulk";

    /// <summary>Root-level search across Users and Groups (RFC 7644 §3.4.3).</summary>
    public const string Search = Base + "/.search";

    /// <summary>Everything else under a tenant: answered with a SCIM 404.</summary>
    public const string Fallback = Base + "/{*rest}";

    /// <summary>The tenant's base path, from the root of the origin: <c>/scim/v2/{tenant}</c>.</summary>
    public static string TenantPath(TenantId tenant) => $"/{Prefix}/{tenant.Value}";

    /// <summary>The Tenant URL pasted into Entra: <c>{origin}/scim/v2/{tenant}</c>.</summary>
    /// <param name="origin">Scheme, host and any path base, with or without a trailing slash.</param>
    public static string TenantUrl(string origin, TenantId tenant) => origin.TrimEnd('/') + TenantPath(tenant);

    /// <summary>Unauthenticated: whether storage and Key Vault answer (ScimFunctions.Http.ScimHealth). Outside any tenant.</summary>
    public const string Health = "health";

    /// <summary>Unauthenticated: the public keys that verify the provisioning events' signatures (RFC 7517 JWK Set,
    /// ScimFunctions.Http.EventsEndpoints). Outside any tenant: one key ring signs for every tenant.</summary>
    public const string EventKeys = "scim/events/jwks.json";

    /// <summary>The self-service page of one tenant (ScimFunctions.Http.Portal): reached only with a session that a
    /// signed link started. Outside <see cref="Base"/>, so the SCIM fallback never takes it.</summary>
    public const string Portal = "scim/portal/{tenant}";

    /// <summary>Opening a signed link: starts the session and redirects to <see cref="Portal"/>, taking the secret out of the address bar.</summary>
    public const string PortalOpen = Portal + "/open/{link}";

    /// <summary>The page's form posts (CSRF-checked): one route, the action named in the path.</summary>
    public const string PortalAction = Portal + "/do/{action}";

    /// <summary>The page's stylesheet and script, served from the same origin (the CSP allows nothing else).</summary>
    public const string PortalAsset = "scim/portal-assets/{file}";

    /// <summary>The page's path for a tenant: <c>/scim/portal/{tenant}</c>.</summary>
    public static string PortalPath(TenantId tenant) => "/scim/portal/" + tenant.Value;

    /// <summary>The URL of a signed link: <c>{origin}/scim/portal/{tenant}/open/{token}</c>.</summary>
    public static string PortalOpenUrl(string origin, TenantId tenant, string token) => origin.TrimEnd('/') + PortalPath(tenant) + "/open/" + token;
}
