namespace ScimFunctions.Http;

/// <summary>
/// The one routing table: the Functions app's [HttpTrigger] attributes and the local host's endpoint
/// mappings both use these templates, so the two cannot drift. The Functions route prefix is empty
/// (host.json), so URLs are identical under both hosts.
/// </summary>
public static class ScimRoutes
{
    public const string Base = "scim/v2/{tenant}";
    public const string Users = Base + "/Users";
    public const string User = Base + "/Users/{id}";
    public const string UsersSearch = Base + "/Users/.search";
    public const string Groups = Base + "/Groups";
    public const string Group = Base + "/Groups/{id}";
    public const string GroupsSearch = Base + "/Groups/.search";
    public const string Search = Base + "/.search";
    public const string ServiceProviderConfig = Base + "/ServiceProviderConfig";
    public const string ResourceTypes = Base + "/ResourceTypes";
    public const string ResourceType = Base + "/ResourceTypes/{id}";
    public const string Schemas = Base + "/Schemas";
    public const string Schema = Base + "/Schemas/{id}";
    public const string Me = Base + "/Me";

    /// <summary>Everything else under a tenant: answered with a SCIM 404.</summary>
    public const string Fallback = Base + "/{*rest}";
}
