using System.Text.Json.Nodes;
using ScimFunctions.Contract;

namespace ScimFunctions.Events;

/// <summary>One Security Event Token's claims (RFC 8417), before signing.</summary>
/// <param name="Jti">Derived from the change feed event's id: the same event always gives the same jti, so a
/// receiver de-duplicates redeliveries by it.</param>
/// <param name="Claims">iss, iat, jti, aud, txn, sub_id, events.</param>
public sealed record SecurityEvent(string Jti, JsonObject Claims);

/// <summary>
/// Maps a change feed event (schema v1, as stored in the feed row: docs/integrating.md) to RFC 9967 SETs. By default
/// events are "notice" events (RFC 9967 §2.4): they name the changed attributes and the receiver reads current values
/// with a SCIM GET of <c>sub_id.uri</c> under the issuer (the tenant's base URL). A receiver that asked for full
/// events gets create/patch/put "full" events instead, whose <c>data</c> is built from the resource's document kept
/// in the feed row (that version's, so a redelivery carries the same content).
/// </summary>
public static class SecurityEventMapper
{
    /// <summary>The SETs for one feed event, in order; none for events an application does not act on (pending
    /// resources, which are not live yet; <c>user.linked</c>, which the application itself caused; types of a
    /// newer schema). A membership event gives one SET per group, its jti suffixed with the group's position.</summary>
    /// <param name="feedEvent">The feed event as stored.</param>
    /// <param name="issuer">The tenant's SCIM base URL (<c>{origin}/scim/v2/{tenant}</c>).</param>
    /// <param name="audience">The receiver's audience.</param>
    /// <param name="full">Full events (RFC 9967 §2.4.1–2.4.3) where the feed row allows: membership changes always,
    /// resource changes when <paramref name="snapshot"/> is given; notices otherwise.</param>
    /// <param name="snapshot">The resource's document as stored at the event's version (the feed row's
    /// <see cref="RowProperties.DocumentColumns"/>); null for rows written before they carried it.</param>
    public static IReadOnlyList<SecurityEvent> Map(JsonObject feedEvent, string issuer, string audience, bool full = false, JsonObject? snapshot = null)
    {
        string? S(string name) => feedEvent[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var id = S("id") ?? throw new FormatException("A change feed event has an id.");
        if (feedEvent["pending"] is JsonValue p && p.TryGetValue<bool>(out var pending) && pending) return [];
        var time = DateTimeOffset.Parse(S("time") ?? throw new FormatException("A change feed event has a time."), System.Globalization.CultureInfo.InvariantCulture);
        var version = feedEvent["version"] is JsonValue v && v.TryGetValue<long>(out var n) ? n : (long?)null;
        var changed = feedEvent["changed"] is JsonArray c ? c.Select(x => x?.GetValue<string>()).OfType<string>().ToArray() : [];
        string? userId = S("userId"), groupId = S("groupId");

        SecurityEvent One(string uri, params (string Uri, JsonObject Payload)[] events) =>
            Build(id, issuer, audience, time, S("requestId"), uri, S("externalId"), events);
        JsonObject Notice(params string[] attributes) => WithVersion(new JsonObject { ["attributes"] = new JsonArray([.. attributes.Select(a => (JsonNode)a)]) }, version);
        JsonObject Data(JsonNode data) => WithVersion(new JsonObject { ["data"] = data }, version);
        // A PUT replaced the resource, anything else patched it (RFC 9967 §2.4.2–2.4.3); events written before the
        // feed recorded the method are patches.
        var put = S("method") == "PUT";
        var document = full ? snapshot : null;
        (string, JsonObject) Created(string resourceId, params string[] noticed) => document is not null
            ? (ScimEventUris.CreateFull, Data(Resource(document, resourceId)))
            : (ScimEventUris.CreateNotice, Notice(noticed));
        // Full: a PUT carries the resource as replaced, a PATCH the operations that take the previous version to this one.
        (string, JsonObject) Changed(string resourceId) => (document, put) switch
        {
            (null, _) => (put ? ScimEventUris.PutNotice : ScimEventUris.PatchNotice, Notice(changed)),
            (_, true) => (ScimEventUris.PutFull, Data(Resource(document, resourceId))),
            _ => (ScimEventUris.PatchFull, Data(PatchOp([.. changed.Select(path => Operation(document, path))]))),
        };

        return S("type") switch
        {
            FeedEventTypes.UserCreated or FeedEventTypes.UserPromoted when userId is not null => [One(UserUri(userId), Created(userId, "id", "userName"))],
            FeedEventTypes.GroupCreated or FeedEventTypes.GroupPromoted when groupId is not null => [One(GroupUri(groupId), Created(groupId, "id", "displayName"))],
            FeedEventTypes.UserUpdated when userId is not null => [One(UserUri(userId), Changed(userId))],
            // One state change, two event URIs in one SET (RFC 9967 §2.1): what changed, and that it deactivated.
            FeedEventTypes.UserDisabled when userId is not null => [One(UserUri(userId), Changed(userId), (ScimEventUris.Deactivate, []))],
            FeedEventTypes.UserEnabled when userId is not null => [One(UserUri(userId), Changed(userId), (ScimEventUris.Activate, []))],
            FeedEventTypes.UserDeleted when userId is not null => [One(UserUri(userId), (ScimEventUris.Delete, []))],
            FeedEventTypes.GroupRenamed or FeedEventTypes.GroupUpdated when groupId is not null => [One(GroupUri(groupId), Changed(groupId))],
            FeedEventTypes.GroupDeleted when groupId is not null => [One(GroupUri(groupId), (ScimEventUris.Delete, []))],
            FeedEventTypes.MemberAdded or FeedEventTypes.MemberRemoved => Members(feedEvent, id, issuer, audience, time, S("requestId"), full),
            _ => [],
        };
    }

    /// <summary>A full event's resource: the stored attributes with the resource's id (no <c>meta</c>: the payload's
    /// <c>version</c> and <c>sub_id.uri</c> say which version of which resource it is).</summary>
    static JsonObject Resource(JsonObject document, string id)
    {
        var resource = new JsonObject { ["id"] = id };
        foreach (var (key, value) in document)
            if (key is not ("id" or "meta")) resource[key] = value?.DeepClone();
        return resource;
    }

    static JsonObject PatchOp(JsonArray operations) => new()
    {
        ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:PatchOp"),
        ["Operations"] = operations,
    };

    /// <summary>The operation that sets one changed path to its value at this version: <c>replace</c> with the value,
    /// <c>remove</c> when the version has none.</summary>
    static JsonNode Operation(JsonObject document, string path) => ValueAt(document, path) is { } value
        ? new JsonObject { ["op"] = "replace", ["path"] = path, ["value"] = value.DeepClone() }
        : new JsonObject { ["op"] = "remove", ["path"] = path };

    /// <summary>The value at a feed path: <c>title</c>, <c>name.givenName</c>, or an extension's
    /// <c>urn:…:User:department</c> (the schema URN up to the last colon; URNs hold dots, so they are not split).</summary>
    static JsonNode? ValueAt(JsonObject document, string path)
    {
        JsonNode? node = document;
        var attribute = path;
        if (path.StartsWith("urn:", StringComparison.OrdinalIgnoreCase) && path.LastIndexOf(':') is var colon and > 4)
        {
            node = Child(document, path[..colon]);
            attribute = path[(colon + 1)..];
        }
        foreach (var part in attribute.Split('.')) node = node is JsonObject o ? Child(o, part) : null;
        return node;
    }

    /// <summary>Attribute names are case-insensitive (RFC 7643 §2.1).</summary>
    static JsonNode? Child(JsonObject o, string name) =>
        o.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Membership changes are PATCH notices on the group with <c>attributes: ["members"]</c> (RFC 9967
    /// figure 7). The pairs of one feed event share a group, or a user leaving all its groups: one SET per group.</summary>
    /// <summary>Full: <c>patch:full</c> whose PatchOp adds the users to <c>members</c>, or removes each of them.</summary>
    static IReadOnlyList<SecurityEvent> Members(JsonObject feedEvent, string id, string issuer, string audience, DateTimeOffset time, string? txn, bool full)
    {
        static string? S(JsonNode? n, string name) => n?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var pairs = (feedEvent["members"] as JsonArray ?? [])
            .Select(m => (Group: S(m, "groupId"), User: S(m, "userId")))
            .Where(p => p.Group is not null)
            .ToList();
        var groups = pairs.Select(p => p.Group!).Distinct(StringComparer.Ordinal).ToList();
        var added = feedEvent["type"]?.GetValue<string>() == FeedEventTypes.MemberAdded;
        (string, JsonObject) Payload(string group)
        {
            if (!full) return (ScimEventUris.PatchNotice, new JsonObject { ["attributes"] = new JsonArray("members") });
            var users = pairs.Where(p => p.Group == group).Select(p => p.User).OfType<string>().ToList();
            JsonArray operations = added
                ? [new JsonObject { ["op"] = "add", ["path"] = "members", ["value"] = new JsonArray([.. users.Select(u => (JsonNode)new JsonObject { ["value"] = u })]) }]
                : [.. users.Select(u => (JsonNode)new JsonObject { ["op"] = "remove", ["path"] = $"members[value eq \"{u}\"]" })];
            return (ScimEventUris.PatchFull, new JsonObject { ["data"] = PatchOp(operations) });
        }
        return [.. groups.Select((group, i) => Build(groups.Count == 1 ? id : $"{id}.{i}", issuer, audience, time, txn, GroupUri(group), null, Payload(group)))];
    }

    static SecurityEvent Build(string jti, string issuer, string audience, DateTimeOffset time, string? requestId, string uri, string? externalId,
        params (string Uri, JsonObject Payload)[] events)
    {
        var subject = new JsonObject { ["format"] = "scim", ["uri"] = uri, ["id"] = uri[(uri.LastIndexOf('/') + 1)..] };
        if (externalId is not null) subject["externalId"] = externalId;
        var claims = new JsonObject
        {
            ["iss"] = issuer,
            // The stamp of the change, not the send time: a redelivered SET carries the same claims.
            ["iat"] = time.ToUnixTimeSeconds(),
            ["jti"] = jti,
            ["aud"] = audience,
            // The SCIM request links the SETs of one request (RFC 9967 §2.2); changes made outside a request
            // (promotion out of dry-run) are their own transaction.
            ["txn"] = requestId ?? jti,
            ["sub_id"] = subject,
            ["events"] = new JsonObject(events.Select(e => KeyValuePair.Create(e.Uri, (JsonNode?)e.Payload))),
        };
        return new SecurityEvent(jti, claims);
    }

    static JsonObject WithVersion(JsonObject payload, long? version)
    {
        if (version is { } v) payload["version"] = v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return payload;
    }

    static string UserUri(string id) => "/Users/" + id;

    static string GroupUri(string id) => "/Groups/" + id;
}
