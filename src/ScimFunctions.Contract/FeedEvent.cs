using System.Globalization;
using System.Text.Json.Nodes;

namespace ScimFunctions.Contract;

/// <summary>One user–group pair of a membership event.</summary>
/// <param name="GroupId">The group's id.</param>
/// <param name="UserId">The user's id.</param>
public sealed record MemberPair(string GroupId, string UserId);

/// <summary>
/// One change feed event, schema version 1 (docs/integrating.md): what the service writes into a feed row
/// (<see cref="ToJson()"/>) and what the read library reads back (its <c>ChangeEvent</c> adds the event as
/// stored). Events say what changed, not the whole resource. Which properties are set depends on
/// <see cref="Type"/>; unset ones are null, false or empty and are not written.
/// </summary>
public record FeedEvent
{
    /// <summary>The schema version this contract writes and reads (the <c>"v"</c> property).</summary>
    public const int SchemaVersion = 1;

    /// <summary>An event to write: set <see cref="Type"/> and the properties of that type.</summary>
    public FeedEvent()
    {
    }

    /// <summary>Reads a stored event's properties; unknown properties are ignored here.</summary>
    protected FeedEvent(JsonObject json)
    {
        string? S(string name) => json[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        bool B(string name) => json[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
        V = json["v"] is JsonValue version && version.TryGetValue<int>(out var v) ? v : 0;
        Id = S("id") ?? "";
        Type = S("type") ?? "";
        Time = DateTimeOffset.TryParse(S("time"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : default;
        Tenant = S("tenant") ?? "";
        UserId = S("userId");
        UserName = S("userName");
        GroupId = S("groupId");
        ExternalId = S("externalId");
        Method = S("method");
        DisplayName = S("displayName");
        PreviousDisplayName = S("previousDisplayName");
        Version = json["version"] is JsonValue rv && rv.TryGetValue<long>(out var resourceVersion) ? resourceVersion : null;
        Pending = B("pending");
        SoftDeleted = B("softDeleted");
        AwaitingActivation = B("awaitingActivation");
        AppKey = S("appKey");
        Changed = json["changed"] is JsonArray changed ? [.. changed.Select(c => c?.GetValue<string>() ?? "")] : [];
        Members = json["members"] is JsonArray members
            ? [.. members.OfType<JsonObject>().Select(m => new MemberPair(m["groupId"]?.GetValue<string>() ?? "", m["userId"]?.GetValue<string>() ?? ""))]
            : [];
        Roles = DirectoryRole.Parse(json["roles"]);
        RequestId = S("requestId");
    }

    /// <summary>Schema version of this event.</summary>
    public int V { get; init; } = SchemaVersion;

    /// <summary>Unique id of the event (stable: the same event read twice has the same id).</summary>
    public string Id { get; init; } = "";

    /// <summary>One of <see cref="FeedEventTypes"/>, or a type from a newer schema.</summary>
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

    /// <summary>user.* and group.* events: the resource's externalId after the change (before it, on a delete), when it
    /// has one. Added within schema version 1: older events lack it, older readers ignore it.</summary>
    public string? ExternalId { get; init; }

    /// <summary>user.updated, user.disabled, user.enabled, group.renamed, group.updated: the SCIM method that made the
    /// change, <c>PUT</c> (the resource replaced) or <c>PATCH</c> (operations applied); absent when no SCIM request
    /// made it (an admin command) and on events written before it existed. Added within schema version 1.</summary>
    public string? Method { get; init; }

    /// <summary>group.* events: the displayName after the change.</summary>
    public string? DisplayName { get; init; }

    /// <summary>group.renamed: the displayName before.</summary>
    public string? PreviousDisplayName { get; init; }

    /// <summary>user.* and group.* events: the resource's version after the change. Versions of one resource only
    /// grow, so an application can ignore an event older than what it has already applied.</summary>
    public long? Version { get; init; }

    /// <summary>The resource is pending (arrived in dry-run mode): not yet live for the application.</summary>
    public bool Pending { get; init; }

    /// <summary>user.* events: the user awaits an admin's activation (Manual user activation); a
    /// <see cref="FeedEventTypes.UserActivated"/> event follows when it is activated.</summary>
    public bool AwaitingActivation { get; init; }

    /// <summary>user.deleted: the user is kept, disabled and marked deleted ("disable" deprovisioning mode).</summary>
    public bool SoftDeleted { get; init; }

    /// <summary>user.* events: the application's key of the user, when it has one (import).</summary>
    public string? AppKey { get; init; }

    /// <summary>tenant.settings.changed: the names of the settings that changed (<see cref="TenantSettingsRow"/>).
    /// updated, disabled, enabled, renamed: the changed attribute paths, e.g. <c>title</c>,
    /// <c>name.givenName</c>, <c>emails</c>, <c>urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department</c>.</summary>
    public IReadOnlyList<string> Changed { get; init; } = [];

    /// <summary>member.added / member.removed: the pairs. All pairs of one event share the group (a group write)
    /// or the user (a user leaving all its groups when deleted).</summary>
    public IReadOnlyList<MemberPair> Members { get; init; } = [];

    /// <summary>user.created (when the user has roles) and user updates whose <see cref="Changed"/> lists <c>roles</c>:
    /// the user's app roles after the change, parsed (empty: none left). Null on other events, and then not written,
    /// so an event without roles is stored as before.</summary>
    public IReadOnlyList<DirectoryRole>? Roles { get; init; }

    /// <summary>The SCIM request that made the change (its id is in the service's audit log), if any.</summary>
    public string? RequestId { get; init; }

    /// <summary>The event as stored: the properties that are set, in a fixed order. <c>softDeleted</c> is always
    /// written on user.deleted, so a hard delete says <c>false</c>.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["v"] = SchemaVersion, ["id"] = Id, ["type"] = Type, ["time"] = Time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), ["tenant"] = Tenant };
        void Set(string name, JsonNode? value)
        {
            if (value is not null) json[name] = value;
        }
        Set("userId", UserId);
        Set("userName", UserName);
        Set("groupId", GroupId);
        Set("displayName", DisplayName);
        Set("previousDisplayName", PreviousDisplayName);
        Set("externalId", ExternalId);
        Set("method", Method);
        Set("version", Version);
        Set("appKey", AppKey);
        if (Pending) json["pending"] = true;
        if (AwaitingActivation) json["awaitingActivation"] = true;
        if (SoftDeleted || Type == FeedEventTypes.UserDeleted) json["softDeleted"] = SoftDeleted;
        if (Changed.Count > 0) json["changed"] = new JsonArray([.. Changed.Select(p => (JsonNode)p)]);
        if (Roles is not null) json["roles"] = DirectoryRole.ToJson(Roles);
        if (Members.Count > 0)
            json["members"] = new JsonArray([.. Members.Select(m => (JsonNode)new JsonObject { ["groupId"] = m.GroupId, ["userId"] = m.UserId })]);
        Set("requestId", RequestId);
        return json;
    }

    /// <summary>The event stamped into its feed row (id, time, tenant, request), as stored.</summary>
    public JsonObject ToJson(string id, DateTimeOffset time, string tenant, string? requestId) =>
        (this with { Id = id, Time = time, Tenant = tenant, RequestId = requestId }).ToJson();
}
