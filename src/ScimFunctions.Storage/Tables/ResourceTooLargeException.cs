namespace ScimFunctions.Storage.Tables;

/// <summary>The document does not fit in one table row, even split into the most chunks a row holds.</summary>
public sealed class ResourceTooLargeException() : StorageOutcomeException("The resource is too large to store.");
