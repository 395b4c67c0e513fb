using System.Text.Json.Nodes;
using ScimFunctions.Contract;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Storage.Feed;

/// <summary>The writer side of the feed: the <see cref="FeedEvent"/> that describes a store write (schema and
/// types in ScimFunctions.Contract). <see cref="FeedRows"/> turns it into a row of the write's transaction.</summary>
public static class FeedEventFactory
{
    public static FeedEvent Created(StoredResource r) => r.Kind == ResourceKind.User
        ? Describe(r, FeedEventTypes.UserCreated) with { Roles = AppRoles.Parse(r.Document) is { Count: > 0 } roles ? Roles(roles) : null }
        : Describe(r, FeedEventTypes.GroupCreated);

    /// <summary>Null when the documents differ in nothing an application sees (a PUT re-sending the same
    /// values, a retried request): such writes add no event.</summary>
    /// <param name="method">PUT or PATCH when a SCIM request made the change (<see cref="FeedEvent.Method"/>).</param>
    public static FeedEvent? Replaced(StoredResource before, StoredResource after, string? method = null)
    {
        var changed = ChangedPaths(before.Document, after.Document);
        if (changed.Count == 0) return null;
        if (after.Kind == ResourceKind.Group)
        {
            var previous = ScimJson.GetString(before.Document, "displayName");
            return previous == ScimJson.GetString(after.Document, "displayName")
                ? Describe(after, FeedEventTypes.GroupUpdated) with { Changed = changed, Method = method }
                : Describe(after, FeedEventTypes.GroupRenamed) with { Changed = changed, PreviousDisplayName = previous, Method = method };
        }
        var type = (IsActive(before.Document), IsActive(after.Document)) switch
        {
            (true, false) => FeedEventTypes.UserDisabled,
            (false, true) => FeedEventTypes.UserEnabled,
            _ => FeedEventTypes.UserUpdated,
        };
        return Describe(after, type) with { Changed = changed, Roles = changed.Contains("roles") ? Roles(AppRoles.Parse(after.Document)) : null, Method = method };
    }

    /// <summary>Parsed app roles as the contract stores them (the user row's Roles and the events' roles).</summary>
    public static IReadOnlyList<DirectoryRole> Roles(IReadOnlyList<AppRole> roles) => [.. roles.Select(r => new DirectoryRole(r.Id, r.Value, r.DisplayName))];

    /// <summary>A delete is a write too: its version follows the last one, so versions of a resource only grow.</summary>
    public static FeedEvent Deleted(StoredResource before, bool soft) =>
        before.Kind == ResourceKind.User
            ? Describe(before, FeedEventTypes.UserDeleted) with { SoftDeleted = soft, Version = before.Version + 1 }
            : Describe(before, FeedEventTypes.GroupDeleted) with { Version = before.Version + 1 };

    public static FeedEvent Promoted(StoredResource r) =>
        Describe(r, r.Kind == ResourceKind.User ? FeedEventTypes.UserPromoted : FeedEventTypes.GroupPromoted) with { Pending = false };

    public static FeedEvent Activated(StoredResource user) => Describe(user, FeedEventTypes.UserActivated) with { AwaitingActivation = false };

    public static FeedEvent Linked(StoredResource user, string appKey) => Describe(user, FeedEventTypes.UserLinked) with { AppKey = appKey };

    /// <summary>One membership event for the pairs of a transaction, or null when there are none.</summary>
    public static FeedEvent? Members(string type, IEnumerable<(string GroupId, string UserId)> pairs) =>
        pairs.Select(p => new MemberPair(p.GroupId, p.UserId)).ToList() is { Count: > 0 } list ? new FeedEvent { Type = type, Members = list } : null;

    static FeedEvent Describe(StoredResource r, string type) => r.Kind == ResourceKind.User
        ? new FeedEvent
        {
            Type = type, UserId = r.Id, UserName = ScimJson.GetString(r.Document, "userName"), ExternalId = ScimJson.GetString(r.Document, "externalId"),
            Version = r.Version, Pending = r.Pending, AppKey = r.AppKey, AwaitingActivation = r.AwaitingActivation,
        }
        : new FeedEvent
        {
            Type = type, GroupId = r.Id, DisplayName = ScimJson.GetString(r.Document, "displayName"), ExternalId = ScimJson.GetString(r.Document, "externalId"),
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
