using System.Globalization;
using System.Text.Json.Nodes;

namespace ScimFunctions.Directory;

/// <summary>The event types of schema version 1. Types are strings so that a newer service can add one without
/// breaking older readers: skip types you do not know.</summary>
public static class ChangeEventTypes
{
    /// <summary>A user was created (by the identity provider, or by <c>scim-admin import</c>: then <see cref="ChangeEvent.AppKey"/> is set).</summary>
    public const string UserCreated = "user.created";

    /// <summary>Attributes of a user changed; <see cref="ChangeEvent.Changed"/> lists their paths.</summary>
    public const string UserUpdated = "user.updated";

    /// <summary><c>active</c> went from true to false (other attributes may have changed too: see Changed).</summary>
    public const string UserDisabled = "user.disabled";

    /// <summary><c>active</c> went from false to true (other attributes may have changed too).</summary>
    public const string UserEnabled = "user.enabled";

    /// <summary>The user was deleted: removed for good, or kept disabled when <see cref="ChangeEvent.SoftDeleted"/>.
    /// Its memberships were removed first (member.removed events precede this one).</summary>
    public const string UserDeleted = "user.deleted";

    /// <summary>A pending (dry-run) user became live when the tenant switched to sync mode.</summary>
    public const string UserPromoted = "user.promoted";

    /// <summary><c>scim-admin import</c> linked an existing user to the application's key (<see cref="ChangeEvent.AppKey"/>).</summary>
    public const string UserLinked = "user.linked";

    /// <summary>A group was created (its initial members follow as member.added).</summary>
    public const string GroupCreated = "group.created";

    /// <summary>A group's displayName changed (<see cref="ChangeEvent.PreviousDisplayName"/> has the old one).</summary>
    public const string GroupRenamed = "group.renamed";

    /// <summary>Other attributes of a group changed (externalId, …); see Changed.</summary>
    public const string GroupUpdated = "group.updated";

    /// <summary>A group was deleted (its members were removed first: member.removed events precede this one).</summary>
    public const string GroupDeleted = "group.deleted";

    /// <summary>A pending (dry-run) group became live.</summary>
    public const string GroupPromoted = "group.promoted";

    /// <summary>Users were added to groups: <see cref="ChangeEvent.Members"/> lists the pairs.</summary>
    public const string MemberAdded = "member.added";

    /// <summary>Users were removed from groups: <see cref="ChangeEvent.Members"/> lists the pairs.</summary>
    public const string MemberRemoved = "member.removed";
}

/// <summary>One user–group pair of a membership event.</summary>
/// <param name="GroupId">The group's id.</param>
/// <param name="UserId">The user's id.</param>
public sealed record MemberChange(string GroupId, string UserId);

/// <summary>
/// One provisioning event of a tenant's change feed. Events say what changed, not the whole resource: read
/// the current state with <see cref="DirectoryReader"/> when you need it. Which properties are set depends on
/// <see cref="Type"/> (see docs/integrating.md); unset ones are null, false or empty.
/// </summary>
public sealed record ChangeEvent
{
    /// <summary>The schema version this library writes and reads (the <c>"v"</c> property).</summary>
    public const int SchemaVersion = 1;

    /// <summary>Schema version of this event.</summary>
    public int V { get; init; } = SchemaVersion;

    /// <summary>Unique id of the event (stable: the same event read twice has the same id).</summary>
    public string Id { get; init; } = "";

    /// <summary>One of <see cref="ChangeEventTypes"/>, or a type from a newer schema.</summary>
    public string Type { get; init; } = "";

    /// <summary>When the change was stamped (UTC); the feed is ordered by it.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>The tenant.</summary>
    public string Tenant { get; init; } = "";

    /// <summary>user.* events: the user's id.</summary>
    public string? UserId { get; init; }

    /// <summary>user.* events: the userName after the change.</summary>
    public string? UserName { get; init; }

    /// <summary>group.* events: the group's id.</summary>
    public string? GroupId { get; init; }

    /// <summary>group.* events: the displayName after the change.</summary>
    public string? DisplayName { get; init; }

    /// <summary>group.renamed: the displayName before.</summary>
    public string? PreviousDisplayName { get; init; }

    /// <summary>user.* and group.* events: the resource's version after the change. Versions of one resource only
    /// grow, so an application can ignore an event older than what it has already applied.</summary>
    public long? Version { get; init; }

    /// <summary>The resource is pending (arrived in dry-run mode): not yet live for the application.</summary>
    public bool Pending { get; init; }

    /// <summary>user.deleted: the user is kept, disabled and marked deleted ("disable" deprovisioning mode).</summary>
    public bool SoftDeleted { get; init; }

    /// <summary>user.* events: the application's key of the user, when it has one (import).</summary>
    public string? AppKey { get; init; }

    /// <summary>updated, disabled, enabled, renamed: the changed attribute paths, e.g. <c>title</c>,
    /// <c>name.givenName</c>, <c>emails</c>, <c>urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department</c>.</summary>
    public IReadOnlyList<string> Changed { get; init; } = [];

    /// <summary>member.added / member.removed: the pairs. All pairs of one event share the group (a group write)
    /// or the user (a user leaving all its groups when deleted).</summary>
    public IReadOnlyList<MemberChange> Members { get; init; } = [];

    /// <summary>user.created (when the user has roles) and user updates whose <see cref="Changed"/> lists <c>roles</c>:
    /// the user's app roles after the change, parsed (empty: none left).</summary>
    public IReadOnlyList<DirectoryRole> Roles { get; init; } = [];

    /// <summary>The SCIM request that made the change (its id is in the service's audit log), if any.</summary>
    public string? RequestId { get; init; }

    /// <summary>The event as stored, including properties of a newer schema this library does not know.</summary>
    public JsonObject Json { get; init; } = [];

    /// <summary>Reads a stored event. Unknown properties are kept in <see cref="Json"/>.</summary>
    public static ChangeEvent Parse(string json)
    {
        var o = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("A change event is a JSON object.");
        string? S(string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        bool B(string name) => o[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
        return new ChangeEvent
        {
            V = o["v"] is JsonValue v && v.TryGetValue<int>(out var version) ? version : 0,
            Id = S("id") ?? "",
            Type = S("type") ?? "",
            Time = DateTimeOffset.TryParse(S("time"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : default,
            Tenant = S("tenant") ?? "",
            UserId = S("userId"),
            UserName = S("userName"),
            GroupId = S("groupId"),
            DisplayName = S("displayName"),
            PreviousDisplayName = S("previousDisplayName"),
            Version = o["version"] is JsonValue rv && rv.TryGetValue<long>(out var resourceVersion) ? resourceVersion : null,
            Pending = B("pending"),
            SoftDeleted = B("softDeleted"),
            AppKey = S("appKey"),
            Changed = o["changed"] is JsonArray changed ? [.. changed.Select(c => c?.GetValue<string>() ?? "")] : [],
            Members = o["members"] is JsonArray members
                ? [.. members.OfType<JsonObject>().Select(m => new MemberChange(m["groupId"]?.GetValue<string>() ?? "", m["userId"]?.GetValue<string>() ?? ""))]
                : [],
            Roles = DirectoryRoles.Parse(o["roles"]),
            RequestId = S("requestId"),
            Json = o,
        };
    }
}
