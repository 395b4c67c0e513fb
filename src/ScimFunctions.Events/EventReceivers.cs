using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Microsoft.IdentityModel.Tokens;
using ScimFunctions.Contract;

namespace ScimFunctions.Events;

/// <summary>A push endpoint of a tenant (RFC 8935) and its delivery state.</summary>
/// <param name="Secret">The bearer secret the transmitter sends; the receiver checks it.</param>
/// <param name="Cursor">Row key of the last change feed event fully delivered (every SET of it acknowledged or refused).</param>
/// <param name="Attempts">Failed attempts in a row; sets the backoff before <paramref name="NextAttempt"/>.</param>
/// <param name="Full">The receiver asked for full events (the resource's attributes in the SET, RFC 9967 §2.4), not
/// notices (<see cref="SecurityEventMapper"/>).</param>
public sealed record EventReceiver(
    string Tenant, string Id, Uri Url, string Audience, string Secret, DateTimeOffset Created,
    string Cursor, long Delivered, long Refused, int Attempts, DateTimeOffset? NextAttempt, string? LastError, DateTimeOffset? LastErrorAt,
    DateTimeOffset? LastDeliveredAt, string? LeaseOwner, DateTimeOffset? LeaseUntil, ETag ETag, bool Full = false);

/// <summary>What a receiver's admin sees: where delivery stands.</summary>
/// <param name="Backlog">Events after the cursor, settled or not.</param>
/// <param name="OldestUndelivered">Stamp of the first of them.</param>
public sealed record ReceiverStatus(EventReceiver Receiver, DateTimeOffset CursorTime, int Backlog, DateTimeOffset? OldestUndelivered);

/// <summary>
/// The tenants' receivers: one row per receiver in the tenant's partition of the resource table
/// (<c>receiver|{id}</c>, holding its delivery state), and one index row per receiver in a partition no tenant can
/// have (<c>~event-receivers</c>, <c>{tenant}|{id}</c>) so the delivery sweep finds them without scanning tenants.
/// </summary>
public sealed class EventReceivers(TableClient resources, TimeProvider time)
{
    /// <summary>Adds a receiver that gets the events committed from now on, as notices.</summary>
    public Task<EventReceiver> SubscribeAsync(string tenant, Uri url, string? audience, CancellationToken ct) => SubscribeAsync(tenant, url, audience, full: false, ct);

    /// <summary>Adds a receiver that gets the events committed from now on; <paramref name="full"/>: full events
    /// (<see cref="EventReceiver.Full"/>).</summary>
    public async Task<EventReceiver> SubscribeAsync(string tenant, Uri url, string? audience, bool full, CancellationToken ct)
    {
        if (url.Scheme is not ("https" or "http") || !url.IsAbsoluteUri) throw new ArgumentException("A receiver URL is an absolute http(s) URL.", nameof(url));
        var now = time.GetUtcNow();
        var receiver = new EventReceiver(tenant, Guid.CreateVersion7().ToString("N"), url, audience ?? url.ToString(),
            Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32)), now, RowKeys.FeedAt(now), 0, 0, 0, null, null, null, null, null, null, default, full);
        await resources.AddEntityAsync(ToEntity(receiver), ct);
        await resources.UpsertEntityAsync(new TableEntity(RowKeys.EventReceiversPartition, RowKeys.EventReceiverIndex(tenant, receiver.Id)), TableUpdateMode.Replace, ct);
        return receiver;
    }

    public async Task<IReadOnlyList<EventReceiver>> ListAsync(string tenant, CancellationToken ct)
    {
        var list = new List<EventReceiver>();
        await foreach (var e in resources.QueryAsync<TableEntity>(RowKeys.RangeFilter(tenant, RowKeys.EventReceiverPrefix), cancellationToken: ct)) list.Add(FromEntity(e));
        return list;
    }

    public async Task<EventReceiver?> GetAsync(string tenant, string id, CancellationToken ct)
    {
        var found = await resources.GetEntityIfExistsAsync<TableEntity>(tenant, RowKeys.EventReceiver(id), cancellationToken: ct);
        return found.HasValue ? FromEntity(found.Value!) : null;
    }

    /// <summary>Every receiver of every tenant, from the index.</summary>
    public async Task<IReadOnlyList<(string Tenant, string Id)>> ListAllAsync(CancellationToken ct)
    {
        var list = new List<(string, string)>();
        await foreach (var e in resources.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {RowKeys.EventReceiversPartition}"), select: ["RowKey"], cancellationToken: ct))
            list.Add(RowKeys.OfEventReceiverIndex(e.RowKey));
        return list;
    }

    public async Task<bool> UnsubscribeAsync(string tenant, string id, CancellationToken ct)
    {
        var gone = (await resources.DeleteEntityAsync(tenant, RowKeys.EventReceiver(id), ETag.All, ct)).Status != 404;
        await resources.DeleteEntityAsync(RowKeys.EventReceiversPartition, RowKeys.EventReceiverIndex(tenant, id), ETag.All, ct);
        return gone;
    }

    public async Task<ReceiverStatus> StatusAsync(EventReceiver receiver, CancellationToken ct)
    {
        var backlog = 0;
        DateTimeOffset? oldest = null;
        await foreach (var key in FeedReads.KeysAfterAsync(resources, receiver.Tenant, receiver.Cursor, ct))
        {
            oldest ??= RowKeys.FeedStampOf(key);
            backlog++;
        }
        return new ReceiverStatus(receiver, RowKeys.FeedStampOf(receiver.Cursor), backlog, oldest);
    }

    /// <summary>Writes the delivery state if the row is unchanged since it was read; the new ETag, or null when
    /// another instance got there first (or the receiver was removed).</summary>
    internal async Task<ETag?> TryUpdateAsync(EventReceiver receiver, CancellationToken ct)
    {
        try
        {
            return (await resources.UpdateEntityAsync(ToEntity(receiver), receiver.ETag, TableUpdateMode.Replace, ct)).Headers.ETag;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return null;
        }
    }

    static TableEntity ToEntity(EventReceiver r) => new(r.Tenant, RowKeys.EventReceiver(r.Id))
    {
        ["Url"] = r.Url.ToString(),
        ["Audience"] = r.Audience,
        ["Secret"] = r.Secret,
        ["Created"] = r.Created,
        ["Cursor"] = r.Cursor,
        ["Delivered"] = r.Delivered,
        ["Refused"] = r.Refused,
        ["Attempts"] = r.Attempts,
        ["NextAttempt"] = r.NextAttempt,
        ["LastError"] = r.LastError,
        ["LastErrorAt"] = r.LastErrorAt,
        ["LastDeliveredAt"] = r.LastDeliveredAt,
        ["LeaseOwner"] = r.LeaseOwner,
        ["LeaseUntil"] = r.LeaseUntil,
        ["Full"] = r.Full,
    };

    static EventReceiver FromEntity(TableEntity e) => new(
        e.PartitionKey, e.RowKey[RowKeys.EventReceiverPrefix.Length..], new Uri(e.GetString("Url")!), e.GetString("Audience")!, e.GetString("Secret")!,
        e.GetDateTimeOffset("Created") ?? default, e.GetString("Cursor")!, e.GetInt64("Delivered") ?? 0, e.GetInt64("Refused") ?? 0,
        e.GetInt32("Attempts") ?? 0, e.GetDateTimeOffset("NextAttempt"), e.GetString("LastError"), e.GetDateTimeOffset("LastErrorAt"),
        e.GetDateTimeOffset("LastDeliveredAt"), e.GetString("LeaseOwner"), e.GetDateTimeOffset("LeaseUntil"), e.ETag, e.GetBoolean("Full") ?? false);
}

/// <summary>Reads the change feed rows (docs/integrating.md, "Order"; the layout is ScimFunctions.Contract's
/// <see cref="RowKeys.Feed"/>): the v1 event JSON in <see cref="RowProperties.Event"/>.</summary>
static class FeedReads
{
    public static async IAsyncEnumerable<string> KeysAfterAsync(TableClient table, string tenant, string after, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and RowKey gt {after} and RowKey lt {RowKeys.FeedPrefix + "~"}");
        await foreach (var e in table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: ct)) yield return e.RowKey;
    }

    /// <summary>Events after <paramref name="after"/> stamped before <paramref name="horizon"/>, in key order;
    /// <paramref name="snapshots"/>: with the resource's document kept in the row (for full events), else null.</summary>
    public static async Task<IReadOnlyList<(string Key, string Json, string? Snapshot)>> ReadAsync(TableClient table, string tenant, string after, DateTimeOffset horizon, int max,
        CancellationToken ct, bool snapshots = false)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and RowKey gt {after} and RowKey lt {RowKeys.FeedAt(horizon)}");
        var rows = new List<(string, string, string?)>();
        IEnumerable<string> select = snapshots ? ["RowKey", RowProperties.Event, .. RowProperties.DocumentColumns] : ["RowKey", RowProperties.Event];
        await foreach (var e in table.QueryAsync<TableEntity>(filter, maxPerPage: max, select: select, cancellationToken: ct))
        {
            rows.Add((e.RowKey, e.GetString(RowProperties.Event) ?? "{}", snapshots && e.GetString(RowProperties.DocumentColumns[0]) is not null ? RowProperties.ReadDocument(e) : null));
            if (rows.Count == max) break;
        }
        return rows;
    }
}
