using System.Globalization;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Storage.Audit;

namespace ScimFunctions.Storage.Feed;

public sealed record FeedOptions
{
    /// <summary>How long change feed events are kept (Feed:RetentionDays).</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);
}

/// <summary>
/// One change feed event as the service writes it: schema version 1, documented in docs/integrating.md and
/// read by applications with ScimFunctions.Directory's ChangeEvent. (That library cannot be referenced here:
/// its namespace would hide System.IO.Directory in every ScimFunctions.* namespace. The integration tests
/// read what this writes through it, so the two cannot drift unnoticed.)
/// </summary>
public sealed record FeedEvent(string Type)
{
    public const int SchemaVersion = 1;

    public string? UserId { get; init; }
    public string? UserName { get; init; }
    public string? GroupId { get; init; }
    public string? DisplayName { get; init; }
    public string? PreviousDisplayName { get; init; }
    public long? Version { get; init; }
    public bool Pending { get; init; }
    public bool? SoftDeleted { get; init; }
    public string? AppKey { get; init; }
    public IReadOnlyList<string> Changed { get; init; } = [];
    public IReadOnlyList<(string GroupId, string UserId)> Members { get; init; } = [];

    /// <summary>user.created (when the user has roles) and user updates that changed <c>roles</c>: the parsed roles after the change.</summary>
    public IReadOnlyList<AppRole>? Roles { get; init; }

    /// <summary>The stored JSON: the properties that are set, in a fixed order.</summary>
    public JsonObject ToJson(string id, DateTimeOffset time, string tenant, string? requestId)
    {
        var json = new JsonObject { ["v"] = SchemaVersion, ["id"] = id, ["type"] = Type, ["time"] = time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), ["tenant"] = tenant };
        void Set(string name, JsonNode? value)
        {
            if (value is not null) json[name] = value;
        }
        Set("userId", UserId);
        Set("userName", UserName);
        Set("groupId", GroupId);
        Set("displayName", DisplayName);
        Set("previousDisplayName", PreviousDisplayName);
        Set("version", Version);
        Set("appKey", AppKey);
        if (Pending) json["pending"] = true;
        Set("softDeleted", SoftDeleted);
        if (Changed.Count > 0) json["changed"] = new JsonArray([.. Changed.Select(p => (JsonNode)p)]);
        if (Roles is not null) json["roles"] = AppRoles.ToJson(Roles);
        if (Members.Count > 0)
            json["members"] = new JsonArray([.. Members.Select(m => (JsonNode)new JsonObject { ["groupId"] = m.GroupId, ["userId"] = m.UserId })]);
        Set("requestId", requestId);
        return json;
    }
}

/// <summary>
/// The change feed rows of a tenant partition: <c>feed|{utc ticks:D19}|{unique}</c>, so key order is stamp
/// order. The stores add them to the transaction of the change they describe, like the audit row, so an event
/// exists exactly when its change committed.
/// </summary>
public sealed class ChangeFeedLog(ScimTables tables)
{
    readonly TableClient table = tables.Resources;

    public const string Prefix = "feed|";

    /// <summary>Sorts after every key stamped before <paramref name="instant"/> and before the others.</summary>
    public static string KeyAt(DateTimeOffset instant) => Prefix + instant.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The feed rows of one transaction, in the order given, all stamped <paramref name="stamp"/>. They are
    /// Adds under fresh keys: if the SDK re-sends a transaction that had in fact committed (its response was lost),
    /// the existing keys fail the re-sent copy, so no event is ever written twice. <paramref name="requestId"/>: the
    /// write's (see <see cref="WriteContext"/>), null for changes no request made.</summary>
    public static IEnumerable<TableTransactionAction> Rows(TenantId tenant, DateTimeOffset stamp, string? requestId, params FeedEvent?[] events)
    {
        var unique = Guid.NewGuid().ToString("N");
        var sequence = 0;
        foreach (var e in events)
        {
            if (e is null) continue;
            var id = unique + (sequence++).ToString(CultureInfo.InvariantCulture);
            yield return new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(tenant, KeyAt(stamp) + "|" + id)
            {
                ["Type"] = e.Type,
                ["Event"] = e.ToJson(id, stamp, tenant, requestId).ToJsonString(),
            });
        }
    }

    /// <summary>Deletes events stamped before <paramref name="before"/>, 100 per transaction. Returns how many.</summary>
    public async Task<int> PurgeAsync(TenantId tenant, DateTimeOffset before, CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and RowKey gt {Prefix} and RowKey lt {KeyAt(before)}");
        var batch = new List<TableTransactionAction>();
        var count = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: ct))
        {
            batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(tenant, row.RowKey), ETag.All));
            if (batch.Count < 100) continue;
            await table.SubmitTransactionAsync(batch, ct);
            count += batch.Count;
            batch.Clear();
        }
        if (batch.Count > 0) await table.SubmitTransactionAsync(batch, ct);
        return count + batch.Count;
    }
}
