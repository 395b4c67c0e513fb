using System.Globalization;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using ScimFunctions.Protocol;

namespace ScimFunctions.Storage.Audit;

/// <summary>One audited SCIM write.</summary>
public sealed record AuditEntry(
    DateTimeOffset Time, string Operation, string ResourceType, string ResourceId, string Outcome, string Client, string RequestId);

/// <summary>
/// Audit rows live in the tenant's partition of the resource table, keyed newest first
/// (<c>audit|{inverted ticks}|{request id}|{n}</c>), so a time range is one range query.
/// </summary>
public sealed class AuditLog(ScimTables tables, TimeProvider time)
{
    readonly TableClient table = tables.Resources;

    const string Prefix = "audit|";

    /// <summary>The audit row to add to a transaction that applies a change (or, <paramref name="outcome"/> <c>held</c>,
    /// records one the deprovisioning brake holds).</summary>
    public static TableTransactionAction Entry(TenantId tenant, WriteContext write, string resourceType, string resourceId, DateTimeOffset now, string outcome = "applied") =>
        new(TableTransactionActionType.Add, Row(tenant, write, write.Next(), now, resourceType, resourceId, outcome));

    /// <summary>Whether a transaction action writes an audit row (see <see cref="Entry"/>).</summary>
    public static bool IsEntry(TableTransactionAction action) => action.Entity.RowKey.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Records a write request that applied nothing (rejected, failed, or a no-op), best effort.</summary>
    public async Task RecordOutcomeAsync(TenantId tenant, WriteContext write, string resourceType, string? resourceId, int status, CancellationToken ct)
    {
        try
        {
            await table.AddEntityAsync(Row(tenant, write, write.Next(), time.GetUtcNow(), resourceType, resourceId ?? "", status.ToString(CultureInfo.InvariantCulture)), ct);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 409)
        {
            // The row's key is unique to this request: an earlier attempt wrote it and its response was lost.
        }
    }

    /// <summary>Records an applied change that is not a resource write (an admin action on settings or tokens).</summary>
    public Task RecordAppliedAsync(TenantId tenant, WriteContext write, string resourceType, string resourceId, CancellationToken ct) =>
        table.AddEntityAsync(Row(tenant, write, write.Next(), time.GetUtcNow(), resourceType, resourceId, "applied"), ct);

    /// <summary>Entries between two instants, newest first, optionally for one resource or outcome.</summary>
    public async IAsyncEnumerable<AuditEntry> QueryAsync(TenantId tenant, DateTimeOffset from, DateTimeOffset to, string? resourceId, string? outcome,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and RowKey ge {Key(to)} and RowKey lt {Key(from) + "}"}");
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
    public async Task<int> PurgeAsync(TenantId tenant, DateTimeOffset before, CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and RowKey gt {Key(before)} and RowKey lt {"audit}"}");
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

    static TableEntity Row(TenantId tenant, WriteContext scope, int sequence, DateTimeOffset now, string resourceType, string resourceId, string outcome) =>
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
