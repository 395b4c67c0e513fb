namespace ScimFunctions.Storage.Tables;

/// <summary>A document lacks an attribute its index rows are keyed by (userName, displayName).</summary>
public sealed class RequiredAttributeMissingException(string attribute) : StorageOutcomeException($"Attribute '{attribute}' is required.")
{
    public string Attribute => attribute;
}
