namespace ScimFunctions.Contract;

/// <summary>Resource ids: lowercase GUIDs (version 7, so id order is creation order).</summary>
public static class ResourceIds
{
    /// <summary>A new id.</summary>
    public static string New() => Guid.CreateVersion7().ToString("D");

    /// <summary>Anything else cannot name a stored resource, so it never reaches a storage key.</summary>
    public static bool IsWellFormed(string id) => id.Length == 36 && Guid.TryParseExact(id, "D", out _);
}
