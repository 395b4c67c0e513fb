using ScimFunctions.Contract;

namespace ScimFunctions.Directory;

// Names of version 1.0 that moved to ScimFunctions.Contract, where the service writes the same definitions.
// They keep compiling, with a warning, for one version (removed in 2.0): see docs/integrating.md.

/// <summary>Moved: <see cref="FeedEventTypes"/> (namespace ScimFunctions.Contract) has the same constants.</summary>
[Obsolete("Use ScimFunctions.Contract.FeedEventTypes; ChangeEventTypes is removed in version 2.0.")]
public static class ChangeEventTypes
{
#pragma warning disable CS1591 // Each constant is the FeedEventTypes one, documented there.
    public const string UserCreated = FeedEventTypes.UserCreated;
    public const string UserUpdated = FeedEventTypes.UserUpdated;
    public const string UserDisabled = FeedEventTypes.UserDisabled;
    public const string UserEnabled = FeedEventTypes.UserEnabled;
    public const string UserDeleted = FeedEventTypes.UserDeleted;
    public const string UserPromoted = FeedEventTypes.UserPromoted;
    public const string UserLinked = FeedEventTypes.UserLinked;
    public const string GroupCreated = FeedEventTypes.GroupCreated;
    public const string GroupRenamed = FeedEventTypes.GroupRenamed;
    public const string GroupUpdated = FeedEventTypes.GroupUpdated;
    public const string GroupDeleted = FeedEventTypes.GroupDeleted;
    public const string GroupPromoted = FeedEventTypes.GroupPromoted;
    public const string MemberAdded = FeedEventTypes.MemberAdded;
    public const string MemberRemoved = FeedEventTypes.MemberRemoved;
#pragma warning restore CS1591
}

/// <summary>Moved: <see cref="MemberPair"/> (namespace ScimFunctions.Contract) is the type of
/// <see cref="FeedEvent.Members"/>; a pair converts to this one implicitly.</summary>
/// <param name="GroupId">The group's id.</param>
/// <param name="UserId">The user's id.</param>
[Obsolete("Use ScimFunctions.Contract.MemberPair; MemberChange is removed in version 2.0.")]
public sealed record MemberChange(string GroupId, string UserId)
{
    /// <summary>The same pair under its old name.</summary>
    public static implicit operator MemberChange(MemberPair pair) => new(pair.GroupId, pair.UserId);
}
