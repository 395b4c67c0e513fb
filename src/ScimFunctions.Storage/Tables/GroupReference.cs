namespace ScimFunctions.Storage.Tables;

/// <summary>A user's group, for the read-only <c>groups</c> attribute.</summary>
public sealed record GroupReference(string GroupId, string? DisplayName);
