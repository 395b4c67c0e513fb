using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Audit;

namespace ScimFunctions.Storage.Tables;

/// <summary>The resource row changed since it was read: the caller re-reads and retries, or answers 412.</summary>
public sealed class ConcurrencyConflictException() : Exception("The resource was changed by another request.");

/// <summary>
/// Users and groups in one Azure table, partition = tenant. Every write is one entity-group transaction
/// that carries the resource row and its index rows together, so they cannot disagree, and uniqueness is
/// enforced by storage (an Add on an existing claim row fails the whole transaction).
/// </summary>
public sealed class ResourceStore(TableClient table, TimeProvider time)
{
    /// <summary>Table string properties hold at most 32K characters; larger documents span several.</summary>
    const int ChunkLength = 30_000;
    const int MaxChunks = 15;

    public TableClient Table => table;

    public async Task<StoredResource?> GetAsync(string tenant, ResourceKind kind, string id, CancellationToken ct)
    {
        if (!ResourceIds.IsWellFormed(id)) return null;
        var response = await table.GetEntityIfExistsAsync<TableEntity>(tenant, RowKey(kind, id), cancellationToken: ct);
        return response.HasValue && response.Value is { } entity && !IsDeleted(entity) ? ToResource(kind, entity) : null;
    }

    /// <param name="pending">Dry-run mode: the resource is stored but marked pending, not yet live for the application.</param>
    public async Task<StoredResource> CreateAsync(string tenant, ResourceKind kind, JsonObject document, CancellationToken ct, bool pending = false)
    {
        var id = ResourceIds.New();
        var now = time.GetUtcNow();
        var keys = IndexKeys.For(kind, id, document);
        var entity = ToEntity(tenant, kind, id, document, version: 1, created: now, lastModified: now);
        if (pending) entity[PendingProperty] = true;
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, entity) };
        actions.Add(new(TableTransactionActionType.Add, IndexRow(tenant, keys.UniqueClaim, id)));
        actions.AddRange(keys.Lookups.Select(k => new TableTransactionAction(TableTransactionActionType.Add, IndexRow(tenant, k, id))));
        AddAudit(actions, tenant, kind, id, now);
        await SubmitAsync(actions, kind, uniqueClaimIndex: 1, ct);
        return new StoredResource(kind, id, document, 1, now, now, ETag.All);
    }

    /// <summary>Writes a new document over <paramref name="existing"/>, conditional on its ETag, moving
    /// index rows whose values changed in the same transaction.</summary>
    public async Task<StoredResource> ReplaceAsync(string tenant, StoredResource existing, JsonObject document, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var oldKeys = IndexKeys.For(existing.Kind, existing.Id, existing.Document);
        var newKeys = IndexKeys.For(existing.Kind, existing.Id, document);
        var entity = ToEntity(tenant, existing.Kind, existing.Id, document, existing.Version + 1, existing.Created, now);
        if (existing.Pending) entity[PendingProperty] = true;
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, entity, existing.ETag) };
        int? claimIndex = null;
        if (!string.Equals(oldKeys.UniqueClaim, newKeys.UniqueClaim, StringComparison.Ordinal))
        {
            claimIndex = actions.Count;
            actions.Add(new(TableTransactionActionType.Add, IndexRow(tenant, newKeys.UniqueClaim, existing.Id)));
            actions.Add(new(TableTransactionActionType.Delete, IndexRow(tenant, oldKeys.UniqueClaim, existing.Id), ETag.All));
        }
        actions.AddRange(oldKeys.Lookups.Except(newKeys.Lookups).Select(k => new TableTransactionAction(TableTransactionActionType.Delete, IndexRow(tenant, k, existing.Id), ETag.All)));
        actions.AddRange(newKeys.Lookups.Except(oldKeys.Lookups).Select(k => new TableTransactionAction(TableTransactionActionType.UpsertReplace, IndexRow(tenant, k, existing.Id))));
        AddAudit(actions, tenant, existing.Kind, existing.Id, now);
        await SubmitAsync(actions, existing.Kind, claimIndex, ct);
        return new StoredResource(existing.Kind, existing.Id, document, existing.Version + 1, existing.Created, now, ETag.All);
    }

    /// <summary>Deletes the resource row and its index rows, conditional on the row's ETag.</summary>
    public async Task DeleteAsync(string tenant, StoredResource existing, CancellationToken ct)
    {
        var keys = IndexKeys.For(existing.Kind, existing.Id, existing.Document);
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Delete, new TableEntity(tenant, RowKey(existing.Kind, existing.Id)), existing.ETag),
            new(TableTransactionActionType.Delete, IndexRow(tenant, keys.UniqueClaim, existing.Id), ETag.All),
        };
        actions.AddRange(keys.Lookups.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, IndexRow(tenant, k, existing.Id), ETag.All)));
        AddAudit(actions, tenant, existing.Kind, existing.Id, time.GetUtcNow());
        await SubmitAsync(actions, existing.Kind, uniqueClaimIndex: null, ct);
    }

    /// <summary>
    /// Deprovisioning in "disable" mode: the row stays, with <c>active: false</c> and marked deleted, so the
    /// application still sees it; SCIM reads no longer do (404), and its userName and index rows are freed
    /// so the identity provider can create the user again.
    /// </summary>
    public async Task SoftDeleteAsync(string tenant, StoredResource existing, CancellationToken ct)
    {
        var keys = IndexKeys.For(existing.Kind, existing.Id, existing.Document);
        var document = existing.Document.DeepClone().AsObject();
        document["active"] = false;
        var entity = ToEntity(tenant, existing.Kind, existing.Id, document, existing.Version + 1, existing.Created, time.GetUtcNow());
        entity[DeletedProperty] = true;
        if (existing.Pending) entity[PendingProperty] = true;
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpdateReplace, entity, existing.ETag),
            new(TableTransactionActionType.Delete, IndexRow(tenant, keys.UniqueClaim, existing.Id), ETag.All),
        };
        actions.AddRange(keys.Lookups.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, IndexRow(tenant, k, existing.Id), ETag.All)));
        AddAudit(actions, tenant, existing.Kind, existing.Id, time.GetUtcNow());
        await SubmitAsync(actions, existing.Kind, uniqueClaimIndex: null, ct);
    }

    /// <summary>Leaving dry-run: every pending user and group of the tenant becomes live. Returns how many.</summary>
    public async Task<int> PromotePendingAsync(string tenant, CancellationToken ct)
    {
        var count = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and Pending eq {true}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: ct))
        {
            await table.UpdateEntityAsync(new TableEntity(tenant, row.RowKey) { [PendingProperty] = false }, row.ETag, TableUpdateMode.Merge, ct);
            count++;
        }
        return count;
    }

    /// <summary>The id holding a unique claim (userName / displayName), by one point read.</summary>
    public async Task<string?> FindIdByClaimAsync(string tenant, string claimRowKey, CancellationToken ct)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(tenant, claimRowKey, ["Id"], ct);
        return response.HasValue ? response.Value?.GetString("Id") : null;
    }

    /// <summary>The ids under a non-unique index prefix (externalId, email), by one range query.</summary>
    public async Task<IReadOnlyList<string>> FindIdsByPrefixAsync(string tenant, string prefix, CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and RowKey ge {prefix} and RowKey lt {RowKeys.PrefixEnd(prefix)}");
        var ids = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["Id"], cancellationToken: ct))
            if (row.GetString("Id") is { } id) ids.Add(id);
        return ids;
    }

    /// <summary>Every resource of a kind in the tenant, page by page, in id order.</summary>
    public async IAsyncEnumerable<StoredResource> ScanAsync(string tenant, ResourceKind kind, [EnumeratorCancellation] CancellationToken ct)
    {
        var prefix = kind == ResourceKind.User ? RowKeys.UserPrefix : RowKeys.GroupPrefix;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and RowKey ge {prefix} and RowKey lt {RowKeys.PrefixEnd(prefix)}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            if (!IsDeleted(entity)) yield return ToResource(kind, entity);
    }

    /// <summary>One page of a scan: the resources in key order (null for rows SCIM no longer shows, so
    /// positions stay stable) and the continuation tokens that start this page and the next.</summary>
    public sealed record ScanPage(IReadOnlyList<StoredResource?> Rows, string? StartToken, string? NextToken);

    /// <summary>The resources of a kind page by page, from <paramref name="startToken"/> (null: the beginning),
    /// so a list can resume where an earlier request stopped instead of reading everything before it.</summary>
    public async IAsyncEnumerable<ScanPage> ScanPagesAsync(string tenant, ResourceKind kind, string? startToken, [EnumeratorCancellation] CancellationToken ct)
    {
        var prefix = kind == ResourceKind.User ? RowKeys.UserPrefix : RowKeys.GroupPrefix;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and RowKey ge {prefix} and RowKey lt {RowKeys.PrefixEnd(prefix)}");
        var start = startToken;
        await foreach (var page in table.QueryAsync<TableEntity>(filter, cancellationToken: ct).AsPages(startToken))
        {
            yield return new ScanPage([.. page.Values.Select(e => IsDeleted(e) ? null : ToResource(kind, e))], start, page.ContinuationToken);
            start = page.ContinuationToken;
        }
    }

    async Task SubmitAsync(List<TableTransactionAction> actions, ResourceKind kind, int? uniqueClaimIndex, CancellationToken ct)
    {
        try
        {
            await table.SubmitTransactionAsync(actions, ct);
            AuditScope.MarkCommitted();
        }
        catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex == uniqueClaimIndex)
        {
            var attribute = kind == ResourceKind.User ? "userName" : "displayName";
            throw ScimException.Conflict($"A {kind.ToString().ToLowerInvariant()} with this {attribute} already exists.");
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 404 && e.FailedTransactionActionIndex == 0)
        {
            throw new ConcurrencyConflictException();
        }
    }

    /// <summary>Row flags the application reads (see the README): not part of the SCIM document.</summary>
    public const string PendingProperty = "Pending";
    public const string DeletedProperty = "Deleted";

    static bool IsDeleted(TableEntity entity) => entity.GetBoolean(DeletedProperty) == true;

    /// <summary>The audit row goes last, so the failed-action indexes above keep their meaning.</summary>
    static void AddAudit(List<TableTransactionAction> actions, string tenant, ResourceKind kind, string id, DateTimeOffset now)
    {
        if (AuditLog.Entry(tenant, kind.ToString(), id, now) is { } audit) actions.Add(audit);
    }

    static string RowKey(ResourceKind kind, string id) => kind == ResourceKind.User ? RowKeys.User(id) : RowKeys.Group(id);

    static TableEntity IndexRow(string tenant, string rowKey, string id) => new(tenant, rowKey) { ["Id"] = id };

    static TableEntity ToEntity(string tenant, ResourceKind kind, string id, JsonObject document, long version, DateTimeOffset created, DateTimeOffset lastModified)
    {
        var entity = new TableEntity(tenant, RowKey(kind, id))
        {
            ["Version"] = version,
            ["Created"] = created,
            ["LastModified"] = lastModified,
        };
        var json = document.ToJsonString();
        var chunks = (json.Length + ChunkLength - 1) / ChunkLength;
        if (chunks > MaxChunks)
            throw new ScimException(System.Net.HttpStatusCode.RequestEntityTooLarge, null, "The resource is too large to store.");
        for (var i = 0; i < Math.Max(chunks, 1); i++)
            entity[ChunkName(i)] = json.Substring(i * ChunkLength, Math.Min(ChunkLength, json.Length - i * ChunkLength));
        return entity;
    }

    static StoredResource ToResource(ResourceKind kind, TableEntity entity)
    {
        var json = entity.GetString(ChunkName(0)) ?? "{}";
        for (var i = 1; entity.GetString(ChunkName(i)) is { } more; i++) json += more;
        var id = entity.RowKey[(entity.RowKey.IndexOf('|') + 1)..];
        return new StoredResource(kind, id, (JsonObject)JsonNode.Parse(json)!,
            entity.GetInt64("Version") ?? 1,
            entity.GetDateTimeOffset("Created") ?? entity.Timestamp ?? default,
            entity.GetDateTimeOffset("LastModified") ?? entity.Timestamp ?? default,
            entity.ETag)
        {
            Pending = entity.GetBoolean(PendingProperty) == true,
        };
    }

    static string ChunkName(int index) => index == 0 ? "Doc" : "Doc" + index;
}

/// <summary>Resource ids: lowercase GUIDs (version 7, so id order is creation order).</summary>
public static class ResourceIds
{
    public static string New() => Guid.CreateVersion7().ToString("D");

    /// <summary>Anything else cannot name a stored resource, so it never reaches a storage key.</summary>
    public static bool IsWellFormed(string id) => id.Length == 36 && Guid.TryParseExact(id, "D", out _);
}
