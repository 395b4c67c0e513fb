using System.Globalization;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;

namespace ScimFunctions.Storage.Audit;

/// <summary>One audited SCIM write.</summary>
public sealed record AuditEntry(
    DateTimeOffset Time, string Operation, string ResourceType, string ResourceId, string Outcome, string Client, string RequestId);

/// <summary>
/// The request being audited, carried through the async flow (set by the HTTP pipeline for writes).
/// The stores add an audit row to every transaction they submit while a scope is open, so an applied
/// change and its audit record commit together or not at all.
/// </summary>
public sealed class AuditScope(string operation, string client, string requestId)
{
    static readonly AsyncLocal<AuditScope?> Ambient = new();
    int _sequence;

    public static AuditScope? Current => Ambient.Value;

    public static AuditScope Begin(string operation, string client, string requestId) => Ambient.Value = new AuditScope(operation, client, requestId);

    public static void End() => Ambient.Value = null;

    public string Operation => operation;
    public string Client => client;
    public string RequestId => requestId;

    int _committed;

    /// <summary>How many audited transactions committed for this request.</summary>
    public int Committed => Volatile.Read(ref _committed);

    internal int Next() => Interlocked.Increment(ref _sequence);

    /// <summary>Called by a store after a transaction carrying an audit row committed.</summary>
    public static void MarkCommitted()
    {
        if (Ambient.Value is { } scope) Interlocked.Increment(ref scope._committed);
    }
}

/// <summary>
/// Audit rows live in the tenant's partition of the resource table, keyed newest first
/// (<c>audit|{inverted ticks}|{request id}|{n}</c>), so a time range is one range query.
/// </summary>
public sealed class AuditLog(TableClient table, TimeProvider time)
{
    const string Prefix = "audit|";

    /// <summary>The audit row to add to a transaction that applies a change, or null outside a request.</summary>
    public static TableTransactionAction? Entry(string tenant, string resourceType, string resourceId, DateTimeOffset now)
    {
        if (AuditScope.Current is not { } scope) return null;
        return new TableTransactionAction(TableTransactionActionType.Add,
            Row(tenant, scope, scope.Next(), now, resourceType, resourceId, "applied"));
    }

    /// <summary>Whether a transaction action writes an audit row (see <see cref="Entry"/>).</summary>
    public static bool IsEntry(TableTransactionAction action) => action.Entity.RowKey.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Records a write request that applied nothing (rejected, failed, or a no-op), best effort.</summary>
    public async Task RecordOutcomeAsync(string tenant, string resourceType, string? resourceId, int status, CancellationToken ct)
    {
        if (AuditScope.Current is not { } scope) return;
        try
        {
            await table.AddEntityAsync(Row(tenant, scope, scope.Next(), time.GetUtcNow(), resourceType, resourceId ?? "", status.ToString(CultureInfo.InvariantCulture)), ct);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 409)
        {
            // The row's key is unique to this request: an earlier attempt wrote it and its response was lost.
        }
    }

    /// <summary>Entries between two instants, newest first, optionally for one resource or outcome.</summary>
    public async IAsyncEnumerable<AuditEntry> QueryAsync(string tenant, DateTimeOffset from, DateTimeOffset to, string? resourceId, string? outcome,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and RowKey ge {Key(to)} and RowKey lt {Key(from) + "}"}");
        await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            var entry = new AuditEntry(e.GetDateTimeOffset("Time") ?? default, e.GetString("Operation") ?? "", e.GetString("ResourceType") ?? "",
                e.GetString("ResourceId") ?? "", e.GetString("Outcome") ?? "", e.GetString("Client") ?? "", e.GetString("RequestId") ?? "");
            if (resourceId is not null && entry.ResourceId != resourceId) continue;
            if (outcome is not null && !entry.Outcome.Equals(outcome, StringComparison.OrdinalIgnoreCase)) continue;
            yield return entry;
        }
    }

    /// <summary>Deletes entries older than <paramref name="before"/>, 100 per transaction. Returns how many.</summary>
    public async Task<int> PurgeAsync(string tenant, DateTimeOffset before, CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and RowKey gt {Key(before)} and RowKey lt {"audit}"}");
        var batch = new List<TableTransactionAction>();
        var count = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: ct))
        {
            batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(tenant, row.RowKey), Azure.ETag.All));
            if (batch.Count == 100) count += await SubmitAsync(batch, ct);
        }
        return count + await SubmitAsync(batch, ct);
    }

    async Task<int> SubmitAsync(List<TableTransactionAction> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return 0;
        await table.SubmitTransactionAsync(batch, ct);
        var n = batch.Count;
        batch.Clear();
        return n;
    }

    /// <summary>Newest first: inverted ticks sort later instants first.</summary>
    static string Key(DateTimeOffset instant) =>
        Prefix + (DateTimeOffset.MaxValue.UtcTicks - instant.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    static TableEntity Row(string tenant, AuditScope scope, int sequence, DateTimeOffset now, string resourceType, string resourceId, string outcome) =>
        new(tenant, $"{Key(now)}|{scope.RequestId}|{sequence:D4}")
        {
            ["Time"] = now,
            ["Operation"] = scope.Operation,
            ["ResourceType"] = resourceType,
            ["ResourceId"] = resourceId,
            ["Outcome"] = outcome,
            ["Client"] = scope.Client,
            ["RequestId"] = scope.RequestId,
        };
}
