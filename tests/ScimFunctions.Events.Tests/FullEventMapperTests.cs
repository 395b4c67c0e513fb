using System.Text.Json.Nodes;

namespace ScimFunctions.Events.Tests;

/// <summary>Full events (RFC 9967 §2.4.1–2.4.3): what a receiver that asked for them gets.</summary>
public class FullEventMapperTests
{
    const string Issuer = "https://scim.example.com/scim/v2/contoso", Audience = "https://app.example.com/events";
    const string UserId = "0194b6a2-3c1e-7d2f-9a41-6f0e2b7c8d90", GroupId = "0194b6a3-1111-7d2f-9a41-6f0e2b7c8d90";
    const string Time = "\"time\":\"2025-01-14T09:30:02.1234567Z\",\"tenant\":\"contoso\"";
    const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    /// <summary>A user document as the store keeps it at version 2.</summary>
    static readonly string Snapshot = $$"""
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","{{Enterprise}}"],"userName":"alice@contoso.com",
         "name":{"givenName":"Alice","familyName":"Smith"},"active":false,"emails":[{"value":"alice@contoso.com","type":"work","primary":true}],
         "{{Enterprise}}":{"department":"Sales"} }
        """;

    static JsonObject Json(string json) => JsonNode.Parse(json)!.AsObject();

    static JsonObject Events(string feed, string? snapshot = null) =>
        Assert.Single(SecurityEventMapper.Map(Json(feed), Issuer, Audience, full: true, snapshot is null ? null : Json(snapshot))).Claims["events"]!.AsObject();

    static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {JsonNode.Parse(expected)!.ToJsonString()}\nactual   {actual?.ToJsonString()}");

    [Fact]
    public void Create_carries_the_resource_as_stored_with_its_id()
    {
        var events = Events($$"""{"v":1,"id":"e1","type":"user.created",{{Time}},"userId":"{{UserId}}","userName":"alice@contoso.com","version":1,"requestId":"r1"}""", Snapshot);
        var payload = Assert.Single(events);
        Assert.Equal(ScimEventUris.CreateFull, payload.Key);
        var expected = Json(Snapshot);
        expected["id"] = UserId;
        AssertJson(new JsonObject { ["data"] = expected, ["version"] = "1" }.ToJsonString(), payload.Value);
    }

    [Fact]
    public void Patch_carries_operations_that_set_each_changed_path_to_its_value_at_that_version()
    {
        var feed = $$"""{"v":1,"id":"e1","type":"user.disabled",{{Time}},"userId":"{{UserId}}","userName":"a","version":2,"changed":["active","name.givenName","title","emails","{{Enterprise}}:department"],"method":"PATCH","requestId":"r1"}""";
        var events = Events(feed, Snapshot);
        Assert.Equal([ScimEventUris.PatchFull, ScimEventUris.Deactivate], events.Select(e => e.Key));
        AssertJson($$"""
            {"data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"replace","path":"active","value":false},
              {"op":"replace","path":"name.givenName","value":"Alice"},
              {"op":"remove","path":"title"},
              {"op":"replace","path":"emails","value":[{"value":"alice@contoso.com","type":"work","primary":true}]},
              {"op":"replace","path":"{{Enterprise}}:department","value":"Sales"}]},
             "version":"2"}
            """, events[ScimEventUris.PatchFull]);
    }

    [Fact]
    public void Put_carries_the_resource_as_replaced()
    {
        var events = Events($$"""{"v":1,"id":"e1","type":"user.updated",{{Time}},"userId":"{{UserId}}","userName":"a","version":2,"changed":["title"],"method":"PUT","requestId":"r1"}""", Snapshot);
        var payload = Assert.Single(events);
        Assert.Equal(ScimEventUris.PutFull, payload.Key);
        Assert.Equal(UserId, payload.Value!["data"]!["id"]!.GetValue<string>());
        Assert.Equal("Sales", payload.Value["data"]![Enterprise]!["department"]!.GetValue<string>());
        Assert.Equal("2", payload.Value["version"]!.GetValue<string>());
    }

    [Fact]
    public void Membership_changes_are_patch_operations_on_the_group()
    {
        var added = Events($$"""{"v":1,"id":"e1","type":"member.added",{{Time}},"members":[{"groupId":"{{GroupId}}","userId":"u1"},{"groupId":"{{GroupId}}","userId":"u2"}],"requestId":"r1"}""");
        AssertJson("""{"data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"u1"},{"value":"u2"}]}]}}""",
            added[ScimEventUris.PatchFull]);
        var removed = Events($$"""{"v":1,"id":"e2","type":"member.removed",{{Time}},"members":[{"groupId":"{{GroupId}}","userId":"u1"}],"requestId":"r1"}""");
        AssertJson("""{"data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"u1\"]"}]}}""",
            removed[ScimEventUris.PatchFull]);
    }

    [Fact]
    public void A_feed_row_without_the_document_gives_the_notice()
    {
        var events = Events($$"""{"v":1,"id":"e1","type":"user.updated",{{Time}},"userId":"{{UserId}}","userName":"a","version":2,"changed":["title"],"requestId":"r1"}""");
        AssertJson("""{"attributes":["title"],"version":"2"}""", Assert.Single(events, e => e.Key == ScimEventUris.PatchNotice).Value);
    }

    [Fact]
    public void Full_and_notice_SETs_of_one_event_share_jti_txn_and_subject()
    {
        var feed = Json($$"""{"v":1,"id":"e9","type":"user.created",{{Time}},"userId":"{{UserId}}","userName":"alice@contoso.com","externalId":"alice","version":1,"requestId":"r1"}""");
        var notice = Assert.Single(SecurityEventMapper.Map(feed, Issuer, Audience));
        var full = Assert.Single(SecurityEventMapper.Map(feed, Issuer, Audience, full: true, Json(Snapshot)));
        var again = Assert.Single(SecurityEventMapper.Map(feed, Issuer, Audience, full: true, Json(Snapshot)));
        Assert.Equal(notice.Jti, full.Jti);
        foreach (var claim in new[] { "iss", "iat", "jti", "aud", "txn", "sub_id" }) Assert.True(JsonNode.DeepEquals(notice.Claims[claim], full.Claims[claim]), claim);
        Assert.True(JsonNode.DeepEquals(full.Claims, again.Claims), "a redelivery maps to the same claims");
    }

    [Fact]
    public void Deletes_are_the_same_for_full_receivers()
    {
        var events = Events($$"""{"v":1,"id":"e1","type":"user.deleted",{{Time}},"userId":"{{UserId}}","userName":"a","version":3,"requestId":"r1"}""", Snapshot);
        Assert.Equal(ScimEventUris.Delete, Assert.Single(events).Key);
    }
}
