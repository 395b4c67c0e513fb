namespace ScimFunctions.Storage.Tables;

/// <summary>What a membership write did: the group's new LastModified (null when nothing changed) and
/// the requested member ids that were skipped because no such user exists in the tenant.</summary>
public sealed record MembershipChange(DateTimeOffset? LastModified, IReadOnlyList<string> Unapplied);
