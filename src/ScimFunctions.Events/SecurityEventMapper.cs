using System.Text.Json.Nodes;
using ScimFunctions.Contract;

namespace ScimFunctions.Events;

/// <summary>One Security Event Token's claims (RFC 8417), before signing.</summary>
/// <param name="Jti">Derived from the change feed event's id: the same event always gives the same jti, so a
/// receiver de-duplicates redeliveries by it.</param>
/// <param name="Claims">iss, iat, jti, aud, txn, sub_id, events.</param>
public sealed record SecurityEvent(string Jti, JsonObject Claims);

/// <summary>
/// Maps a change feed event (schema v1, as stored in the feed row: docs/integrating.md) to RFC 9967 SETs. Events
/// are "notice" events (RFC 9967 §2.4): they name the changed attributes and the receiver reads current values
/// with a SCIM GET of <c>sub_id.uri</c> under the issuer (the tenant's base URL).
/// </summary>
public static class SecurityEventMapper
{
    /// <summary>The SETs for one feed event, in order; none for events an application does not act on (pending
    /// resources, which are not live yet; <c>user.linked</c>, which the application itself caused; types of a
    /// newer schema). A membership event gives one SET per group, its jti suffixed with the group's position.</summary>
    /// <param name="feedEvent">The feed event as stored.</param>
    /// <param name="issuer">The tenant's SCIM base URL (<c>{origin}/scim/v2/{tenant}</c>).</param>
    /// <param name="audience">The receiver's audience.</param>
    public static IReadOnlyList<SecurityEvent> Map(JsonObject feedEvent, string issuer, string audience)
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
        // A PUT replaced the resource, anything else patched it (RFC 9967 §2.4.2–2.4.3); events written before the
        // feed recorded the method are patches.
        var changeUri = S("method") == "PUT" ? ScimEventUris.PutNotice : ScimEventUris.PatchNotice;

        return S("type") switch
        {
            FeedEventTypes.UserCreated or FeedEventTypes.UserPromoted when userId is not null => [One(UserUri(userId), (ScimEventUris.CreateNotice, Notice("id", "userName")))],
            FeedEventTypes.GroupCreated or FeedEventTypes.GroupPromoted when groupId is not null => [One(GroupUri(groupId), (ScimEventUris.CreateNotice, Notice("id", "displayName")))],
            FeedEventTypes.UserUpdated when userId is not null => [One(UserUri(userId), (changeUri, Notice(changed)))],
            // One state change, two event URIs in one SET (RFC 9967 §2.1): what changed, and that it deactivated.
            FeedEventTypes.UserDisabled when userId is not null => [One(UserUri(userId), (changeUri, Notice(changed)), (ScimEventUris.Deactivate, []))],
            FeedEventTypes.UserEnabled when userId is not null => [One(UserUri(userId), (changeUri, Notice(changed)), (ScimEventUris.Activate, []))],
            FeedEventTypes.UserDeleted when userId is not null => [One(UserUri(userId), (ScimEventUris.Delete, []))],
            FeedEventTypes.GroupRenamed or FeedEventTypes.GroupUpdated when groupId is not null => [One(GroupUri(groupId), (changeUri, Notice(changed)))],
            FeedEventTypes.GroupDeleted when groupId is not null => [One(GroupUri(groupId), (ScimEventUris.Delete, []))],
            FeedEventTypes.MemberAdded or FeedEventTypes.MemberRemoved => Members(feedEvent, id, issuer, audience, time, S("requestId")),
            _ => [],
        };
    }

    /// <summary>Membership changes are PATCH notices on the group with <c>attributes: ["members"]</c> (RFC 9967
    /// figure 7). The pairs of one feed event share a group, or a user leaving all its groups: one SET per group.</summary>
    static IReadOnlyList<SecurityEvent> Members(JsonObject feedEvent, string id, string issuer, string audience, DateTimeOffset time, string? txn)
    {
        var groups = (feedEvent["members"] as JsonArray ?? [])
            .Select(m => m?["groupId"] is JsonValue g && g.TryGetValue<string>(out var s) ? s : null)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return [.. groups.Select((group, i) => Build(groups.Count == 1 ? id : $"{id}.{i}", issuer, audience, time, txn, GroupUri(group), null,
            (ScimEventUris.PatchNotice, new JsonObject { ["attributes"] = new JsonArray("members") })))];
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
