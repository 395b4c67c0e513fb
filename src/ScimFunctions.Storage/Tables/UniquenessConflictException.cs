namespace ScimFunctions.Storage.Tables;

/// <summary>Another resource of <paramref name="kind"/> holds the unique <paramref name="attribute"/> (userName,
/// displayName): storage refused the claim row, so nothing of the write was applied.</summary>
public sealed class UniquenessConflictException(ResourceKind kind, string attribute)
    : StorageOutcomeException($"A {kind.ToString().ToLowerInvariant()} with this {attribute} already exists.")
{
    public ResourceKind Kind => kind;
    public string Attribute => attribute;
}
