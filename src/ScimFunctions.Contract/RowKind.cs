namespace ScimFunctions.Contract;

/// <summary>The kinds of row in a tenant partition, told apart by their key's prefix.</summary>
public enum RowKind
{
    /// <summary>A row this layout does not cross-reference (tenant settings, audit entries, later kinds).</summary>
    Other,

    /// <summary><c>user|{id}</c>: a user and its document.</summary>
    User,

    /// <summary><c>group|{id}</c>: a group and its document.</summary>
    Group,

    /// <summary><c>username|{value}</c>: the unique claim on a userName.</summary>
    UserName,

    /// <summary><c>groupname|{value}</c>: the unique claim on a group's displayName.</summary>
    GroupName,

    /// <summary><c>userext|{value}|{id}</c>: a user's externalId.</summary>
    UserExternalId,

    /// <summary><c>useremail|{value}|{id}</c>: one of a user's emails.</summary>
    UserEmail,

    /// <summary><c>groupext|{value}|{id}</c>: a group's externalId.</summary>
    GroupExternalId,

    /// <summary><c>userappkey|{value}</c>: the unique claim on an application user key.</summary>
    UserAppKey,

    /// <summary><c>member|{group}|{user}</c>: a membership, group to user.</summary>
    Member,

    /// <summary><c>memberof|{user}|{group}</c>: the same membership, user to group.</summary>
    MemberOf,

    /// <summary><c>feed|{utc ticks:D19}|{unique}</c>: a change feed event.</summary>
    Feed,

    /// <summary><c>userxclaim|{attribute}|{value}</c>: the unique claim on a user's declared unique extension attribute.</summary>
    UserExtensionClaim,

    /// <summary><c>userxindex|{attribute}|{value}|{id}</c>: a user's declared indexed extension attribute.</summary>
    UserExtensionIndex,

    /// <summary><c>groupxclaim|{attribute}|{value}</c>: the unique claim on a group's declared unique extension attribute.</summary>
    GroupExtensionClaim,

    /// <summary><c>groupxindex|{attribute}|{value}|{id}</c>: a group's declared indexed extension attribute.</summary>
    GroupExtensionIndex,

    /// <summary><c>receiver|{id}</c>: an event receiver of the tenant and its delivery state.</summary>
    EventReceiver,

    /// <summary><c>eventpoll</c>: the tenant's SET poll stream.</summary>
    EventPoll,

    /// <summary><c>brake</c>: the tenant's deprovisioning brake (window counts, engaged or not).</summary>
    DeprovisionBrake,

    /// <summary><c>held|{user}</c>: a user's deprovisioning held by the brake (action, when, by which request).</summary>
    Held,
}
