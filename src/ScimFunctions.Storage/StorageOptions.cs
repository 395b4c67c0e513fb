namespace ScimFunctions.Storage;

/// <summary>Where the tables are. In Azure: the table endpoint, reached with the managed identity.
/// Locally: a connection string (Azurite).</summary>
public sealed record StorageOptions
{
    public string? TableEndpoint { get; init; }
    public string? ConnectionString { get; init; }
    public string TablePrefix { get; init; } = "scim";
}
