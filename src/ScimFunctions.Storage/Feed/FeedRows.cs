using System.Globalization;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Contract;
using ScimFunctions.Protocol;

namespace ScimFunctions.Storage.Feed;

public sealed record FeedOptions
{
    /// <summary>How long change feed events are kept (Feed:RetentionDays).</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);
}

/// <summary>
/// The change feed rows of a tenant partition (keys: <see cref="RowKeys.Feed"/>, stamp order). The stores add
/// them to the transaction of the change they describe, like the audit row, so an event exists exactly when its
/// change committed. Applications read them with ScimFunctions.Directory's ChangeFeedReader.
/// </summary>
public sealed class FeedRows(ScimTables tables)
{
    readonly TableClient table = tables.Resources;

    /// <summary>The feed rows of one transaction, in the order given, all stamped <paramref name="stamp"/>. They are
    /// Adds under fresh keys: if the SDK re-sends a transaction that had in fact committed (its response was lost),
    /// the existing keys fail the re-sent copy, so no event is ever written twice. <paramref name="requestId"/>: the
    /// write's (see <see cref="WriteContext"/>), null for changes no request made.</summary>
    public static IEnumerable<TableTransactionAction> Rows(TenantId tenant, DateTimeOffset stamp, string? requestId, params FeedEvent?[] events) =>
        Rows(tenant, stamp, requestId, snapshot: null, events);

    /// <summary>As above; <paramref name="snapshot"/>, the resource's document at the version the events describe, is
    /// kept with them (<see cref="RowProperties.DocumentColumns"/>), so a full event carries that version's attributes
    /// however often it is delivered, whatever happened to the resource since.</summary>
    public static IEnumerable<TableTransactionAction> Rows(TenantId tenant, DateTimeOffset stamp, string? requestId, string? snapshot, params FeedEvent?[] events)
    {
        var unique = Guid.NewGuid().ToString("N");
        var sequence = 0;
        foreach (var e in events)
        {
            if (e is null) continue;
            var id = unique + (sequence++).ToString(CultureInfo.InvariantCulture);
            var row = new TableEntity(tenant, RowKeys.Feed(stamp, id))
            {
                [RowProperties.EventType] = e.Type,
                [RowProperties.Event] = e.ToJson(id, stamp, tenant, requestId).ToJsonString(),
            };
            // The resource row already passed the same size check, so the snapshot always fits.
            if (snapshot is not null) RowProperties.TryWriteDocument(row, snapshot);
            yield return new TableTransactionAction(TableTransactionActionType.Add, row);
        }
    }

    /// <summary>Deletes events stamped before <paramref name="before"/>, 100 per transaction. Returns how many.</summary>
    public async Task<int> PurgeAsync(TenantId tenant, DateTimeOffset before, CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and RowKey gt {RowKeys.FeedPrefix} and RowKey lt {RowKeys.FeedAt(before)}");
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
