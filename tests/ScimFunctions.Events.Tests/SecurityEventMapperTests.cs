using System.Text.Json.Nodes;

namespace ScimFunctions.Events.Tests;

public class SecurityEventMapperTests
{
    const string Issuer = "https://scim.example.com/scim/v2/contoso", Audience = "https://app.example.com/events";
    const string UserId = "0194b6a2-3c1e-7d2f-9a41-6f0e2b7c8d90", GroupId = "0194b6a3-1111-7d2f-9a41-6f0e2b7c8d90";
    const long Iat = 1736847002; // 2025-01-14T09:30:02Z

    static JsonObject Feed(string json) => JsonNode.Parse(json)!.AsObject();

    static JsonObject Expected(string jti, string txn, string uri, string events) => JsonNode.Parse($$"""
        {"iss":"{{Issuer}}","iat":{{Iat}},"jti":"{{jti}}","aud":"{{Audience}}","txn":"{{txn}}",
         "sub_id":{"format":"scim","uri":"{{uri}}","id":"{{uri[(uri.LastIndexOf('/') + 1)..]}}"},"events":{{events}}}
        """)!.AsObject();

    static void AssertClaims(JsonObject expected, SecurityEvent actual)
    {
        Assert.True(JsonNode.DeepEquals(expected, actual.Claims), $"expected {expected.ToJsonString()}\nactual   {actual.Claims.ToJsonString()}");
        Assert.Equal(expected["jti"]!.GetValue<string>(), actual.Jti);
    }

    const string Time = "\"time\":\"2025-01-14T09:30:02.1234567Z\",\"tenant\":\"contoso\"";

    public static TheoryData<string, string, string> OneSetPerEvent => new()
    {
        {
            $$"""{"v":1,"id":"e1","type":"user.created",{{Time}},"userId":"{{UserId}}","userName":"alice@contoso.com","version":1,"requestId":"r1"}""",
            $"/Users/{UserId}",
            """{"urn:ietf:params:scim:event:prov:create:notice":{"attributes":["id","userName"],"version":"1"}}"""
        },
        {
            $$"""{"v":1,"id":"e1","type":"user.promoted",{{Time}},"userId":"{{UserId}}","userName":"dan@contoso.com","version":1,"requestId":"r1"}""",
            $"/Users/{UserId}",
            """{"urn:ietf:params:scim:event:prov:create:notice":{"attributes":["id","userName"],"version":"1"}}"""
        },
        {
            $$"""{"v":1,"id":"e1","type":"user.updated",{{Time}},"userId":"{{UserId}}","userName":"a","version":2,"changed":["name.givenName","title"],"requestId":"r1"}""",
            $"/Users/{UserId}",
            """{"urn:ietf:params:scim:event:prov:patch:notice":{"attributes":["name.givenName","title"],"version":"2"}}"""
        },
        {
            $$"""{"v":1,"id":"e1","type":"user.disabled",{{Time}},"userId":"{{UserId}}","userName":"a","version":3,"changed":["active"],"requestId":"r1"}""",
            $"/Users/{UserId}",
            """{"urn:ietf:params:scim:event:prov:patch:notice":{"attributes":["active"],"version":"3"},"urn:ietf:params:scim:event:prov:deactivate":{}}"""
        },
        {
            $$"""{"v":1,"id":"e1","type":"user.enabled",{{Time}},"userId":"{{UserId}}","userName":"a","version":4,"changed":["active"],"requestId":"r1"}""",
            $"/Users/{UserId}",
            """{"urn:ietf:params:scim:event:prov:patch:notice":{"attributes":["active"],"version":"4"},"urn:ietf:params:scim:event:prov:activate":{}}"""
        },
        // The feed records the SCIM method: a PUT is a put notice (RFC 9967 §2.4.3), a PATCH a patch notice.
        {
            $$"""{"v":1,"id":"e1","type":"user.updated",{{Time}},"userId":"{{UserId}}","userName":"a","version":2,"changed":["title"],"method":"PUT","requestId":"r1"}""",
            $"/Users/{UserId}",
            """{"urn:ietf:params:scim:event:prov:put:notice":{"attributes":["title"],"version":"2"}}"""
        },
        {
            $$"""{"v":1,"id":"e1","type":"user.updated",{{Time}},"userId":"{{UserId}}","userName":"a","version":2,"changed":["title"],"method":"PATCH","requestId":"r1"}""",
            $"/Users/{UserId}",
            """{"urn:ietf:params:scim:event:prov:patch:notice":{"attributes":["title"],"version":"2"}}"""
        },
        {
            $$"""{"v":1,"id":"e1","type":"user.disabled",{{Time}},"userId":"{{UserId}}","userName":"a","version":3,"changed":["active","title"],"method":"PUT","requestId":"r1"}""",
            $"/Users/{UserId}",
            """{"urn:ietf:params:scim:event:prov:put:notice":{"attributes":["active","title"],"version":"3"},"urn:ietf:params:scim:event:prov:deactivate":{}}"""
        },
        {
            $$"""{"v":1,"id":"e1","type":"group.renamed",{{Time}},"groupId":"{{GroupId}}","displayName":"B","previousDisplayName":"A","version":2,"changed":["displayName"],"method":"PUT","requestId":"r1"}""",
            $"/Groups/{GroupId}",
            """{"urn:ietf:params:scim:event:prov:put:notice":{"attributes":["displayName"],"version":"2"}}"""
        },
        {
            $$"""{"v":1,"id":"e1","type":"user.deleted",{{Time}},"userId":"{{UserId}}","userName":"a","version":5,"softDeleted":true,"requestId":"r1"}""",
            $"/Users/{UserId}",
            """{"urn:ietf:params:scim:event:prov:delete":{}}"""
        },
        {
            $$"""{"v":1,"id":"e1","type":"group.created",{{Time}},"groupId":"{{GroupId}}","displayName":"Sales","version":1,"requestId":"r1"}""",
            $"/Groups/{GroupId}",
            """{"urn:ietf:params:scim:event:prov:create:notice":{"attributes":["id","displayName"],"version":"1"}}"""
        },
        {
            $$"""{"v":1,"id":"e1","type":"group.renamed",{{Time}},"groupId":"{{GroupId}}","displayName":"Sales EMEA","previousDisplayName":"Sales","version":2,"changed":["displayName"],"requestId":"r1"}""",
            $"/Groups/{GroupId}",
            """{"urn:ietf:params:scim:event:prov:patch:notice":{"attributes":["displayName"],"version":"2"}}"""
        },
        {
            $$"""{"v":1,"id":"e1","type":"group.updated",{{Time}},"groupId":"{{GroupId}}","displayName":"Sales","version":3,"changed":["externalId"],"requestId":"r1"}""",
            $"/Groups/{GroupId}",
            """{"urn:ietf:params:scim:event:prov:patch:notice":{"attributes":["externalId"],"version":"3"}}"""
        },
        {
            $$"""{"v":1,"id":"e1","type":"group.deleted",{{Time}},"groupId":"{{GroupId}}","displayName":"Sales","version":4,"requestId":"r1"}""",
            $"/Groups/{GroupId}",
            """{"urn:ietf:params:scim:event:prov:delete":{}}"""
        },
        {
            $$"""{"v":1,"id":"e1","type":"member.added",{{Time}},"members":[{"groupId":"{{GroupId}}","userId":"u1"},{"groupId":"{{GroupId}}","userId":"u2"}],"requestId":"r1"}""",
            $"/Groups/{GroupId}",
            """{"urn:ietf:params:scim:event:prov:patch:notice":{"attributes":["members"]}}"""
        },
        {
            $$"""{"v":1,"id":"e1","type":"member.removed",{{Time}},"members":[{"groupId":"{{GroupId}}","userId":"u1"}],"requestId":"r1"}""",
            $"/Groups/{GroupId}",
            """{"urn:ietf:params:scim:event:prov:patch:notice":{"attributes":["members"]}}"""
        },
    };

    [Theory]
    [MemberData(nameof(OneSetPerEvent))]
    public void Each_feed_event_type_becomes_its_RFC_9967_event(string feed, string uri, string events)
    {
        var set = Assert.Single(SecurityEventMapper.Map(Feed(feed), Issuer, Audience));
        AssertClaims(Expected("e1", "r1", uri, events), set);
    }

    [Fact]
    public void Mapping_is_deterministic_so_redelivery_carries_the_same_jti_and_claims()
    {
        var feed = $$"""{"v":1,"id":"8f0c7c1e9a0f4a59b1d0c3a5e2f4d6b70","type":"user.updated",{{Time}},"userId":"{{UserId}}","version":2,"changed":["title"],"requestId":"r1"}""";
        var first = Assert.Single(SecurityEventMapper.Map(Feed(feed), Issuer, Audience));
        var again = Assert.Single(SecurityEventMapper.Map(Feed(feed), Issuer, Audience));
        Assert.Equal("8f0c7c1e9a0f4a59b1d0c3a5e2f4d6b70", first.Jti);
        Assert.Equal(first.Claims.ToJsonString(), again.Claims.ToJsonString());
    }

    [Fact]
    public void A_user_leaving_several_groups_gives_one_members_notice_per_group_in_order()
    {
        var feed = $$"""{"v":1,"id":"e7","type":"member.removed",{{Time}},"members":[{"groupId":"g2","userId":"u1"},{"groupId":"g1","userId":"u1"},{"groupId":"g2","userId":"u1"}],"requestId":"r9"}""";
        var sets = SecurityEventMapper.Map(Feed(feed), Issuer, Audience);
        const string Members = """{"urn:ietf:params:scim:event:prov:patch:notice":{"attributes":["members"]}}""";
        Assert.Equal(2, sets.Count);
        AssertClaims(Expected("e7.0", "r9", "/Groups/g2", Members), sets[0]);
        AssertClaims(Expected("e7.1", "r9", "/Groups/g1", Members), sets[1]);
    }

    [Fact]
    public void ExternalId_joins_sub_id_when_the_event_carries_it()
    {
        var feed = $$"""{"v":1,"id":"e1","type":"user.deleted",{{Time}},"userId":"{{UserId}}","externalId":"jdoe","version":5,"requestId":"r1"}""";
        var set = Assert.Single(SecurityEventMapper.Map(Feed(feed), Issuer, Audience));
        Assert.Equal("jdoe", set.Claims["sub_id"]!["externalId"]!.GetValue<string>());
    }

    [Fact]
    public void Changes_outside_a_request_are_their_own_transaction()
    {
        var feed = $$"""{"v":1,"id":"e3","type":"group.promoted",{{Time}},"groupId":"{{GroupId}}","displayName":"Support","version":1}""";
        var set = Assert.Single(SecurityEventMapper.Map(Feed(feed), Issuer, Audience));
        Assert.Equal("e3", set.Claims["txn"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"v":1,"id":"e1","type":"user.created","time":"2025-01-14T09:30:02Z","tenant":"t","userId":"u","userName":"d","version":1,"pending":true}""")]
    [InlineData("""{"v":1,"id":"e1","type":"group.created","time":"2025-01-14T09:30:02Z","tenant":"t","groupId":"g","displayName":"d","version":1,"pending":true}""")]
    [InlineData("""{"v":1,"id":"e1","type":"user.linked","time":"2025-01-14T09:30:02Z","tenant":"t","userId":"u","userName":"e","version":2,"appKey":"CRM-1"}""")]
    [InlineData("""{"v":2,"id":"e1","type":"user.teleported","time":"2025-01-14T09:30:02Z","tenant":"t","userId":"u"}""")]
    [InlineData("""{"v":1,"id":"e1","type":"member.added","time":"2025-01-14T09:30:02Z","tenant":"t","members":[]}""")]
    public void Events_an_application_does_not_act_on_give_no_SET(string feed) =>
        Assert.Empty(SecurityEventMapper.Map(Feed(feed), Issuer, Audience));

    [Fact]
    public void Issued_uris_are_the_ones_the_mapping_uses()
    {
        // Each event as a notice and as a full event (with a document for the resource events).
        var all = OneSetPerEvent.Select(row => (string)row[0])
            .SelectMany(feed => SecurityEventMapper.Map(Feed(feed), Issuer, Audience).Concat(SecurityEventMapper.Map(Feed(feed), Issuer, Audience, full: true, Feed("""{"title":"t"}"""))))
            .SelectMany(set => set.Claims["events"]!.AsObject().Select(e => e.Key))
            .ToHashSet();
        Assert.Equal(ScimEventUris.Issued.Order(), all.Order());
    }
}
