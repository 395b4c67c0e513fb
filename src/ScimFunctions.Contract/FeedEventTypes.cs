namespace ScimFunctions.Contract;

/// <summary>The event types of schema version 1. Types are strings so that a newer service can add one without
/// breaking older readers: skip types you do not know.</summary>
public static class FeedEventTypes
{
    /// <summary>A user was created (by the identity provider, or by <c>scim-admin import</c>: then <see cref="FeedEvent.AppKey"/> is set).</summary>
    public const string UserCreated = "user.created";

    /// <summary>Attributes of a user changed; <see cref="FeedEvent.Changed"/> lists their paths.</summary>
    public const string UserUpdated = "user.updated";

    /// <summary><c>active</c> went from true to false (other attributes may have changed too: see Changed).</summary>
    public const string UserDisabled = "user.disabled";

    /// <summary><c>active</c> went from false to true (other attributes may have changed too).</summary>
    public const string UserEnabled = "user.enabled";

    /// <summary>The user was deleted: removed for good, or kept disabled when <see cref="FeedEvent.SoftDeleted"/>.
    /// Its memberships were removed first (member.removed events precede this one).</summary>
    public const string UserDeleted = "user.deleted";

    /// <summary>A pending (dry-run) user became live when the tenant switched to sync mode.</summary>
    public const string UserPromoted = "user.promoted";

    /// <summary>An admin activated a user that arrived awaiting activation (the tenant's user activation is Manual):
    /// from now on <see cref="FeedEvent.AwaitingActivation"/> is false for it.</summary>
    public const string UserActivated = "user.activated";

    /// <summary><c>scim-admin import</c> linked an existing user to the application's key (<see cref="FeedEvent.AppKey"/>).</summary>
    public const string UserLinked = "user.linked";

    /// <summary>A group was created (its initial members follow as member.added).</summary>
    public const string GroupCreated = "group.created";

    /// <summary>A group's displayName changed (<see cref="FeedEvent.PreviousDisplayName"/> has the old one).</summary>
    public const string GroupRenamed = "group.renamed";

    /// <summary>Other attributes of a group changed (externalId, …); see Changed.</summary>
    public const string GroupUpdated = "group.updated";

    /// <summary>A group was deleted (its members were removed first: member.removed events precede this one).</summary>
    public const string GroupDeleted = "group.deleted";

    /// <summary>A pending (dry-run) group became live.</summary>
    public const string GroupPromoted = "group.promoted";

    /// <summary>Users were added to groups: <see cref="FeedEvent.Members"/> lists the pairs.</summary>
    public const string MemberAdded = "member.added";

    /// <summary>Users were removed from groups: <see cref="FeedEvent.Members"/> lists the pairs.</summary>
    public const string MemberRemoved = "member.removed";

    /// <summary>An admin changed the tenant's settings (provisioning, mode, deprovisioning, user activation, group
    /// provisioning, group roles, schema): <see cref="FeedEvent.Changed"/> names them (<see cref="TenantSettingsRow"/>'s
    /// property names); read the new values with the read library's tenant settings.</summary>
    public const string SettingsChanged = "tenant.settings.changed";
}
