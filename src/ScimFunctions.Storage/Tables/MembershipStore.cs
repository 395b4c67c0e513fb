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
/// memberof|user|group), never as a list inside the group entity; the user row keeps its own copy of its groups
/// (<see cref="UserGroups"/>), so reading a user's groups costs no query.
///
/// Invariants: a member row pair exists only while its group row and its user row exist, and a user row that keeps
/// its groups keeps exactly those of its memberof rows. Every transaction that adds or removes a pair also merges
/// the user row's new groups, conditional on the ETag it read (a Merge fails the whole transaction when the row is
/// gone or changed), or, on a row that does not keep them, moves its ETag the same way, so a reader of the row, then of its
/// memberof rows, can write the copy conditional on the first read (<see cref="KeepGroupsAsync"/>); deletes of a user or group remove the pairs first and then delete the row conditionally on the
/// ETag they read, which every membership write moves.
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

    /// <summary>Adds and removes members (the two lists never overlap). Cost, whatever the group's size: one point
    /// read of each user named (its groups and ETag, read in parallel) and one transaction per 32 changes. The
    /// users' rows tell what is already done (a member added again, one removed already: nothing is written, so
    /// LastModified stays; Entra re-sends existing members), and which users do not exist or are deleted (unapplied).
    /// <paramref name="groupETag"/> makes the first transaction conditional on the group's version (If-Match).
    /// <paramref name="displayName"/>: the group's displayName as the caller read it, stored with the new memberships
    /// (see <see cref="CheckNamesAsync"/>).</summary>
    public async Task<MembershipChange> EditAsync(TenantId tenant, string groupId, IReadOnlyList<string> add, IReadOnlyList<string> remove,
        ETag groupETag, WriteContext write, CancellationToken ct, string? displayName = null)
    {
        var batch = new Batch(this, tenant, write, groupId, groupETag, displayName);
        batch.Unapplied.AddRange(add.Where(id => !ResourceIds.IsWellFormed(id)));
        // Distinct: one transaction cannot name a row twice.
        var removing = remove.Where(ResourceIds.IsWellFormed).Distinct(StringComparer.Ordinal);
        var adding = add.Where(ResourceIds.IsWellFormed).Distinct(StringComparer.Ordinal);
        await batch.SubmitAsync([.. removing.Select(u => Pair.Remove(u, groupId)), .. adding.Select(u => Pair.Add(u, groupId))], ct);
        await CheckNamesAsync(tenant, groupId, displayName, batch.Added, ct);
        return batch.Result;
    }

    /// <summary>Makes the member set exactly <paramref name="members"/> (PUT, PATCH replace): streams the
    /// current member rows once, deleting those not wanted as it goes, then adds the missing ones.
    /// Memory holds the requested ids, never the current members.</summary>
    public async Task<MembershipChange> ReplaceAllAsync(TenantId tenant, string groupId, IReadOnlyList<string> members, ETag groupETag, WriteContext write,
        CancellationToken ct, string? displayName = null)
    {
        var batch = new Batch(this, tenant, write, groupId, groupETag, displayName);
        batch.Unapplied.AddRange(members.Where(id => !ResourceIds.IsWellFormed(id)));
        members = [.. members.Where(ResourceIds.IsWellFormed).Distinct(StringComparer.Ordinal)];
        var missing = members.ToHashSet(StringComparer.Ordinal);
        var unwanted = new List<Pair>();
        await foreach (var userId in MembersAsync(tenant, groupId, ct))
        {
            if (missing.Remove(userId)) continue;
            unwanted.Add(Pair.Remove(userId, groupId));
            if (unwanted.Count == Batch.Capacity(withGroupMerge: true))
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

    /// <summary>Deletes every member row pair of a group, before the group row itself is deleted (a point read of each
    /// member's row, one transaction per 32 members). The group row is not touched, so the caller's conditional delete
    /// fails only if another request wrote to it.</summary>
    public async Task RemoveAllMembersAsync(TenantId tenant, string groupId, WriteContext write, CancellationToken ct)
    {
        var batch = new Batch(this, tenant, write, touchGroup: null, ETag.All, displayName: null);
        await batch.SubmitStreamAsync(MembersAsync(tenant, groupId, ct), u => Pair.Remove(u, groupId), ct);
    }

    /// <summary>The groups of <paramref name="user"/>, with their display names: those its row keeps (no storage
    /// request), else one range query over its memberof rows, which carry the name (<see cref="RowProperties.Display"/>)
    /// whatever the number of groups. Memberof rows written before the name was kept there cost a point read of their
    /// group (the first <see cref="MaxNamedGroups"/> of them; later ones come without a display name): the read
    /// fallback for rows past the bound and for older rows the maintenance backfill (<see cref="KeepGroupsAsync"/>) has not reached.</summary>
    public async IAsyncEnumerable<GroupReference> GroupsOfUserAsync(TenantId tenant, StoredResource user, [EnumeratorCancellation] CancellationToken ct)
    {
        if (user.Groups is { } kept)
        {
            foreach (var group in kept) yield return group;
            yield break;
        }
        await foreach (var group in MemberOfGroupsAsync(tenant, user.Id, MaxNamedGroups, ct)) yield return group;
    }

    /// <summary>Gives a user row that does not keep its groups and never did (written before the column existed:
    /// <see cref="UserGroups.Read"/> null, no <see cref="RowProperties.Groups"/> column) its copy, from its memberof rows
    /// (one range query; a row without the group's name costs a point read of the group), merged conditional on
    /// <paramref name="etag"/>, the version read before the memberof rows: every membership write moves that version
    /// (see <see cref="UserRow.Touch"/>), so a change in between fails the merge rather than being overwritten.
    /// Past the bound the copy is "" (not kept, for good). A <paramref name="deleted"/> user (disable mode) is in no group:
    /// deprovisioning removed its memberships before marking it, and no membership is ever added to it, so its copy
    /// costs no query. False when the row changed or is gone: the next run retries.</summary>
    public async Task<bool> KeepGroupsAsync(TenantId tenant, string userId, ETag etag, bool deleted, CancellationToken ct)
    {
        List<GroupReference> groups = deleted ? [] : await MemberOfGroupsAsync(tenant, userId, int.MaxValue, ct).ToListAsync(ct);
        try
        {
            await _table.UpdateEntityAsync(new TableEntity(tenant, RowKeys.User(userId)) { [RowProperties.Groups] = UserGroups.Write(groups) }, etag, TableUpdateMode.Merge, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>The groups of a user's memberof rows, one range query, with the names the rows carry; the first
    /// <paramref name="maxNamed"/> rows without one cost a point read of their group, later ones come without a name.</summary>
    async IAsyncEnumerable<GroupReference> MemberOfGroupsAsync(TenantId tenant, string userId, int maxNamed, [EnumeratorCancellation] CancellationToken ct)
    {
        var prefix = RowKeys.MemberOfPrefix(userId);
        var unnamed = 0;
        await foreach (var page in _table.QueryAsync<TableEntity>(RowKeys.RangeFilter(tenant, prefix), maxPerPage: 1000, select: ["RowKey", RowProperties.Display], cancellationToken: ct).AsPages())
        {
            var groups = page.Values.Select(row => new GroupReference(row.RowKey[prefix.Length..], row.GetString(RowProperties.Display))).ToList();
            var legacy = groups.Where(g => g.DisplayName is null).Take(Math.Max(0, maxNamed - unnamed)).Select(g => g.GroupId).ToList();
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

    /// <summary>Brings a renamed group's memberof rows and its members' own copies of their groups to its displayName,
    /// then clears its <see cref="RowProperties.RenamePending"/> flag. Cost: one read of the group, the member rows
    /// streamed (1,000 a page), a point read of each member's row, one transaction per 48 members, one read and one
    /// merge of the group: ⌈M/1000⌉ + M + ⌈M/48⌉ + 3 requests for M members. A rename during the pass (the document's version moved) starts it again with the
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

    /// <summary>Sets the group's name on the memberof rows (user → <paramref name="groupId"/>) of <paramref name="userIds"/>
    /// and in the groups their rows keep, 48 users a transaction. Merges, never inserts: a member removed meanwhile is
    /// dropped (its row no longer names the group, or its memberof Merge fails with 404), so no memberof row is ever
    /// written without its member row; a user row changed meanwhile (412) is read again.</summary>
    async Task WriteNamesAsync(TenantId tenant, string groupId, string name, IAsyncEnumerable<string> userIds, CancellationToken ct)
    {
        await foreach (var chunk in userIds.Chunk(MaxOperations / 2).WithCancellation(ct))
        {
            var members = chunk.ToList();
            for (var attempt = 1; members.Count > 0; attempt++)
            {
                var rows = await ReadUsersAsync(tenant, members, ct);
                members.RemoveAll(u => !rows.TryGetValue(u, out var row) || row.Groups is { } kept && !UserGroups.Contains(kept, groupId));
                var actions = new List<TableTransactionAction>();
                var owners = new List<string>();
                foreach (var userId in members)
                {
                    actions.Add(new(TableTransactionActionType.UpdateMerge, new TableEntity(tenant, RowKeys.MemberOf(userId, groupId)) { [RowProperties.Display] = name }, ETag.All));
                    owners.Add(userId);
                    actions.Add(rows[userId].Groups is { } groups
                        ? rows[userId].Merge(tenant, userId, groups.Select(g => g.GroupId == groupId ? g with { DisplayName = name } : g))
                        : rows[userId].Touch(tenant, userId, _time.GetUtcNow()));
                    owners.Add(userId);
                }
                if (actions.Count == 0) break;
                try
                {
                    await _table.SubmitTransactionAsync(actions, ct);
                    break;
                }
                catch (TableTransactionFailedException e) when (e.Status is 404 or 412 && e.FailedTransactionActionIndex is { } failed && failed < actions.Count && attempt < MaxRepairs)
                {
                    // A memberof row gone: that member left. A user row gone or changed: read again.
                    if (actions[failed].Entity.RowKey.StartsWith(RowKeys.MemberOfPrefix(owners[failed]), StringComparison.Ordinal)) members.Remove(owners[failed]);
                }
            }
        }
    }

    /// <summary>Removes <paramref name="user"/> from every group (before the user row is deleted), in batches, moving
    /// each group's LastModified: the groups its row keeps, else those of its memberof rows (a range query). The user
    /// row is not touched (see <see cref="RemoveAllMembersAsync"/>): a membership changed since the caller's read moved
    /// its ETag, so the caller's conditional delete fails and is retried.</summary>
    public async Task RemoveUserFromAllGroupsAsync(TenantId tenant, StoredResource user, WriteContext write, CancellationToken ct)
    {
        if (user.NoGroups || !ResourceIds.IsWellFormed(user.Id)) return;
        var groups = user.Groups is { } kept ? kept.Select(g => g.GroupId).ToAsyncEnumerable() : IdsUnderAsync(tenant, RowKeys.MemberOfPrefix(user.Id), ct);
        var batch = new Batch(this, tenant, write, touchGroup: null, ETag.All, displayName: null);
        await batch.SubmitStreamAsync(groups, g => Pair.RemoveTouchingGroup(user.Id, g), ct);
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

    /// <summary>The rows of <paramref name="userIds"/> as a membership write needs them (point reads, a few at a
    /// time, of three columns): missing users are absent from the answer.</summary>
    async Task<Dictionary<string, UserRow>> ReadUsersAsync(TenantId tenant, IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var rows = new System.Collections.Concurrent.ConcurrentDictionary<string, UserRow>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(userIds, new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = ct }, async (userId, token) =>
        {
            var response = await _table.GetEntityIfExistsAsync<TableEntity>(tenant, RowKeys.User(userId), [RowProperties.Groups, RowProperties.NoGroups, RowProperties.Deleted], token);
            if (response is { HasValue: true, Value: { } row }) rows[userId] = new UserRow(row.ETag, UserGroups.Read(row), RowProperties.IsDeleted(row));
        });
        return new(rows, StringComparer.Ordinal);
    }

    /// <summary>A user row as read by a membership write: the ETag its merge is conditional on, and the groups it keeps
    /// (null when it does not keep them).</summary>
    readonly record struct UserRow(ETag ETag, IReadOnlyList<GroupReference>? Groups, bool Deleted)
    {
        /// <summary>The merge that writes the row's new groups, conditional on the version read (so a concurrent
        /// membership change or document write is never overwritten); also the existence check of the user.</summary>
        public TableTransactionAction Merge(TenantId tenant, string userId, IEnumerable<GroupReference> groups) =>
            new(TableTransactionActionType.UpdateMerge, new TableEntity(tenant, RowKeys.User(userId)) { [RowProperties.Groups] = UserGroups.Write(groups) }, ETag);

        /// <summary>For a row that does not keep its groups: moves its version, conditional on the one read, so the
        /// maintenance backfill's merge (<see cref="KeepGroupsAsync"/>), conditional on the version it read before the
        /// memberof rows, fails whenever those rows changed since; also the existence check of the user.</summary>
        public TableTransactionAction Touch(TenantId tenant, string userId, DateTimeOffset now) => TouchUser(tenant, userId, now, ETag);
    }

    static TableTransactionAction TouchUser(TenantId tenant, string userId, DateTimeOffset now, ETag etag) =>
        new(TableTransactionActionType.UpdateMerge, new TableEntity(tenant, RowKeys.User(userId)) { ["MemberTouched"] = now }, etag);

    enum PairKind { Add, Remove, RemoveTouchingGroup, RemoveRowsOnly }

    /// <summary>One membership change: both rows, plus in the same transaction the merge of the user row's groups (add,
    /// remove) or of the group's LastModified (a user leaving all its groups before its row is deleted).</summary>
    readonly record struct Pair(PairKind Kind, string UserId, string GroupId)
    {
        /// <summary>A pair's operations in a transaction, at most.</summary>
        public const int Cost = 3;

        public static Pair Add(string userId, string groupId) => new(PairKind.Add, userId, groupId);
        public static Pair Remove(string userId, string groupId) => new(PairKind.Remove, userId, groupId);
        public static Pair RemoveTouchingGroup(string userId, string groupId) => new(PairKind.RemoveTouchingGroup, userId, groupId);

        /// <summary>Whether the pair writes the user row's groups, so the row is read first.</summary>
        public bool WritesUser => Kind is PairKind.Add or PairKind.Remove;

        public IEnumerable<TableTransactionAction> Actions(TenantId tenant, DateTimeOffset now, string? displayName, UserRow? user)
        {
            var groupId = GroupId;
            var member = new TableEntity(tenant, RowKeys.Member(GroupId, UserId)) { [RowProperties.Id] = UserId };
            var memberOf = new TableEntity(tenant, RowKeys.MemberOf(UserId, GroupId)) { [RowProperties.Id] = GroupId };
            if (Kind == PairKind.Add)
            {
                if (displayName is not null) memberOf[RowProperties.Display] = displayName;
                // Insert, not upsert: an existing member the user row did not tell of fails the transaction (409),
                // see Batch.DropPresentMembersAsync.
                yield return new(TableTransactionActionType.Add, member);
                yield return new(TableTransactionActionType.UpsertReplace, memberOf);
                // A row that does not keep its groups still gets a Merge: the user's existence check (404 when gone).
                yield return user is { Groups: { } groups } row
                    ? row.Merge(tenant, UserId, [.. groups, new GroupReference(GroupId, displayName)])
                    : TouchUser(tenant, UserId, now, user?.ETag ?? ETag.All);
                yield break;
            }
            yield return new(TableTransactionActionType.Delete, member, ETag.All);
            yield return new(TableTransactionActionType.Delete, memberOf, ETag.All);
            if (Kind == PairKind.RemoveTouchingGroup)
                yield return new(TableTransactionActionType.UpdateMerge, GroupTouch(tenant, GroupId, now), ETag.All);
            else if (Kind == PairKind.Remove && user is { Groups: { } kept } row)
                yield return row.Merge(tenant, UserId, kept.Where(g => g.GroupId != groupId));
            else if (Kind == PairKind.Remove && user is { } read)
                yield return read.Touch(tenant, UserId, now);
        }
    }

    static TableEntity GroupTouch(TenantId tenant, string groupId, DateTimeOffset now) =>
        new(tenant, RowKeys.Group(groupId)) { [RowProperties.LastModified] = now };

    /// <summary>Packs pairs into transactions and submits them, repairing a transaction that failed because
    /// a concurrent request changed its rows (a user deleted or changed, a member already removed) and trying again.</summary>
    sealed class Batch(MembershipStore store, TenantId tenant, WriteContext write, string? touchGroup, ETag groupETag, string? displayName)
    {
        DateTimeOffset? _lastModified;

        public List<string> Unapplied { get; } = [];

        /// <summary>The users whose membership this batch added (committed).</summary>
        public List<string> Added { get; } = [];
        public MembershipChange Result => new(_lastModified, Unapplied);

        public static int Capacity(bool withGroupMerge) => (MaxOperations - (withGroupMerge ? 1 : 0)) / Pair.Cost;

        int Capacity() => Capacity(touchGroup is not null);

        /// <summary>Streams ids and submits a transaction whenever one is full: bounded memory for any size.</summary>
        public async Task SubmitStreamAsync(IAsyncEnumerable<string> ids, Func<string, Pair> pair, CancellationToken ct)
        {
            await foreach (var chunk in ids.Select(pair).Chunk(Capacity()).WithCancellation(ct)) await SubmitChunkAsync([.. chunk], ct);
        }

        public async Task SubmitAsync(IReadOnlyList<Pair> pairs, CancellationToken ct)
        {
            foreach (var chunk in pairs.Chunk(Capacity())) await SubmitChunkAsync([.. chunk], ct);
        }

        async Task SubmitChunkAsync(List<Pair> chunk, CancellationToken ct)
        {
            for (var attempt = 1; chunk.Count > 0; attempt++)
            {
                var users = await DropWhatIsDoneAsync(chunk, ct);
                if (chunk.Count == 0) return;
                var now = store._time.GetUtcNow();
                var actions = new List<TableTransactionAction>();
                // The group's LastModified moves in every transaction (it is part of meta.version), and the
                // Merge fails the transaction if the group was deleted meanwhile.
                if (touchGroup is not null) actions.Add(new(TableTransactionActionType.UpdateMerge, GroupTouch(tenant, touchGroup, now), groupETag));
                var owners = new List<int>();
                foreach (var (pair, index) in chunk.Select((p, i) => (p, i)))
                {
                    foreach (var action in pair.Actions(tenant, now, displayName, users.TryGetValue(pair.UserId, out var user) ? user : null))
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
                    if (e.Status is not (404 or 409 or 412) || failed - offset >= owners.Count || attempt == MaxRepairs) throw;
                    var action = actions[failed];
                    var pair = chunk[owners[failed - offset]];
                    if (e.Status == 409)
                    {
                        // Only a member row's insert can conflict.
                        if (!await DropPresentMembersAsync(chunk, audit, ct)) continue;
                        Committed(chunk, now);
                        return;
                    }
                    if (action.ActionType == TableTransactionActionType.Delete) await DropRemovedPairsAsync(chunk, ct);
                    // A group deleted without its rows cannot happen by the invariant; if it ever did, stop touching it.
                    else if (action.Entity.RowKey == RowKeys.Group(pair.GroupId)) chunk[chunk.IndexOf(pair)] = pair with { Kind = PairKind.RemoveRowsOnly };
                    // Else a user row changed or deleted since it was read: the next attempt reads it again.
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

        /// <summary>Reads the rows of the users whose groups the chunk writes, and drops what does not apply: an add of a
        /// user that does not exist or is deleted (unapplied), a change the user's groups show done already.</summary>
        async Task<Dictionary<string, UserRow>> DropWhatIsDoneAsync(List<Pair> chunk, CancellationToken ct)
        {
            var users = await store.ReadUsersAsync(tenant, [.. chunk.Where(p => p.WritesUser).Select(p => p.UserId)], ct);
            foreach (var pair in chunk.Where(p => p.WritesUser).ToList())
            {
                var found = users.TryGetValue(pair.UserId, out var user);
                if (pair.Kind == PairKind.Add && (!found || user.Deleted))
                {
                    Unapplied.Add(pair.UserId);
                    chunk.Remove(pair);
                }
                else if (found && user.Groups is { } groups && UserGroups.Contains(groups, pair.GroupId) == (pair.Kind == PairKind.Add))
                {
                    chunk.Remove(pair);
                }
            }
            return users;
        }

        /// <summary>After a 409 on a member row: reads the chunk's member rows (and this attempt's audit row) once
        /// and drops the members already present. Returns true when this very transaction had committed: every
        /// member row and its audit row exist, so the SDK re-sent it after a lost response.</summary>
        async Task<bool> DropPresentMembersAsync(List<Pair> chunk, TableTransactionAction audit, CancellationToken ct)
        {
            var adds = chunk.Where(p => p.Kind == PairKind.Add).ToList();
            var present = await store.ExistAsync(tenant, [.. adds.Select(p => RowKeys.Member(p.GroupId, p.UserId)), audit.Entity.RowKey], ct);
            if (present.All(p => p)) return true;
            chunk.RemoveAll(adds.Where((_, i) => present[i]).Contains);
            return false;
        }

        /// <summary>After a 404 on a member row's delete: drops the removals whose member row is gone already.</summary>
        async Task DropRemovedPairsAsync(List<Pair> chunk, CancellationToken ct)
        {
            var removes = chunk.Where(p => p.Kind != PairKind.Add).ToList();
            var present = await store.ExistAsync(tenant, [.. removes.Select(p => RowKeys.Member(p.GroupId, p.UserId))], ct);
            chunk.RemoveAll(removes.Where((_, i) => !present[i]).Contains);
        }
    }
}
