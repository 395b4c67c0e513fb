namespace ScimFunctions.Storage.Tables;

/// <summary>
/// What a store write refused, in storage terms, with nothing of the write applied: the HTTP layer's one
/// error mapping (ScimPipeline) turns each kind into the SCIM error it means; the admin CLI reports it.
/// </summary>
public abstract class StorageOutcomeException(string message) : Exception(message);
