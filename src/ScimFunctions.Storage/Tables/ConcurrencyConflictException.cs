namespace ScimFunctions.Storage.Tables;

/// <summary>The resource row changed since it was read: the caller re-reads and retries, or answers 412.</summary>
public sealed class ConcurrencyConflictException() : StorageOutcomeException("The resource was changed by another request.");
