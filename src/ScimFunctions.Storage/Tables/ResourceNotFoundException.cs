namespace ScimFunctions.Storage.Tables;

/// <summary>The resource a write depends on no longer exists (deleted by a concurrent request).</summary>
public sealed class ResourceNotFoundException(ResourceKind kind, string id) : StorageOutcomeException($"{kind} {id} not found.")
{
    public ResourceKind Kind => kind;
    public string Id => id;
}
