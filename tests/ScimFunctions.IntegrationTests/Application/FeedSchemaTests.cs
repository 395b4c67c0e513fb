using System.Text.Json.Nodes;
using Azure;
using ScimFunctions.Contract;
using ScimFunctions.Directory;
using ScimFunctions.Storage.Feed;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.IntegrationTests.Application;

/// <summary>The feed JSON the service writes, byte for byte: schema version 1 as documented in docs/integrating.md
/// (property names, order, omissions). Deployed readers parse these bytes, so they must not change.</summary>
public sealed class FeedSchemaTests
{
    const string Id = "8f0c7c1e9a0f4a59b1d0c3a5e2f4d6b70";
    const string UserId = "0194b6a2-3c1e-7d2f-9a41-6f0e2b7c8d90";
    const string GroupId = "0194b6a3-0000-7000-8000-000000000001";
    const string Request = "0HN9R5L0P2QJ4:00000002";
    const string Envelope = "{\"v\":1,\"id\":\"8f0c7c1e9a0f4a59b1d0c3a5e2f4d6b70\",\"type\":\"";
    static readonly DateTimeOffset Time = DateTimeOffset.Parse("2025-01-14T09:30:02.1234567Z", System.Globalization.CultureInfo.InvariantCulture);

    static StoredResource User(JsonObject document, long version = 1) =>
        new(ResourceKind.User, UserId, document, version, Time, Time, ETag.All);

    static StoredResource Group(string displayName, long version = 1) =>
        new(ResourceKind.Group, GroupId, new JsonObject { ["displayName"] = displayName }, version, Time, Time, ETag.All);

    static string Written(FeedEvent? e, string? requestId = Request) => e!.ToJson(Id, Time, "contoso", requestId).ToJsonString();

    [Fact]
    public void User_events_are_written_as_schema_version_1()
    {
        var alice = User(new JsonObject { ["userName"] = "alice@contoso.com", ["title"] = "Sales" });
        Assert.Equal(Envelope + """user.created","time":"2025-01-14T09:30:02.1234567Z","tenant":"contoso","userId":"0194b6a2-3c1e-7d2f-9a41-6f0e2b7c8d90","userName":"alice@contoso.com","version":1,"requestId":"0HN9R5L0P2QJ4:00000002"}""",
            Written(FeedEventFactory.Created(alice)));

        var imported = alice with { Pending = true, AppKey = "CRM-1002" };
        Assert.Equal(Envelope + """user.created","time":"2025-01-14T09:30:02.1234567Z","tenant":"contoso","userId":"0194b6a2-3c1e-7d2f-9a41-6f0e2b7c8d90","userName":"alice@contoso.com","version":1,"appKey":"CRM-1002","pending":true,"requestId":"import-4f7d0a1c9e2b"}""",
            Written(FeedEventFactory.Created(imported), "import-4f7d0a1c9e2b"));

        var renamed = User(new JsonObject { ["userName"] = "alice@contoso.com", ["title"] = "Engineer", ["name"] = new JsonObject { ["givenName"] = "Alice" } }, 2);
        Assert.Equal(Envelope + """user.updated","time":"2025-01-14T09:30:02.1234567Z","tenant":"contoso","userId":"0194b6a2-3c1e-7d2f-9a41-6f0e2b7c8d90","userName":"alice@contoso.com","version":2,"changed":["name.givenName","title"],"requestId":"0HN9R5L0P2QJ4:00000002"}""",
            Written(FeedEventFactory.Replaced(alice, renamed)));

        var disabled = User(new JsonObject { ["userName"] = "alice@contoso.com", ["title"] = "Sales", ["active"] = false }, 2);
        Assert.Equal(Envelope + """user.disabled","time":"2025-01-14T09:30:02.1234567Z","tenant":"contoso","userId":"0194b6a2-3c1e-7d2f-9a41-6f0e2b7c8d90","userName":"alice@contoso.com","version":2,"changed":["active"],"requestId":"0HN9R5L0P2QJ4:00000002"}""",
            Written(FeedEventFactory.Replaced(alice, disabled)));

        // A hard delete says softDeleted: false; the version follows the last write.
        var four = User(new JsonObject { ["userName"] = "alice@contoso.com" }, 4);
        Assert.Equal(Envelope + """user.deleted","time":"2025-01-14T09:30:02.1234567Z","tenant":"contoso","userId":"0194b6a2-3c1e-7d2f-9a41-6f0e2b7c8d90","userName":"alice@contoso.com","version":5,"softDeleted":false,"requestId":"0HN9R5L0P2QJ4:00000002"}""",
            Written(FeedEventFactory.Deleted(four, soft: false)));
        Assert.Equal(Envelope + """user.deleted","time":"2025-01-14T09:30:02.1234567Z","tenant":"contoso","userId":"0194b6a2-3c1e-7d2f-9a41-6f0e2b7c8d90","userName":"alice@contoso.com","version":5,"softDeleted":true,"requestId":"0HN9R5L0P2QJ4:00000002"}""",
            Written(FeedEventFactory.Deleted(four, soft: true)));

        // Promotion runs outside a SCIM request: no requestId.
        Assert.Equal(Envelope + """user.promoted","time":"2025-01-14T09:30:02.1234567Z","tenant":"contoso","userId":"0194b6a2-3c1e-7d2f-9a41-6f0e2b7c8d90","userName":"alice@contoso.com","version":1}""",
            Written(FeedEventFactory.Promoted(alice with { Pending = true }), requestId: null));
        Assert.Equal(Envelope + """user.linked","time":"2025-01-14T09:30:02.1234567Z","tenant":"contoso","userId":"0194b6a2-3c1e-7d2f-9a41-6f0e2b7c8d90","userName":"alice@contoso.com","version":1,"appKey":"CRM-1007","requestId":"0HN9R5L0P2QJ4:00000002"}""",
            Written(FeedEventFactory.Linked(alice, "CRM-1007")));
        Assert.Null(FeedEventFactory.Replaced(alice, alice));
    }

    [Fact]
    public void Group_and_membership_events_are_written_as_schema_version_1()
    {
        Assert.Equal(Envelope + """group.created","time":"2025-01-14T09:30:02.1234567Z","tenant":"contoso","groupId":"0194b6a3-0000-7000-8000-000000000001","displayName":"Sales","version":1,"requestId":"0HN9R5L0P2QJ4:00000002"}""",
            Written(FeedEventFactory.Created(Group("Sales"))));
        Assert.Equal(Envelope + """group.renamed","time":"2025-01-14T09:30:02.1234567Z","tenant":"contoso","groupId":"0194b6a3-0000-7000-8000-000000000001","displayName":"Sales EMEA","previousDisplayName":"Sales","version":2,"changed":["displayName"],"requestId":"0HN9R5L0P2QJ4:00000002"}""",
            Written(FeedEventFactory.Replaced(Group("Sales"), Group("Sales EMEA", 2))));
        Assert.Equal(Envelope + """group.deleted","time":"2025-01-14T09:30:02.1234567Z","tenant":"contoso","groupId":"0194b6a3-0000-7000-8000-000000000001","displayName":"Sales EMEA","version":4,"requestId":"0HN9R5L0P2QJ4:00000002"}""",
            Written(FeedEventFactory.Deleted(Group("Sales EMEA", 3), soft: false)));
        Assert.Equal(Envelope + """member.added","time":"2025-01-14T09:30:02.1234567Z","tenant":"contoso","members":[{"groupId":"g1","userId":"u1"},{"groupId":"g1","userId":"u2"}],"requestId":"0HN9R5L0P2QJ4:00000002"}""",
            Written(FeedEventFactory.Members(FeedEventTypes.MemberAdded, [("g1", "u1"), ("g1", "u2")])));
        Assert.Null(FeedEventFactory.Members(FeedEventTypes.MemberRemoved, []));
    }

    [Fact]
    public void The_library_reads_back_what_the_service_writes_and_keeps_what_it_does_not_know()
    {
        var written = FeedEventFactory.Members(FeedEventTypes.MemberRemoved, [("g1", "u1")])!.ToJson(Id, Time, "contoso", Request);
        written["fromANewerSchema"] = 42;
        var read = ChangeEvent.Parse(written.ToJsonString());
        Assert.Equal((1, Id, FeedEventTypes.MemberRemoved, Time, "contoso", Request), (read.V, read.Id, read.Type, read.Time, read.Tenant, read.RequestId));
        Assert.Equal([new MemberPair("g1", "u1")], read.Members);
        Assert.Equal(42, read.Json["fromANewerSchema"]!.GetValue<int>());

        // The stored bytes survive the read unchanged (the envelope and the payload, in order).
        Assert.Equal(written.ToJsonString(), read.Json.ToJsonString());
    }
}
