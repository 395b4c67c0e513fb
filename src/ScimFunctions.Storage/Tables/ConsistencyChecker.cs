using System.Text.Json;
using Azure.Data.Tables;
using ScimFunctions.Contract;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Resources;

namespace ScimFunctions.Storage.Tables;

public enum FindingKind
{
    /// <summary>An index row (userName/displayName claim, externalId/email lookup) whose resource does not exist or is deleted.</summary>
    OrphanIndexRow,

    /// <summary>An index row whose resource exists but whose document no longer has that value.</summary>
    StaleIndexRow,

    /// <summary>A live resource without one of the index rows its document needs.</summary>
    MissingIndexRow,

    /// <summary>A member row without its memberof row, or the reverse.</summary>
    UnpairedMembership,

    /// <summary>A membership row naming a user or group that does not exist or is deleted.</summary>
    DanglingMembership,

    /// <summary>A resource row whose document cannot be read or lacks its unique attribute.</summary>
    InvalidDocument,

    /// <summary>A memberof row whose group name (<see cref="RowProperties.Display"/>) is not its group's displayName,
    /// while the group has no rename in progress.</summary>
    StaleGroupName,

    /// <summary>A user row whose own copy of its groups (<see cref="RowProperties.Groups"/>) is not its memberof rows, or
    /// shows a group's name other than its displayName while the group has no rename in progress.</summary>
    UserGroupsMismatch,
}

/// <summary>One problem: what kind, which row, and why.</summary>
public sealed record ConsistencyFinding(FindingKind Kind, string RowKey, string Detail);

public sealed record ConsistencyReport(string Tenant, int RowsScanned, int Users, int Groups, IReadOnlyList<ConsistencyFinding> Findings)
{
    public bool IsConsistent => Findings.Count == 0;
}

/// <summary>
/// Checks one tenant's partition against the invariants the stores keep with their transactions: every
/// index row belongs to a live resource whose document has that value, every live resource has all its
/// index rows, membership rows come in pairs between a live user and a live group, and a memberof row's group
/// name is its group's (rows without one, written before names were kept, are read through to the group), and a user row
/// that keeps its groups keeps exactly those of its memberof rows. One scan of the
/// partition; memory holds row keys, never documents. Run it on a quiet tenant: writes in flight between
/// two of their transactions (a group's member batches, a delete's clean-up) can show up as findings that
/// the write itself then resolves.
/// </summary>
public sealed class ConsistencyChecker(TableClient table)
{
    public async Task<ConsistencyReport> CheckAsync(TenantId tenant, CancellationToken ct)
    {
        var findings = new List<ConsistencyFinding>();
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);    // index row key → resource id its document needs
        var live = new HashSet<string>(StringComparer.Ordinal);                   // "user|id", "group|id" of live resources
        var deleted = new HashSet<string>(StringComparer.Ordinal);                // soft-deleted (Disable mode) rows
        var index = new List<(string RowKey, string? Id, string ResourceKey)>();
        var membership = new HashSet<string>(StringComparer.Ordinal);
        var shownNames = new Dictionary<string, string>(StringComparer.Ordinal);   // memberof row key → the group name it carries
        var groupNames = new Dictionary<string, string?>(StringComparer.Ordinal);  // "group|id" → displayName, of groups with no rename in progress
        var keptGroups = new Dictionary<string, IReadOnlyList<GroupReference>>(StringComparer.Ordinal); // user id → the groups its row keeps
        int rows = 0, users = 0, groups = 0;

        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: ct))
        {
            rows++;
            var key = entity.RowKey;
            var rowKind = RowKeys.KindOf(key);
            if (rowKind is RowKind.User or RowKind.Group)
            {
                var k = rowKind == RowKind.User ? ResourceKind.User : ResourceKind.Group;
                if (RowProperties.IsDeleted(entity))
                {
                    deleted.Add(key);
                    continue;
                }
                live.Add(key);
                if (k == ResourceKind.User) users++;
                else groups++;
                try
                {
                    var resource = ResourceStore.ToResource(k, entity);
                    if (k == ResourceKind.Group && !resource.RenamePending) groupNames[key] = ScimJson.GetString(resource.Document, "displayName");
                    if (resource.Groups is { } kept) keptGroups[resource.Id] = kept;
                    var keys = IndexKeys.For(k, resource.Id, resource.Document);
                    foreach (var needed in keys.Lookups.Prepend(keys.UniqueClaim).Concat(resource.ExtensionIndexKeys)) expected[needed] = resource.Id;
                }
                catch (Exception e) when (e is JsonException or RequiredAttributeMissingException or InvalidCastException or InvalidOperationException)
                {
                    findings.Add(new(FindingKind.InvalidDocument, key, e.Message));
                }
                continue;
            }
            var id = entity.GetString(RowProperties.Id);
            switch (rowKind)
            {
                case RowKind.UserName or RowKind.UserExternalId or RowKind.UserEmail or RowKind.UserExtensionClaim or RowKind.UserExtensionIndex:
                    index.Add((key, id, RowKeys.User(id ?? "")));
                    break;
                case RowKind.GroupName or RowKind.GroupExternalId or RowKind.GroupExtensionClaim or RowKind.GroupExtensionIndex:
                    index.Add((key, id, RowKeys.Group(id ?? "")));
                    break;
                case RowKind.Member or RowKind.MemberOf:
                    membership.Add(key);
                    if (entity.GetString(RowProperties.Display) is { } shown) shownNames[key] = shown;
                    break;
                case RowKind.EventReceiver or RowKind.EventPoll:
                    break; // the events' delivery state: its cursors are feed keys, not resources
                // Tenant settings, audit entries, app key claims, feed rows and any later kinds are not cross-referenced.
            }
        }

        foreach (var (key, id, resourceKey) in index)
        {
            if (!live.Contains(resourceKey))
                findings.Add(new(FindingKind.OrphanIndexRow, key, deleted.Contains(resourceKey)
                    ? $"points at {resourceKey}, which is deleted" : $"points at {resourceKey}, which does not exist"));
            else if (!expected.TryGetValue(key, out var owner) || owner != id)
                findings.Add(new(FindingKind.StaleIndexRow, key, $"points at {resourceKey}, whose document does not have this value"));
        }
        var present = index.Where(r => r.Id is not null).ToDictionary(r => r.RowKey, r => r.Id!, StringComparer.Ordinal);
        foreach (var (key, id) in expected)
        {
            if (!present.TryGetValue(key, out var holder))
                findings.Add(new(FindingKind.MissingIndexRow, key, $"needed by {id}, but missing"));
            else if (holder != id)
                findings.Add(new(FindingKind.MissingIndexRow, key, $"needed by {id}, but held by {holder}"));
        }

        foreach (var key in membership)
        {
            // member|<group>|<user> pairs with memberof|<user>|<group>.
            var parts = key.Split('|');
            if (parts.Length != 3)
            {
                findings.Add(new(FindingKind.UnpairedMembership, key, "is not a membership row key"));
                continue;
            }
            var isMember = RowKeys.KindOf(key) == RowKind.Member;
            var (groupId, userId) = isMember ? (parts[1], parts[2]) : (parts[2], parts[1]);
            var pair = isMember ? RowKeys.MemberOf(userId, groupId) : RowKeys.Member(groupId, userId);
            if (!membership.Contains(pair)) findings.Add(new(FindingKind.UnpairedMembership, key, $"has no {pair}"));
            if (shownNames.TryGetValue(key, out var shown) && groupNames.TryGetValue(RowKeys.Group(groupId), out var name) && shown != name)
                findings.Add(new(FindingKind.StaleGroupName, key, $"shows the group as \"{shown}\", its displayName is \"{name}\""));
            foreach (var resourceKey in new[] { RowKeys.User(userId), RowKeys.Group(groupId) })
            {
                if (!live.Contains(resourceKey))
                    findings.Add(new(FindingKind.DanglingMembership, key, deleted.Contains(resourceKey)
                        ? $"names {resourceKey}, which is deleted" : $"names {resourceKey}, which does not exist"));
            }
        }
        var memberOf = membership.Where(k => RowKeys.KindOf(k) == RowKind.MemberOf).Select(k => k.Split('|')).Where(p => p.Length == 3)
            .ToLookup(p => p[1], p => p[2], StringComparer.Ordinal);
        foreach (var (userId, kept) in keptGroups)
        {
            var rowKey = RowKeys.User(userId);
            if (!kept.Select(g => g.GroupId).Order(StringComparer.Ordinal).SequenceEqual(memberOf[userId].Order(StringComparer.Ordinal)))
                findings.Add(new(FindingKind.UserGroupsMismatch, rowKey, $"keeps the groups [{string.Join(", ", kept.Select(g => g.GroupId))}], its memberof rows name [{string.Join(", ", memberOf[userId])}]"));
            foreach (var group in kept.Where(g => groupNames.TryGetValue(RowKeys.Group(g.GroupId), out var name) && g.DisplayName != name))
                findings.Add(new(FindingKind.UserGroupsMismatch, rowKey, $"shows group {group.GroupId} as \"{group.DisplayName}\", its displayName is \"{groupNames[RowKeys.Group(group.GroupId)]}\""));
        }
        return new ConsistencyReport(tenant, rows, users, groups, findings);
    }
}
