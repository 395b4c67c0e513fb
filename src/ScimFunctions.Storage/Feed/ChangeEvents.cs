using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Storage.Feed;

/// <summary>The event types of schema version 1 (their meaning: docs/integrating.md).</summary>
public static class FeedEventTypes
{
    public const string UserCreated = "user.created";
    public const string UserUpdated = "user.updated";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string UserDeleted = "user.deleted";
    public const string UserPromoted = "user.promoted";
    public const string UserLinked = "user.linked";
    public const string GroupCreated = "group.created";
    public const string GroupRenamed = "group.renamed";
    public const string GroupUpdated = "group.updated";
    public const string GroupDeleted = "group.deleted";
    public const string GroupPromoted = "group.promoted";
    public const string MemberAdded = "member.added";
    public const string MemberRemoved = "member.removed";
}

/// <summary>The event that describes a store write.</summary>
public static class ChangeEvents
{
    public static FeedEvent Created(StoredResource r) => r.Kind == ResourceKind.User
        ? Describe(r, FeedEventTypes.UserCreated) with { Roles = AppRoles.Parse(r.Document) is { Count: > 0 } roles ? roles : null }
        : Describe(r, FeedEventTypes.GroupCreated);

    /// <summary>Null when the documents differ in nothing an application sees (a PUT re-sending the same
    /// values, a retried request): such writes add no event.</summary>
    public static FeedEvent? Replaced(StoredResource before, StoredResource after)
    {
        var changed = ChangedPaths(before.Document, after.Document);
        if (changed.Count == 0) return null;
        if (after.Kind == ResourceKind.Group)
        {
            var previous = ScimJson.GetString(before.Document, "displayName");
            return previous == ScimJson.GetString(after.Document, "displayName")
                ? Describe(after, FeedEventTypes.GroupUpdated) with { Changed = changed }
                : Describe(after, FeedEventTypes.GroupRenamed) with { Changed = changed, PreviousDisplayName = previous };
        }
        var type = (IsActive(before.Document), IsActive(after.Document)) switch
        {
            (true, false) => FeedEventTypes.UserDisabled,
            (false, true) => FeedEventTypes.UserEnabled,
            _ => FeedEventTypes.UserUpdated,
        };
        return Describe(after, type) with { Changed = changed, Roles = changed.Contains("roles") ? AppRoles.Parse(after.Document) : null };
    }

    /// <summary>A delete is a write too: its version follows the last one, so versions of a resource only grow.</summary>
    public static FeedEvent Deleted(StoredResource before, bool soft) =>
        before.Kind == ResourceKind.User
            ? Describe(before, FeedEventTypes.UserDeleted) with { SoftDeleted = soft, Version = before.Version + 1 }
            : Describe(before, FeedEventTypes.GroupDeleted) with { Version = before.Version + 1 };

    public static FeedEvent Promoted(StoredResource r) =>
        Describe(r, r.Kind == ResourceKind.User ? FeedEventTypes.UserPromoted : FeedEventTypes.GroupPromoted) with { Pending = false };

    public static FeedEvent Linked(StoredResource user, string appKey) => Describe(user, FeedEventTypes.UserLinked) with { AppKey = appKey };

    /// <summary>One membership event for the pairs of a transaction, or null when there are none.</summary>
    public static FeedEvent? Members(string type, IEnumerable<(string GroupId, string UserId)> pairs) =>
        pairs.ToList() is { Count: > 0 } list ? new FeedEvent(type) { Members = list } : null;

    static FeedEvent Describe(StoredResource r, string type) => r.Kind == ResourceKind.User
        ? new FeedEvent(type)
        {
            UserId = r.Id, UserName = ScimJson.GetString(r.Document, "userName"),
            Version = r.Version, Pending = r.Pending, AppKey = r.AppKey,
        }
        : new FeedEvent(type)
        {
            GroupId = r.Id, DisplayName = ScimJson.GetString(r.Document, "displayName"),
            Version = r.Version, Pending = r.Pending,
        };

    /// <summary>Absent <c>active</c> means active (RFC 7643 leaves it to the provider; Entra always sends it).</summary>
    static bool IsActive(JsonObject document) => ScimJson.Get(document, "active") is not JsonValue v || !v.TryGetValue<bool>(out var active) || active;

    /// <summary>
    /// The SCIM attribute paths whose values differ, sorted: <c>title</c>, <c>name.givenName</c> (complex
    /// attributes by sub-attribute), <c>emails</c> (multi-valued attributes as a whole), and extension
    /// attributes by their URN-qualified path (<c>urn:…:User:department</c>, <c>urn:…:User:manager.value</c>).
    /// Documents are canonical (schema casing, no nulls), so a plain structural comparison is exact.
    /// </summary>
    public static IReadOnlyList<string> ChangedPaths(JsonObject before, JsonObject after)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        Diff(before, after, "", Level.Resource, paths);
        return [.. paths];
    }

    enum Level { Resource, Extension, SubAttribute }

    static void Diff(JsonObject before, JsonObject after, string prefix, Level level, SortedSet<string> paths)
    {
        foreach (var key in before.Select(p => p.Key).Union(after.Select(p => p.Key), StringComparer.Ordinal))
        {
            if (level == Level.Resource && key is "schemas" or "id" or "meta") continue;
            before.TryGetPropertyValue(key, out var a);
            after.TryGetPropertyValue(key, out var b);
            if (JsonNode.DeepEquals(a, b)) continue;
            var bothObjects = a is JsonObject or null && b is JsonObject or null;
            if (level == Level.Resource && bothObjects && key.StartsWith("urn:", StringComparison.OrdinalIgnoreCase))
                Diff(a as JsonObject ?? [], b as JsonObject ?? [], key + ":", Level.Extension, paths);
            else if (level != Level.SubAttribute && bothObjects)
                Diff(a as JsonObject ?? [], b as JsonObject ?? [], prefix + key + ".", Level.SubAttribute, paths);
            else
                paths.Add(prefix + key);
        }
    }
}
