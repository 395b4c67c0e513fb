using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Contract;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Feed;

namespace ScimFunctions.Storage.Tables;

/// <summary>A tenant's users or groups by state; each row in exactly one: <paramref name="Deprovisioned"/> (kept
/// disabled after a delete), else <paramref name="Pending"/> (dry run), else <paramref name="AwaitingActivation"/>
/// (manual activation), else <paramref name="Live"/>.</summary>
public sealed record ResourceCounts(int Live, int Pending, int AwaitingActivation, int Deprovisioned);

/// <summary>
/// Users and groups in one Azure table, partition = tenant. Every write is one entity-group transaction
/// that carries the resource row and its index rows together, so they cannot disagree, and uniqueness is
/// enforced by storage (an Add on an existing claim row fails the whole transaction).
/// </summary>
public sealed class ResourceStore(ScimTables tables, TimeProvider time)
{
    readonly TableClient table = tables.Resources;

    public async Task<StoredResource?> GetAsync(TenantId tenant, ResourceKind kind, string id, CancellationToken ct)
    {
        if (!ResourceIds.IsWellFormed(id)) return null;
        var response = await table.GetEntityIfExistsAsync<TableEntity>(tenant, RowKey(kind, id), cancellationToken: ct);
        return response.HasValue && response.Value is { } entity && !RowProperties.IsDeleted(entity) ? ToResource(kind, entity) : null;
    }

    /// <param name="pending">Dry-run mode: the resource is stored but marked pending, not yet live for the application.</param>
    /// <param name="appKey">The application's own key for a user (admin CLI import): stored on the row and claimed
    /// by an index row, so it links one user only.</param>
    /// <param name="indexed">The document's values of the tenant's declared unique/indexed extension attributes
    /// (<see cref="ExtensionIndex.ValuesOf"/>): their index rows are written in this transaction.</param>
    /// <param name="awaitingActivation">Manual user activation: the user waits for an admin (<see cref="ActivateUsersAsync"/>).</param>
    public async Task<StoredResource> CreateAsync(TenantId tenant, ResourceKind kind, JsonObject document, WriteContext write, CancellationToken ct, bool pending = false, string? appKey = null,
        IReadOnlyList<IndexedValue>? indexed = null, bool awaitingActivation = false)
    {
        awaitingActivation &= kind == ResourceKind.User;
        var id = ResourceIds.New();
        var now = time.GetUtcNow();
        var keys = IndexKeys.For(kind, id, document);
        var entity = ToEntity(tenant, kind, id, document, version: 1, created: now, lastModified: now);
        if (pending) entity[RowProperties.Pending] = true;
        if (awaitingActivation) entity[RowProperties.AwaitingActivation] = true;
        // Kept by every membership change from now on (MembershipStore writes it in that change's transaction).
        if (kind == ResourceKind.User) entity[RowProperties.Groups] = UserGroups.Write([]);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, entity) };
        actions.Add(new(TableTransactionActionType.Add, IndexRow(tenant, keys.UniqueClaim, id)));
        actions.AddRange(keys.Lookups.Select(k => new TableTransactionAction(TableTransactionActionType.Add, IndexRow(tenant, k, id))));
        if (appKey is not null)
        {
            entity[RowProperties.AppKey] = appKey;
            actions.Add(new(TableTransactionActionType.Add, IndexRow(tenant, RowKeys.UserAppKey(appKey), id)));
        }
        var extension = ExtensionRows.For(kind, id, indexed ?? []);
        ExtensionRows.Record(entity, extension.Select(r => r.RowKey));
        var claims = AddExtensionRows(actions, tenant, id, extension);
        var created = new StoredResource(kind, id, document, 1, now, now, ETag.All)
        {
            Pending = pending, AppKey = appKey, AwaitingActivation = awaitingActivation, Groups = kind == ResourceKind.User ? [] : null, ExtensionIndexKeys = [.. extension.Select(r => r.RowKey)],
        };
        AddAudit(actions, tenant, write, kind, id, now);
        AddFeed(actions, tenant, write, now, FeedEventFactory.Created(created), document);
        await SubmitAsync(actions, write, kind, uniqueClaimIndex: 1, ct, create: true, claims);
        return created;
    }

    /// <summary>Writes a new document over <paramref name="existing"/>, conditional on its ETag, moving
    /// index rows whose values changed in the same transaction. <paramref name="indexed"/>: as for
    /// <see cref="CreateAsync"/>; null keeps the extension index rows the resource has.</summary>
    public async Task<StoredResource> ReplaceAsync(TenantId tenant, StoredResource existing, JsonObject document, WriteContext write, CancellationToken ct,
        IReadOnlyList<IndexedValue>? indexed = null)
    {
        var now = After(existing);
        var oldKeys = IndexKeys.For(existing.Kind, existing.Id, existing.Document);
        var newKeys = IndexKeys.For(existing.Kind, existing.Id, document);
        var entity = ToEntity(tenant, existing.Kind, existing.Id, document, existing.Version + 1, existing.Created, now);
        CarryFlags(entity, existing);
        // A rename is marked in its own transaction, so the members' memberof rows are brought to the new name
        // even when the request stops after this commit (the group's next write or maintenance resumes it).
        var renamed = existing.Kind == ResourceKind.Group && (existing.RenamePending
            || !string.Equals(ScimJson.GetString(existing.Document, "displayName"), ScimJson.GetString(document, "displayName"), StringComparison.Ordinal));
        if (renamed) entity[RowProperties.RenamePending] = true;
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
        var extension = indexed is null ? null : ExtensionRows.For(existing.Kind, existing.Id, indexed);
        var extensionKeys = extension?.Select(r => r.RowKey).ToList() ?? existing.ExtensionIndexKeys;
        ExtensionRows.Record(entity, extensionKeys);
        Dictionary<int, string>? claims = null;
        if (extension is not null)
        {
            DeleteIndexRows(actions, tenant, existing.Id, existing.ExtensionIndexKeys.Except(extensionKeys));
            claims = AddExtensionRows(actions, tenant, existing.Id, [.. extension.Where(r => !existing.ExtensionIndexKeys.Contains(r.RowKey))]);
        }
        var updated = existing with { Document = document, Version = existing.Version + 1, LastModified = now, ETag = ETag.All, ExtensionIndexKeys = extensionKeys, RenamePending = renamed };
        AddAudit(actions, tenant, write, existing.Kind, existing.Id, now);
        AddFeed(actions, tenant, write, now, FeedEventFactory.Replaced(existing, updated, write.Method), document);
        await SubmitAsync(actions, write, existing.Kind, claimIndex, ct, extensionClaims: claims);
        return updated;
    }

    /// <summary>Deletes the resource row and its index rows, conditional on the row's ETag.</summary>
    public async Task DeleteAsync(TenantId tenant, StoredResource existing, WriteContext write, CancellationToken ct)
    {
        var keys = IndexKeys.For(existing.Kind, existing.Id, existing.Document);
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Delete, new TableEntity(tenant, RowKey(existing.Kind, existing.Id)), existing.ETag),
            new(TableTransactionActionType.Delete, IndexRow(tenant, keys.UniqueClaim, existing.Id), ETag.All),
        };
        actions.AddRange(keys.Lookups.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, IndexRow(tenant, k, existing.Id), ETag.All)));
        DeleteIndexRows(actions, tenant, existing.Id, existing.ExtensionIndexKeys);
        DeleteAppKeyClaim(actions, tenant, existing);
        var now = After(existing);
        AddAudit(actions, tenant, write, existing.Kind, existing.Id, now);
        AddFeed(actions, tenant, write, now, FeedEventFactory.Deleted(existing, soft: false));
        await SubmitAsync(actions, write, existing.Kind, uniqueClaimIndex: null, ct);
    }

    /// <summary>
    /// Deprovisioning in "disable" mode: the row stays, with <c>active: false</c> and marked deleted, so the
    /// application still sees it; SCIM reads no longer do (404), and its userName and index rows are freed
    /// so the identity provider can create the user again.
    /// </summary>
    public async Task SoftDeleteAsync(TenantId tenant, StoredResource existing, WriteContext write, CancellationToken ct)
    {
        var keys = IndexKeys.For(existing.Kind, existing.Id, existing.Document);
        var document = existing.Document.DeepClone().AsObject();
        document["active"] = false;
        var now = After(existing);
        var entity = ToEntity(tenant, existing.Kind, existing.Id, document, existing.Version + 1, existing.Created, now);
        entity[RowProperties.Deleted] = true;
        CarryFlags(entity, existing);
        // The caller removed the user from every group first (MembershipStore.RemoveUserFromAllGroupsAsync).
        entity[RowProperties.Groups] = UserGroups.Write([]);
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpdateReplace, entity, existing.ETag),
            new(TableTransactionActionType.Delete, IndexRow(tenant, keys.UniqueClaim, existing.Id), ETag.All),
        };
        actions.AddRange(keys.Lookups.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, IndexRow(tenant, k, existing.Id), ETag.All)));
        DeleteIndexRows(actions, tenant, existing.Id, existing.ExtensionIndexKeys);
        DeleteAppKeyClaim(actions, tenant, existing);
        AddAudit(actions, tenant, write, existing.Kind, existing.Id, now);
        AddFeed(actions, tenant, write, now, FeedEventFactory.Deleted(existing, soft: true));
        await SubmitAsync(actions, write, existing.Kind, uniqueClaimIndex: null, ct);
    }

    /// <summary>Leaving dry-run: every pending user and group of the tenant becomes live. Returns how many.</summary>
    public Task<int> PromotePendingAsync(TenantId tenant, CancellationToken ct) => PromotePendingAsync(tenant, null, null, ct);

    /// <summary>The pending users and groups of the tenant (dry-run review), live ones and soft-deleted ones excluded.</summary>
    public async IAsyncEnumerable<StoredResource> ListPendingAsync(TenantId tenant, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and Pending eq {true}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            if (!RowProperties.IsDeleted(row) && KindOf(row.RowKey) is { } kind) yield return ToResource(kind, row);
    }

    /// <summary>The users awaiting an admin's activation (Manual user activation), soft-deleted ones excluded.</summary>
    public async IAsyncEnumerable<StoredResource> ListAwaitingActivationAsync(TenantId tenant, [EnumeratorCancellation] CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and AwaitingActivation eq {true}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            if (!RowProperties.IsDeleted(row) && KindOf(row.RowKey) == ResourceKind.User) yield return ToResource(ResourceKind.User, row);
    }

    /// <summary>Activates users awaiting activation: all of the tenant's, or the one with <paramref name="id"/>. Each in
    /// its own conditional transaction with its <c>user.activated</c> event and audit row, retried on a concurrent
    /// change (a SCIM write keeps the flag). Soft-deleted users are left alone. Returns how many were activated.</summary>
    public async Task<int> ActivateUsersAsync(TenantId tenant, string? id, WriteContext write, CancellationToken ct)
    {
        if (id is not null && !ResourceIds.IsWellFormed(id)) return 0;
        var count = 0;
        var filter = id is not null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and RowKey eq {RowKeys.User(id)} and AwaitingActivation eq {true}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and AwaitingActivation eq {true}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            if (KindOf(row.RowKey) != ResourceKind.User || RowProperties.IsDeleted(row)) continue;
            for (StoredResource? user = ToResource(ResourceKind.User, row); user is { AwaitingActivation: true };)
            {
                var now = After(user);
                List<TableTransactionAction> actions =
                    [new(TableTransactionActionType.UpdateMerge, new TableEntity(tenant, row.RowKey) { [RowProperties.AwaitingActivation] = false }, user.ETag)];
                AddAudit(actions, tenant, write, ResourceKind.User, user.Id, now);
                AddFeed(actions, tenant, write, now, FeedEventFactory.Activated(user));
                try
                {
                    await table.SubmitTransactionAsync(actions, ct);
                    write.MarkCommitted();
                    count++;
                    break;
                }
                catch (TableTransactionFailedException e) when (e.Status is 412 or 404 && e.FailedTransactionActionIndex == 0)
                {
                    user = await GetAsync(tenant, ResourceKind.User, user.Id, ct);   // changed meanwhile: again, if still awaiting
                }
            }
        }
        return count;
    }

    /// <summary>Makes pending rows live: all of the tenant's, or the one resource <paramref name="kind"/>/<paramref name="id"/>. Returns how many.</summary>
    public async Task<int> PromotePendingAsync(TenantId tenant, ResourceKind? kind, string? id, CancellationToken ct)
    {
        var count = 0;
        var filter = kind is { } k && id is not null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and RowKey eq {RowKey(k, id)} and Pending eq {true}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and Pending eq {true}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            // With its feed event in the same transaction. A soft-deleted row loses the flag without an event:
            // the application already had its user.deleted.
            List<TableTransactionAction> actions = [new(TableTransactionActionType.UpdateMerge, new TableEntity(tenant, row.RowKey) { [RowProperties.Pending] = false }, row.ETag)];
            if (!RowProperties.IsDeleted(row) && KindOf(row.RowKey) is { } rowKind)
            {
                var resource = ToResource(rowKind, row);
                actions.AddRange(FeedRows.Rows(tenant, After(resource), requestId: null, resource.Document.ToJsonString(), FeedEventFactory.Promoted(resource)));
            }
            await table.SubmitTransactionAsync(actions, ct);
            count++;
        }
        return count;
    }

    /// <summary>
    /// Brings every live resource of a kind to the extension index rows <paramref name="type"/> (the tenant's
    /// current declaration) asks for: after a unique or indexed attribute was declared on a tenant that already
    /// had resources. One conditional transaction per resource whose rows differ (the row's recorded keys and
    /// its index rows together), retried when the resource changed meanwhile. A value already claimed by another
    /// resource is reported, not written. Run it once the declaration is in effect everywhere (30 s): an instance
    /// still on the old declaration would drop the rows again on its next write of the resource.
    /// </summary>
    public async Task<(int Updated, IReadOnlyList<string> Conflicts)> ReindexAsync(TenantId tenant, ResourceKind kind, ResourceTypeDefinition type, CancellationToken ct)
    {
        var updated = 0;
        var conflicts = new List<string>();
        await foreach (var scanned in ScanAsync(tenant, kind, ct))
        {
            for (var resource = scanned; resource is not null;)
            {
                var wanted = ExtensionRows.For(kind, resource.Id, ExtensionIndex.ValuesOf(type, resource.Document));
                var keys = wanted.Select(r => r.RowKey).ToList();
                if (keys.ToHashSet().SetEquals(resource.ExtensionIndexKeys)) break;
                var row = new TableEntity(tenant, RowKey(kind, resource.Id)) { [RowProperties.Indexed] = "" };
                ExtensionRows.Record(row, keys);
                List<TableTransactionAction> actions = [new(TableTransactionActionType.UpdateMerge, row, resource.ETag)];
                DeleteIndexRows(actions, tenant, resource.Id, resource.ExtensionIndexKeys.Except(keys));
                var claims = AddExtensionRows(actions, tenant, resource.Id, [.. wanted.Where(r => !resource.ExtensionIndexKeys.Contains(r.RowKey))]);
                try
                {
                    await table.SubmitTransactionAsync(actions, ct);
                    updated++;
                    break;
                }
                catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex is { } i && claims.TryGetValue(i, out var attribute))
                {
                    conflicts.Add($"{kind} {resource.Id}: its {attribute} is already claimed by another {kind.ToString().ToLowerInvariant()}");
                    break;
                }
                catch (TableTransactionFailedException e) when (e.Status is 412 or 404 && e.FailedTransactionActionIndex == 0)
                {
                    resource = await GetAsync(tenant, kind, resource.Id, ct); // changed meanwhile: compute again from the new document
                }
            }
        }
        return (updated, conflicts);
    }

    /// <summary>Links an existing user to the application's key (admin CLI import), conditional on the row's ETag.</summary>
    public async Task LinkAppKeyAsync(TenantId tenant, StoredResource user, string appKey, WriteContext write, CancellationToken ct)
    {
        var now = After(user);
        List<TableTransactionAction> actions =
        [
            new(TableTransactionActionType.UpdateMerge, new TableEntity(tenant, RowKey(user.Kind, user.Id)) { [RowProperties.AppKey] = appKey, [RowProperties.LastModified] = now }, user.ETag),
            new(TableTransactionActionType.Add, IndexRow(tenant, RowKeys.UserAppKey(appKey), user.Id)),
        ];
        AddAudit(actions, tenant, write, user.Kind, user.Id, now);
        AddFeed(actions, tenant, write, now, FeedEventFactory.Linked(user, appKey));
        await SubmitAsync(actions, write, user.Kind, uniqueClaimIndex: null, ct);
    }

    /// <summary>The id holding a unique claim (userName / displayName), by one point read.</summary>
    public async Task<string?> FindIdByClaimAsync(TenantId tenant, string claimRowKey, CancellationToken ct)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(tenant, claimRowKey, [RowProperties.Id], ct);
        return response.HasValue ? response.Value?.GetString(RowProperties.Id) : null;
    }

    /// <summary>The ids under a non-unique index prefix (externalId, email), by one range query.</summary>
    public async Task<IReadOnlyList<string>> FindIdsByPrefixAsync(TenantId tenant, string prefix, CancellationToken ct)
    {
        var filter = RowKeys.RangeFilter(tenant, prefix);
        var ids = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: [RowProperties.Id], cancellationToken: ct))
            if (row.GetString(RowProperties.Id) is { } id) ids.Add(id);
        return ids;
    }

    /// <summary>Every resource of a kind in the tenant, page by page, in id order.</summary>
    public async IAsyncEnumerable<StoredResource> ScanAsync(TenantId tenant, ResourceKind kind, [EnumeratorCancellation] CancellationToken ct)
    {
        var prefix = kind == ResourceKind.User ? RowKeys.UserPrefix : RowKeys.GroupPrefix;
        var filter = RowKeys.RangeFilter(tenant, prefix);
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            if (!RowProperties.IsDeleted(entity)) yield return ToResource(kind, entity);
    }

    /// <summary>A tenant's users or groups by state: one range query over the kind's rows selecting only the key and the
    /// flags (one storage request per 1,000 rows; no document is read).</summary>
    public async Task<ResourceCounts> CountAsync(TenantId tenant, ResourceKind kind, CancellationToken ct)
    {
        var filter = RowKeys.RangeFilter(tenant, kind == ResourceKind.User ? RowKeys.UserPrefix : RowKeys.GroupPrefix);
        int live = 0, pending = 0, awaiting = 0, deprovisioned = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000,
            select: ["RowKey", RowProperties.Pending, RowProperties.Deleted, RowProperties.AwaitingActivation], cancellationToken: ct))
        {
            if (RowProperties.IsDeleted(row)) deprovisioned++;
            else if (row.GetBoolean(RowProperties.Pending) == true) pending++;
            else if (row.GetBoolean(RowProperties.AwaitingActivation) == true) awaiting++;
            else live++;
        }
        return new ResourceCounts(live, pending, awaiting, deprovisioned);
    }

    /// <summary>One page of a scan: the resources in key order (null for rows SCIM no longer shows, so
    /// positions stay stable) and the continuation tokens that start this page and the next.</summary>
    public sealed record ScanPage(IReadOnlyList<StoredResource?> Rows, string? StartToken, string? NextToken);

    /// <summary>The resources of a kind page by page, from <paramref name="startToken"/> (null: the beginning),
    /// so a list can resume where an earlier request stopped instead of reading everything before it.</summary>
    public async IAsyncEnumerable<ScanPage> ScanPagesAsync(TenantId tenant, ResourceKind kind, string? startToken, [EnumeratorCancellation] CancellationToken ct)
    {
        var prefix = kind == ResourceKind.User ? RowKeys.UserPrefix : RowKeys.GroupPrefix;
        var filter = RowKeys.RangeFilter(tenant, prefix);
        var start = startToken;
        await foreach (var page in table.QueryAsync<TableEntity>(filter, cancellationToken: ct).AsPages(startToken))
        {
            yield return new ScanPage([.. page.Values.Select(e => RowProperties.IsDeleted(e) ? null : ToResource(kind, e))], start, page.ContinuationToken);
            start = page.ContinuationToken;
        }
    }

    /// <param name="extensionClaims">Action index → attribute of the extension claim rows the transaction adds.</param>
    async Task SubmitAsync(List<TableTransactionAction> actions, WriteContext write, ResourceKind kind, int? uniqueClaimIndex, CancellationToken ct, bool create = false,
        IReadOnlyDictionary<int, string>? extensionClaims = null)
    {
        try
        {
            await table.SubmitTransactionAsync(actions, ct);
            write.MarkCommitted();
        }
        catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex is { } failed
            && ((create && failed == 0) || AuditLog.IsEntry(actions[failed])))
        {
            // A conflict on a row only this very transaction writes (a create's fresh id, or its audit row,
            // keyed by request id and sequence) means an earlier attempt of it committed and its response
            // was lost, so the SDK sent it again. Transactions are atomic: all of it is applied.
            write.MarkCommitted();
        }
        catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex is { } claim
            && extensionClaims is not null && extensionClaims.TryGetValue(claim, out var attribute))
        {
            throw new UniquenessConflictException(kind, attribute);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex == uniqueClaimIndex)
        {
            throw new UniquenessConflictException(kind, kind == ResourceKind.User ? "userName" : "displayName");
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 404 && e.FailedTransactionActionIndex == 0)
        {
            throw new ConcurrencyConflictException();
        }
    }

    /// <summary>The audit row goes last, so the failed-action indexes above keep their meaning.</summary>
    static void AddAudit(List<TableTransactionAction> actions, TenantId tenant, WriteContext write, ResourceKind kind, string id, DateTimeOffset now) =>
        actions.Add(AuditLog.Entry(tenant, write, kind.ToString(), id, now));

    /// <summary>The change feed rows go after the audit row: the failed-action indexes keep their meaning, and a
    /// re-sent transaction that had committed fails first on its audit row, which SubmitAsync recognises.
    /// <paramref name="snapshot"/>: the document the change wrote, kept for full events (FeedRows.Rows).</summary>
    static void AddFeed(List<TableTransactionAction> actions, TenantId tenant, WriteContext write, DateTimeOffset stamp, FeedEvent? e, JsonObject? snapshot = null) =>
        actions.AddRange(FeedRows.Rows(tenant, stamp, write.RequestId, snapshot?.ToJsonString(), e));

    /// <summary>The instant of a write to <paramref name="existing"/>: now, but always after its previous write,
    /// so one resource's LastModified and feed stamps only grow even when instances' clocks disagree a little.</summary>
    DateTimeOffset After(StoredResource existing)
    {
        var now = time.GetUtcNow();
        return now > existing.LastModified ? now : existing.LastModified.AddTicks(1);
    }

    /// <summary>Adds extension index rows; returns the action index of each claim row, for the 409 message.</summary>
    static Dictionary<int, string> AddExtensionRows(List<TableTransactionAction> actions, TenantId tenant, string id, IReadOnlyList<ExtensionRow> rows)
    {
        var claims = new Dictionary<int, string>();
        foreach (var row in rows)
        {
            if (row.Unique) claims[actions.Count] = row.Attribute;
            actions.Add(new(row.Unique ? TableTransactionActionType.Add : TableTransactionActionType.UpsertReplace, IndexRow(tenant, row.RowKey, id)));
        }
        return claims;
    }

    static void DeleteIndexRows(List<TableTransactionAction> actions, TenantId tenant, string id, IEnumerable<string> rowKeys) =>
        actions.AddRange(rowKeys.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, IndexRow(tenant, k, id), ETag.All)));

    static void DeleteAppKeyClaim(List<TableTransactionAction> actions, TenantId tenant, StoredResource existing)
    {
        if (existing.AppKey is not null)
            actions.Add(new(TableTransactionActionType.Delete, IndexRow(tenant, RowKeys.UserAppKey(existing.AppKey), existing.Id), ETag.All));
    }

    /// <summary>The row flags a rewrite of the document keeps: they are the service's and the admin's, not SCIM's.</summary>
    static void CarryFlags(TableEntity entity, StoredResource existing)
    {
        if (existing.Pending) entity[RowProperties.Pending] = true;
        if (existing.AwaitingActivation) entity[RowProperties.AwaitingActivation] = true;
        if (existing.AppKey is not null) entity[RowProperties.AppKey] = existing.AppKey;
        // Safe to carry: a membership changed since the read moved the ETag, so this write fails and is retried.
        if (existing.Groups is { } groups) entity[RowProperties.Groups] = UserGroups.Write(groups);
    }

    static ResourceKind? KindOf(string rowKey) => RowKeys.KindOf(rowKey) switch
    {
        RowKind.User => ResourceKind.User,
        RowKind.Group => ResourceKind.Group,
        _ => null,
    };

    static string RowKey(ResourceKind kind, string id) => kind == ResourceKind.User ? RowKeys.User(id) : RowKeys.Group(id);

    static TableEntity IndexRow(TenantId tenant, string rowKey, string id) => new(tenant, rowKey) { [RowProperties.Id] = id };

    static TableEntity ToEntity(TenantId tenant, ResourceKind kind, string id, JsonObject document, long version, DateTimeOffset created, DateTimeOffset lastModified)
    {
        var entity = new TableEntity(tenant, RowKey(kind, id))
        {
            [RowProperties.Version] = version,
            [RowProperties.Created] = created,
            [RowProperties.LastModified] = lastModified,
        };
        // The application reads app roles parsed (DirectoryRole), without knowing Entra's two mappings.
        if (kind == ResourceKind.User && AppRoles.Parse(document) is { Count: > 0 } roles)
            entity[RowProperties.Roles] = DirectoryRole.ToJson(FeedEventFactory.Roles(roles)).ToJsonString();
        if (!RowProperties.TryWriteDocument(entity, document.ToJsonString())) throw new ResourceTooLargeException();
        return entity;
    }

    internal static StoredResource ToResource(ResourceKind kind, TableEntity entity)
    {
        return new StoredResource(kind, RowKeys.IdOf(entity.RowKey), (JsonObject)JsonNode.Parse(RowProperties.ReadDocument(entity))!,
            entity.GetInt64(RowProperties.Version) ?? 1,
            entity.GetDateTimeOffset(RowProperties.Created) ?? entity.Timestamp ?? default,
            entity.GetDateTimeOffset(RowProperties.LastModified) ?? entity.Timestamp ?? default,
            entity.ETag)
        {
            Pending = entity.GetBoolean(RowProperties.Pending) == true,
            AppKey = entity.GetString(RowProperties.AppKey),
            AwaitingActivation = entity.GetBoolean(RowProperties.AwaitingActivation) == true,
            Groups = kind == ResourceKind.User ? UserGroups.Read(entity) : null,
            RenamePending = entity.GetBoolean(RowProperties.RenamePending) == true,
            ExtensionIndexKeys = ExtensionRows.Recorded(entity),
        };
    }
}
