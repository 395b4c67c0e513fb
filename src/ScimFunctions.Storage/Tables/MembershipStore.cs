using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Contract;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Feed;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Resources;

namespace ScimFunctions.Storage.Tables;

/// <summary>
/// Group membership as rows in the tenant partition, both directions (member|group|user and
/// memberof|user|group), never as a list inside the group entity.
///
/// Invariant: a member row pair exists only while its group row and its user row exist. Every
/// transaction that adds a pair also merges the user row (and the group row), and a Merge fails the
/// whole transaction when the row is gone; deletes of a user or group remove the pairs first and then
/// delete the row conditionally on the ETag they read, which every membership write moves.
/// </summary>
public sealed class MembershipStore(ScimTables tables, ResourceStore resources, TimeProvider time)
{
    readonly TableClient _table = tables.Resources;
    readonly TimeProvider _time = time;

    /// <summary>A transaction holds 100 operations; one is kept for the audit row and two for the change feed
    /// rows (members removed, members added).</summary>
    const int MaxOperations = 97;

    /// <summary>Concurrent point reads per request: fast without flooding the partition.</summary>
    const int ReadParallelism = 16;

    /// <summary>A user's groups get a display name for at most this many groups (one point read each).</summary>
    const int MaxNamedGroups = 100;

    /// <summary>Repairs of one transaction whose rows were changed by a concurrent request (each attempt drops
    /// what no longer applies, so few are ever needed).</summary>
    const int MaxRepairs = 8;

    /// <summary>The group's member ids in id order, streamed page by page from the member rows.</summary>
    public async IAsyncEnumerable<string> MembersAsync(TenantId tenant, string groupId, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var id in IdsUnderAsync(tenant, RowKeys.MemberPrefix(groupId), ct)) yield return id;
    }

    /// <summary>Which of <paramref name="userIds"/> are members: one point read each, never a scan.</summary>
    public async Task<IReadOnlyList<string>> WhichAreMembersAsync(TenantId tenant, string groupId, IReadOnlyList<string> userIds, CancellationToken ct)
    {
        var candidates = userIds.Where(ResourceIds.IsWellFormed).Distinct(StringComparer.Ordinal).ToList();
        var found = await ExistAsync(tenant, [.. candidates.Select(u => RowKeys.Member(groupId, u))], ct);
        return [.. candidates.Where((_, i) => found[i])];
    }

    /// <summary>Adds and removes members (the two lists never overlap). Cost: one transaction per 32 additions
    /// or 48 removals, whatever the group's size, and no reads: the transaction itself finds what is already
    /// done (a member row is inserted, so an existing member fails it with 409; a missing one's delete fails
    /// with 404), and only then is the chunk's rows read once to drop what does not apply. Entra's usual
    /// requests (new members, removal of members) so cost one transaction per chunk.
    /// <paramref name="groupETag"/> makes the first transaction conditional on the group's version (If-Match).
    /// <paramref name="liveUsersOnly"/>: see <see cref="DropDeletedUsersAsync"/>.
    /// <paramref name="displayName"/>: the group's displayName as the caller read it, stored on the new memberof rows
    /// (see <see cref="CheckNamesAsync"/>).</summary>
    public async Task<MembershipChange> EditAsync(TenantId tenant, string groupId, IReadOnlyList<string> add, IReadOnlyList<string> remove,
        ETag groupETag, WriteContext write, CancellationToken ct, bool liveUsersOnly = false, string? displayName = null)
    {
        var batch = new Batch(this, tenant, write, groupId, groupETag, displayName);
        batch.Unapplied.AddRange(add.Where(id => !ResourceIds.IsWellFormed(id)));
        // Distinct: one transaction cannot name a row twice. Already a member: the repair drops it, nothing is
        // written (Entra re-sends existing members), so LastModified stays.
        var removing = remove.Where(ResourceIds.IsWellFormed).Distinct(StringComparer.Ordinal);
        var adding = await DropDeletedUsersAsync(tenant, [.. add.Where(ResourceIds.IsWellFormed).Distinct(StringComparer.Ordinal)], liveUsersOnly, batch.Unapplied, ct);
        await batch.SubmitAsync([.. removing.Select(u => Pair.Remove(u, groupId)), .. adding.Select(u => Pair.Add(u, groupId))], ct);
        await CheckNamesAsync(tenant, groupId, displayName, batch.Added, ct);
        return batch.Result;
    }

    /// <summary>Makes the member set exactly <paramref name="members"/> (PUT, PATCH replace): streams the
    /// current member rows once, deleting those not wanted as it goes, then adds the missing ones.
    /// Memory holds the requested ids, never the current members.</summary>
    public async Task<MembershipChange> ReplaceAllAsync(TenantId tenant, string groupId, IReadOnlyList<string> members, ETag groupETag, WriteContext write,
        CancellationToken ct, bool liveUsersOnly = false, string? displayName = null)
    {
        var batch = new Batch(this, tenant, write, groupId, groupETag, displayName);
        batch.Unapplied.AddRange(members.Where(id => !ResourceIds.IsWellFormed(id)));
        members = await DropDeletedUsersAsync(tenant, [.. members.Where(ResourceIds.IsWellFormed).Distinct(StringComparer.Ordinal)], liveUsersOnly, batch.Unapplied, ct);
        var missing = members.ToHashSet(StringComparer.Ordinal);
        var unwanted = new List<Pair>();
        await foreach (var userId in MembersAsync(tenant, groupId, ct))
        {
            if (missing.Remove(userId)) continue;
            unwanted.Add(Pair.Remove(userId, groupId));
            if (unwanted.Count == Batch.Capacity(Pair.RemoveCost, withGroupMerge: true))
            {
                await batch.SubmitAsync(unwanted, ct);
                unwanted.Clear();
            }
        }
        await batch.SubmitAsync(unwanted, ct);
        await batch.SubmitAsync([.. members.Where(missing.Contains).Distinct(StringComparer.Ordinal).Select(u => Pair.Add(u, groupId))], ct);
        await CheckNamesAsync(tenant, groupId, displayName, batch.Added, ct);
        return batch.Result;
    }

    /// <summary>Deletes every member row pair of a group, before the group row itself is deleted. The group
    /// row is not touched, so the caller's conditional delete fails only if another request wrote to it.</summary>
    public async Task RemoveAllMembersAsync(TenantId tenant, string groupId, WriteContext write, CancellationToken ct)
    {
        var batch = new Batch(this, tenant, write, touchGroup: null, ETag.All, displayName: null);
        await batch.SubmitStreamAsync(MembersAsync(tenant, groupId, ct), u => Pair.Remove(u, groupId), Pair.RemoveCost, ct);
    }

    /// <summary>The groups a user belongs to, with their display names: one range query over the user's memberof
    /// rows, which carry the name (<see cref="RowProperties.Display"/>), whatever the number of groups. Rows written
    /// before the name was kept there cost a point read of their group (the first <see cref="MaxNamedGroups"/> of them;
    /// later ones come without a display name): the read fallback for older data, no migration needed.</summary>
    public async IAsyncEnumerable<GroupReference> GroupsOfUserAsync(TenantId tenant, string userId, [EnumeratorCancellation] CancellationToken ct)
    {
        if (!ResourceIds.IsWellFormed(userId)) yield break;
        var prefix = RowKeys.MemberOfPrefix(userId);
        var unnamed = 0;
        await foreach (var page in _table.QueryAsync<TableEntity>(RowKeys.RangeFilter(tenant, prefix), maxPerPage: 1000, select: ["RowKey", RowProperties.Display], cancellationToken: ct).AsPages())
        {
            var groups = page.Values.Select(row => new GroupReference(row.RowKey[prefix.Length..], row.GetString(RowProperties.Display))).ToList();
            var legacy = groups.Where(g => g.DisplayName is null).Take(Math.Max(0, MaxNamedGroups - unnamed)).Select(g => g.GroupId).ToList();
            unnamed += legacy.Count;
            var named = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var chunk in legacy.Chunk(ReadParallelism))
                foreach (var group in await NameAsync(tenant, [.. chunk], ct)) named[group.GroupId] = group.DisplayName;
            foreach (var group in groups) yield return named.TryGetValue(group.GroupId, out var name) ? group with { DisplayName = name } : group;
        }
    }

    /// <summary>After members were added with the displayName the caller read: one point read of the group, and when a
    /// rename committed in between (its own pass over the members may have run before these rows existed), the
    /// new rows get the current name. Closes the race between a rename and a member add; a storage failure here,
    /// after the membership committed, is not the write's failure (the rows keep the name the request read).</summary>
    async Task CheckNamesAsync(TenantId tenant, string groupId, string? written, IReadOnlyList<string> added, CancellationToken ct)
    {
        if (added.Count == 0) return;
        try
        {
            var group = await resources.GetAsync(tenant, ResourceKind.Group, groupId, ct);
            if (group is null || ScimJson.GetString(group.Document, "displayName") is not { } current || current == written) return;
            await WriteNamesAsync(tenant, groupId, current, added.ToAsyncEnumerable(), ct);
        }
        catch (RequestFailedException)
        {
        }
    }

    /// <summary>Brings a renamed group's memberof rows to its displayName, then clears its
    /// <see cref="RowProperties.RenamePending"/> flag. Cost: one read of the group, the member rows streamed
    /// (1,000 a page), one transaction per 100 members, one read and one merge of the group: ⌈M/1000⌉ + ⌈M/100⌉ + 3
    /// requests for M members. A rename during the pass (the document's version moved) starts it again with the
    /// newer name; a failure leaves the flag set, and the group's next write (or maintenance) runs it again.</summary>
    public async Task PropagateNameAsync(TenantId tenant, string groupId, CancellationToken ct)
    {
        for (var attempt = 1; attempt <= MaxRepairs; attempt++)
        {
            if (await resources.GetAsync(tenant, ResourceKind.Group, groupId, ct) is not { RenamePending: true } group) return;
            var name = ScimJson.GetString(group.Document, "displayName") ?? "";
            await WriteNamesAsync(tenant, groupId, name, MembersAsync(tenant, groupId, ct), ct);
            // Membership writes move the ETag without changing the name: re-read once and clear on the same version.
            for (var current = group; current is not null && current.Version == group.Version; current = await resources.GetAsync(tenant, ResourceKind.Group, groupId, ct))
            {
                try
                {
                    await _table.UpdateEntityAsync(new TableEntity(tenant, RowKeys.Group(groupId)) { [RowProperties.RenamePending] = false }, current.ETag, TableUpdateMode.Merge, ct);
                    return;
                }
                catch (RequestFailedException e) when (e.Status == 412)
                {
                }
            }
        }
    }

    /// <summary>Sets the Display of the memberof rows (user → <paramref name="groupId"/>) of <paramref name="userIds"/>,
    /// 100 rows a transaction. A Merge, never an insert: a member removed meanwhile fails its transaction (404) and is
    /// dropped, so no memberof row is ever written without its member row.</summary>
    async Task WriteNamesAsync(TenantId tenant, string groupId, string name, IAsyncEnumerable<string> userIds, CancellationToken ct)
    {
        await foreach (var chunk in userIds.Chunk(100).WithCancellation(ct))
        {
            var rows = chunk.ToList();
            for (var attempt = 1; rows.Count > 0; attempt++)
            {
                try
                {
                    await _table.SubmitTransactionAsync(rows.Select(u => new TableTransactionAction(TableTransactionActionType.UpdateMerge,
                        new TableEntity(tenant, RowKeys.MemberOf(u, groupId)) { [RowProperties.Display] = name }, ETag.All)), ct);
                    break;
                }
                catch (TableTransactionFailedException e) when (e.Status == 404 && e.FailedTransactionActionIndex is { } failed && failed < rows.Count && attempt < rows.Count + 1)
                {
                    rows.RemoveAt(failed);
                }
            }
        }
    }

    /// <summary>Removes the user from every group (before the user row is deleted), in batches, moving
    /// each group's LastModified. The user row is not touched (see <see cref="RemoveAllMembersAsync"/>).</summary>
    public async Task RemoveUserFromAllGroupsAsync(TenantId tenant, string userId, WriteContext write, CancellationToken ct)
    {
        if (!ResourceIds.IsWellFormed(userId)) return;
        var batch = new Batch(this, tenant, write, touchGroup: null, ETag.All, displayName: null);
        await batch.SubmitStreamAsync(IdsUnderAsync(tenant, RowKeys.MemberOfPrefix(userId), ct), g => Pair.RemoveTouchingGroup(userId, g), Pair.RemoveTouchingGroupCost, ct);
    }

    async Task<GroupReference[]> NameAsync(TenantId tenant, List<string> groupIds, CancellationToken ct) =>
        await Task.WhenAll(groupIds.Select(async id =>
            new GroupReference(id, await resources.GetAsync(tenant, ResourceKind.Group, id, ct) is { } g ? ScimJson.GetString(g.Document, "displayName") : null)));

    /// <summary>The ids held by the rows under a key prefix (member or memberof rows), in key order.</summary>
    async IAsyncEnumerable<string> IdsUnderAsync(TenantId tenant, string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        var filter = RowKeys.RangeFilter(tenant, prefix);
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey"], cancellationToken: ct))
            yield return row.RowKey[prefix.Length..];
    }

    /// <summary>Point reads, a few at a time. Chosen over <c>RowKey eq … or …</c> queries, which Table
    /// storage answers with a scan of the partition (the whole tenant).</summary>
    async Task<bool[]> ExistAsync(TenantId tenant, IReadOnlyList<string> rowKeys, CancellationToken ct)
    {
        var found = new bool[rowKeys.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, rowKeys.Count), new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = ct },
            async (i, token) => found[i] = (await _table.GetEntityIfExistsAsync<TableEntity>(tenant, rowKeys[i], ["RowKey"], token)).HasValue);
        return found;
    }

    /// <summary>A user deleted in a tenant that deprovisions by disabling keeps its (hidden) row, so the
    /// transaction's Merge would find it: with <paramref name="check"/>, one point read per id first, and a
    /// deleted user is reported unapplied like an unknown id. Tenants that delete for good skip the reads.</summary>
    async Task<List<string>> DropDeletedUsersAsync(TenantId tenant, List<string> userIds, bool check, List<string> unapplied, CancellationToken ct)
    {
        if (!check || userIds.Count == 0) return userIds;
        var deleted = new bool[userIds.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, userIds.Count), new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = ct },
            async (i, token) => deleted[i] = (await _table.GetEntityIfExistsAsync<TableEntity>(tenant, RowKeys.User(userIds[i]), [RowProperties.Deleted], token))
                is { HasValue: true, Value: { } row } && RowProperties.IsDeleted(row));
        unapplied.AddRange(userIds.Where((_, i) => deleted[i]));
        return [.. userIds.Where((_, i) => !deleted[i])];
    }

    enum PairKind { Add, Remove, RemoveTouchingGroup }

    /// <summary>One membership change: both rows, plus the merge that proves the user (add) or moves the
    /// group's LastModified (a user leaving all groups) in the same transaction.</summary>
    readonly record struct Pair(PairKind Kind, string UserId, string GroupId)
    {
        public const int AddCost = 3;
        public const int RemoveCost = 2;
        public const int RemoveTouchingGroupCost = 3;

        public static Pair Add(string userId, string groupId) => new(PairKind.Add, userId, groupId);
        public static Pair Remove(string userId, string groupId) => new(PairKind.Remove, userId, groupId);
        public static Pair RemoveTouchingGroup(string userId, string groupId) => new(PairKind.RemoveTouchingGroup, userId, groupId);

        public int Cost => Kind == PairKind.Remove ? RemoveCost : AddCost;

        public IEnumerable<TableTransactionAction> Actions(TenantId tenant, DateTimeOffset now, string? displayName)
        {
            var member = new TableEntity(tenant, RowKeys.Member(GroupId, UserId)) { [RowProperties.Id] = UserId };
            var memberOf = new TableEntity(tenant, RowKeys.MemberOf(UserId, GroupId)) { [RowProperties.Id] = GroupId };
            if (Kind == PairKind.Add && displayName is not null) memberOf[RowProperties.Display] = displayName;
            if (Kind == PairKind.Add)
            {
                // Insert, not upsert: an existing member fails the transaction (409), which tells EditAsync the
                // member was there without a read beforehand (see Batch.DropPresentMembersAsync).
                yield return new(TableTransactionActionType.Add, member);
                yield return new(TableTransactionActionType.UpsertReplace, memberOf);
                // The existence check for the user: a Merge of a missing row fails the transaction (404). It also
                // clears the user's NoGroups flag, atomically with its first memberof row.
                yield return new(TableTransactionActionType.UpdateMerge, new TableEntity(tenant, RowKeys.User(UserId))
                    { ["MemberTouched"] = now, [RowProperties.NoGroups] = false }, ETag.All);
                yield break;
            }
            yield return new(TableTransactionActionType.Delete, member, ETag.All);
            yield return new(TableTransactionActionType.Delete, memberOf, ETag.All);
            if (Kind == PairKind.RemoveTouchingGroup)
                yield return new(TableTransactionActionType.UpdateMerge, GroupTouch(tenant, GroupId, now), ETag.All);
        }
    }

    static TableEntity GroupTouch(TenantId tenant, string groupId, DateTimeOffset now) =>
        new(tenant, RowKeys.Group(groupId)) { [RowProperties.LastModified] = now };

    /// <summary>Packs pairs into transactions and submits them, repairing a transaction that failed because
    /// a concurrent request changed its rows (a user deleted, a member already removed) and trying again.</summary>
    sealed class Batch(MembershipStore store, TenantId tenant, WriteContext write, string? touchGroup, ETag groupETag, string? displayName)
    {
        DateTimeOffset? _lastModified;
        bool _membersSeen;

        public List<string> Unapplied { get; } = [];

        /// <summary>The users whose membership this batch added (committed).</summary>
        public List<string> Added { get; } = [];
        public MembershipChange Result => new(_lastModified, Unapplied);

        public static int Capacity(int pairCost, bool withGroupMerge) => (MaxOperations - (withGroupMerge ? 1 : 0)) / pairCost;

        /// <summary>Streams ids and submits a transaction whenever one is full: bounded memory for any size.</summary>
        public async Task SubmitStreamAsync(IAsyncEnumerable<string> ids, Func<string, Pair> pair, int pairCost, CancellationToken ct)
        {
            var pending = new List<Pair>();
            await foreach (var id in ids)
            {
                pending.Add(pair(id));
                if (pending.Count < Capacity(pairCost, touchGroup is not null)) continue;
                await SubmitAsync(pending, ct);
                pending.Clear();
            }
            await SubmitAsync(pending, ct);
        }

        public async Task SubmitAsync(IReadOnlyList<Pair> pairs, CancellationToken ct)
        {
            var chunk = new List<Pair>();
            var operations = touchGroup is null ? 0 : 1;
            foreach (var pair in pairs)
            {
                if (operations + pair.Cost > MaxOperations)
                {
                    await SubmitChunkAsync(chunk, ct);
                    chunk = [];
                    operations = touchGroup is null ? 0 : 1;
                }
                chunk.Add(pair);
                operations += pair.Cost;
            }
            await SubmitChunkAsync(chunk, ct);
        }

        async Task SubmitChunkAsync(List<Pair> chunk, CancellationToken ct)
        {
            // Once a chunk of this request met existing members, the client is re-sending members it sent before
            // (a restarted Entra cycle re-adds every member): read the next chunks first instead of failing each.
            if (_membersSeen && chunk.Any(p => p.Kind == PairKind.Add)) await DropPresentMembersAsync(chunk, audit: null, ct);
            for (var attempt = 1; chunk.Count > 0; attempt++)
            {
                var now = store._time.GetUtcNow();
                var actions = new List<TableTransactionAction>();
                // The group's LastModified moves in every transaction (it is part of meta.version), and the
                // Merge fails the transaction if the group was deleted meanwhile.
                if (touchGroup is not null) actions.Add(new(TableTransactionActionType.UpdateMerge, GroupTouch(tenant, touchGroup, now), groupETag));
                var owners = new List<int>();
                foreach (var (pair, index) in chunk.Select((p, i) => (p, i)))
                {
                    foreach (var action in pair.Actions(tenant, now, displayName))
                    {
                        actions.Add(action);
                        owners.Add(index);
                    }
                }
                // Last, so the failed-action index arithmetic below is unchanged.
                var audit = AuditLog.Entry(tenant, write, "Membership", touchGroup ?? chunk[0].UserId, now);
                actions.Add(audit);
                // One event per kind of change in this transaction, after the audit row (see ResourceStore.AddFeed).
                actions.AddRange(FeedRows.Rows(tenant, now, write.RequestId,
                    FeedEventFactory.Members(FeedEventTypes.MemberRemoved, chunk.Where(p => p.Kind != PairKind.Add).Select(p => (p.GroupId, p.UserId))),
                    FeedEventFactory.Members(FeedEventTypes.MemberAdded, chunk.Where(p => p.Kind == PairKind.Add).Select(p => (p.GroupId, p.UserId)))));
                try
                {
                    await store._table.SubmitTransactionAsync(actions, ct);
                    Committed(chunk, now);
                    return;
                }
                catch (TableTransactionFailedException e) when (e.FailedTransactionActionIndex is { } failed)
                {
                    var offset = touchGroup is null ? 0 : 1;
                    if (failed < offset && e.Status == 412) throw new ConcurrencyConflictException();
                    if (failed < offset && e.Status == 404) throw new ResourceNotFoundException(ResourceKind.Group, touchGroup!);
                    if (e.Status is not (404 or 409) || failed - offset >= owners.Count || attempt == MaxRepairs) throw;
                    if (e.Status == 404)
                    {
                        await RepairAsync(chunk, chunk[owners[failed - offset]], ct);
                        continue;
                    }
                    // 409: only a member row's insert can conflict.
                    _membersSeen = true;
                    if (await DropPresentMembersAsync(chunk, audit, ct))
                    {
                        Committed(chunk, now);
                        return;
                    }
                }
            }
        }

        void Committed(List<Pair> chunk, DateTimeOffset now)
        {
            write.MarkCommitted();
            _lastModified = now;
            groupETag = ETag.All; // If-Match is checked once, by the first write.
            Added.AddRange(chunk.Where(p => p.Kind == PairKind.Add).Select(p => p.UserId));
        }

        /// <summary>After a 409 on a member row: reads the chunk's member rows (and this attempt's audit row) once
        /// and drops the members already present. Returns true when this very transaction had committed: every
        /// member row and its audit row exist, so the SDK re-sent it after a lost response. Without an audit row (the
        /// read before a chunk is sent) it only drops members already present.</summary>
        async Task<bool> DropPresentMembersAsync(List<Pair> chunk, TableTransactionAction? audit, CancellationToken ct)
        {
            var adds = chunk.Where(p => p.Kind == PairKind.Add).ToList();
            var present = await store.ExistAsync(tenant, [.. adds.Select(p => RowKeys.Member(p.GroupId, p.UserId)), .. audit is null ? [] : new[] { audit.Entity.RowKey }], ct);
            if (audit is not null && present.All(p => p)) return true;
            chunk.RemoveAll(adds.Where((_, i) => present[i]).Contains);
            return false;
        }

        /// <summary>After a 404 in <paramref name="failed"/>: re-reads what the chunk depends on and drops
        /// the pairs that no longer apply (users that do not exist, members already removed).</summary>
        async Task RepairAsync(List<Pair> chunk, Pair failed, CancellationToken ct)
        {
            if (failed.Kind == PairKind.Add)
            {
                var adds = chunk.Where(p => p.Kind == PairKind.Add).ToList();
                var exists = await store.ExistAsync(tenant, [.. adds.Select(p => RowKeys.User(p.UserId))], ct);
                var unknown = adds.Where((_, i) => !exists[i]).ToList();
                Unapplied.AddRange(unknown.Select(p => p.UserId));
                chunk.RemoveAll(unknown.Contains);
                return;
            }
            // A group deleted without its rows cannot happen by the invariant; if it ever did, stop touching it.
            if (failed.Kind == PairKind.RemoveTouchingGroup && !(await store.ExistAsync(tenant, [RowKeys.Group(failed.GroupId)], ct))[0])
                chunk[chunk.IndexOf(failed)] = failed with { Kind = PairKind.Remove };
            var removes = chunk.Where(p => p.Kind != PairKind.Add).ToList();
            var present = await store.ExistAsync(tenant, [.. removes.Select(p => RowKeys.Member(p.GroupId, p.UserId))], ct);
            chunk.RemoveAll(removes.Where((_, i) => !present[i]).Contains);
        }
    }
}
