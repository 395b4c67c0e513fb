using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Data.Tables;
using ScimFunctions.Contract;

namespace ScimFunctions.Directory;

/// <summary>
/// Reads a tenant's provisioned users and groups, for the application behind the SCIM endpoint.
///
/// Read-only by construction: there is no write method. Give the application's identity only the
/// "Storage Table Data Reader" role on the storage account (the Bicep parameter <c>appReaderPrincipalId</c>
/// does exactly that), so that even a bug in the application cannot change provisioning data.
///
/// Every lookup costs a fixed number of storage requests whatever the tenant's size (a point read, or a
/// short range over an index, then a point read per user found); the list methods stream.
/// Get and find methods return users and groups in any status, marked with <see cref="DirectoryStatus"/>;
/// list methods return live ones unless <see cref="DirectoryListOptions"/> asks for more.
/// </summary>
public sealed class DirectoryReader
{
    /// <summary>Version of the read contract (the rows and events this library understands). A service that
    /// changes their meaning incompatibly ships a library with a higher version.</summary>
    public const int ContractVersion = 1;

    /// <summary>The default table name prefix (the service's <c>Storage__TablePrefix</c>).</summary>
    public const string DefaultTablePrefix = "scim";

    /// <summary>Point reads run this many at a time.</summary>
    const int ReadParallelism = 16;

    readonly TableClient _table;

    /// <summary>Reads through an existing client of the service's resource table (<c>{prefix}resources</c>).</summary>
    public DirectoryReader(TableClient resources) => _table = resources;

    /// <summary>Reads the deployed service's table with an Entra ID credential (for example the application's
    /// managed identity), e.g. <c>new DirectoryReader(new Uri("https://acct.table.core.windows.net"), new DefaultAzureCredential())</c>.</summary>
    public DirectoryReader(Uri tableEndpoint, TokenCredential credential, string tablePrefix = DefaultTablePrefix)
        : this(ResourceTable(tableEndpoint, credential, tablePrefix))
    {
    }

    /// <summary>The resource table of a deployment, reached with an Entra ID credential.</summary>
    public static TableClient ResourceTable(Uri tableEndpoint, TokenCredential credential, string tablePrefix = DefaultTablePrefix) =>
        new(tableEndpoint, tablePrefix + "resources", credential);

    /// <summary>The resource table reached with a connection string (Azurite: <c>UseDevelopmentStorage=true</c>).</summary>
    public static TableClient ResourceTable(string connectionString, string tablePrefix = DefaultTablePrefix) =>
        new(connectionString, tablePrefix + "resources");

    /// <summary>The user with this id, in any status; null if there is none.</summary>
    public async Task<DirectoryUser?> GetUserAsync(string tenant, string id, CancellationToken ct = default) =>
        ResourceIds.IsWellFormed(id) && await GetRowAsync(tenant, RowKeys.User(id), ct) is { } row ? ToUser(row) : null;

    /// <summary>The user holding this userName (case-insensitive), live or pending. Deleted users release their
    /// userName, so they are not found by it.</summary>
    public async Task<DirectoryUser?> FindUserByUserNameAsync(string tenant, string userName, CancellationToken ct = default) =>
        await ClaimedIdAsync(tenant, RowKeys.UserName(userName), ct) is { } id ? await GetUserAsync(tenant, id, ct) : null;

    /// <summary>The users whose externalId is exactly this (usually one).</summary>
    public Task<IReadOnlyList<DirectoryUser>> FindUsersByExternalIdAsync(string tenant, string externalId, CancellationToken ct = default) =>
        UsersUnderAsync(tenant, RowKeys.UserExternalIdPrefix(externalId), ct);

    /// <summary>The users with this email address among their emails (case-insensitive; any type).</summary>
    public Task<IReadOnlyList<DirectoryUser>> FindUsersByEmailAsync(string tenant, string email, CancellationToken ct = default) =>
        UsersUnderAsync(tenant, RowKeys.UserEmailPrefix(email), ct);

    /// <summary>The user linked to the application's own key by <c>scim-admin import</c> (exact match).</summary>
    public async Task<DirectoryUser?> FindUserByAppKeyAsync(string tenant, string appKey, CancellationToken ct = default) =>
        await ClaimedIdAsync(tenant, RowKeys.UserAppKey(appKey), ct) is { } id && await GetUserAsync(tenant, id, ct) is { } user && user.AppKey == appKey
            ? user
            : null;

    /// <summary>The tenant's users in id order (which is creation order), streamed page by page.</summary>
    public IAsyncEnumerable<DirectoryUser> ListUsersAsync(string tenant, DirectoryListOptions? options = null, CancellationToken ct = default) =>
        ListAsync(tenant, RowKeys.UserPrefix, ToUser, u => u.Status, options ?? DirectoryListOptions.LiveOnly, ct);

    /// <summary>The group with this id, live or pending; null if there is none.</summary>
    public async Task<DirectoryGroup?> GetGroupAsync(string tenant, string id, CancellationToken ct = default) =>
        ResourceIds.IsWellFormed(id) && await GetRowAsync(tenant, RowKeys.Group(id), ct) is { } row ? ToGroup(row) : null;

    /// <summary>The group with this displayName (case-insensitive).</summary>
    public async Task<DirectoryGroup?> FindGroupByDisplayNameAsync(string tenant, string displayName, CancellationToken ct = default) =>
        await ClaimedIdAsync(tenant, RowKeys.GroupName(displayName), ct) is { } id ? await GetGroupAsync(tenant, id, ct) : null;

    /// <summary>The tenant's groups in id order, streamed.</summary>
    public IAsyncEnumerable<DirectoryGroup> ListGroupsAsync(string tenant, DirectoryListOptions? options = null, CancellationToken ct = default) =>
        ListAsync(tenant, RowKeys.GroupPrefix, ToGroup, g => g.Status, options ?? DirectoryListOptions.LiveOnly, ct);

    /// <summary>The ids of a group's members (users), streamed from the membership rows in id order: any group
    /// size in bounded memory. Read a member with <see cref="GetUserAsync"/> when you need more than its id.</summary>
    public async IAsyncEnumerable<string> ListMemberIdsAsync(string tenant, string groupId, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (!ResourceIds.IsWellFormed(groupId)) yield break;
        await foreach (var id in IdsUnderAsync(tenant, RowKeys.MemberPrefix(groupId), ct)) yield return id;
    }

    /// <summary>The groups a user belongs to, whole (the user row, then one point read per group). Their ids and names
    /// alone come with the user: <see cref="DirectoryUser.Groups"/>.</summary>
    public async IAsyncEnumerable<DirectoryGroup> ListGroupsOfUserAsync(string tenant, string userId, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (await GetUserAsync(tenant, userId, ct) is not { } user) yield break;
        foreach (var chunk in (await GroupIdsOfUserAsync(tenant, user, ct)).Chunk(ReadParallelism))
            foreach (var group in await Task.WhenAll(chunk.Select(id => GetGroupAsync(tenant, id, ct))))
                if (group is not null) yield return group;
    }

    /// <summary>
    /// The tenant's settings (provisioning on/off, dry-run, user activation, group provisioning, deprovisioning, group
    /// roles): one point read of the settings row. Null when the tenant does not exist.
    /// </summary>
    public async Task<DirectoryTenantSettings?> GetTenantSettingsAsync(string tenant, CancellationToken ct = default) =>
        await GetRowAsync(tenant, RowKeys.TenantSettings, ct) is { } row ? ToSettings(row) : null;

    /// <summary>
    /// A user's effective application roles: its own <see cref="DirectoryUser.Roles"/>, then the roles its groups map
    /// to (<see cref="DirectoryTenantSettings.GroupRoles"/>), each value once. Null when there is no such user.
    /// Cost, whatever the size of its groups and the number of groups it is in: the user row (which keeps its groups),
    /// the settings row, and one point read per mapping by displayName.
    /// </summary>
    public async Task<IReadOnlyList<DirectoryRole>?> GetEffectiveRolesAsync(string tenant, string userId, CancellationToken ct = default)
    {
        var userTask = GetUserAsync(tenant, userId, ct);
        var settingsTask = GetTenantSettingsAsync(tenant, ct);
        if (await userTask is not { } user) return null;
        var mappings = (await settingsTask)?.GroupRoles ?? [];
        var roles = new List<DirectoryRole>(user.Roles);
        if (mappings.Count == 0) return roles;
        var groups = (await GroupIdsOfUserAsync(tenant, user, ct)).ToHashSet(StringComparer.Ordinal);
        if (groups.Count == 0) return roles;
        // A mapping names a group by id (a well-formed id is taken as one), or by displayName: then its claim row says
        // which group holds that name now.
        var byName = mappings.Where(m => !ResourceIds.IsWellFormed(m.Group)).Select(m => m.Group).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var named = await Task.WhenAll(byName.Select(name => ClaimedIdAsync(tenant, RowKeys.GroupName(name), ct)));
        var idOfName = byName.Zip(named).Where(p => p.Second is not null).ToDictionary(p => p.First, p => p.Second!, StringComparer.OrdinalIgnoreCase);
        foreach (var mapping in mappings)
        {
            var member = groups.Contains(mapping.Group) || (idOfName.TryGetValue(mapping.Group, out var id) && groups.Contains(id));
            if (member && !roles.Any(r => r.Value == mapping.Role)) roles.Add(new DirectoryRole(null, mapping.Role, null));
        }
        return roles;
    }

    /// <summary>The ids of the groups a user is in: those its row keeps, else (a user in very many groups) from its
    /// memberof rows, one range query. The one place the reader finds them.</summary>
    async Task<IReadOnlyList<string>> GroupIdsOfUserAsync(string tenant, DirectoryUser user, CancellationToken ct)
    {
        if (user.Groups is { } kept) return [.. kept.Select(g => g.GroupId)];
        var ids = new List<string>();
        await foreach (var id in IdsUnderAsync(tenant, RowKeys.MemberOfPrefix(user.Id), ct)) ids.Add(id);
        return ids;
    }

    async Task<TableEntity?> GetRowAsync(string tenant, string rowKey, CancellationToken ct)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(tenant, rowKey, cancellationToken: ct);
        return response.HasValue ? response.Value : null;
    }

    async Task<string?> ClaimedIdAsync(string tenant, string rowKey, CancellationToken ct)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(tenant, rowKey, [RowProperties.Id], ct);
        return response.HasValue ? response.Value?.GetString(RowProperties.Id) : null;
    }

    async Task<IReadOnlyList<DirectoryUser>> UsersUnderAsync(string tenant, string prefix, CancellationToken ct)
    {
        var users = new List<DirectoryUser>();
        var ids = new List<string>();
        await foreach (var id in IdsUnderAsync(tenant, prefix, ct, property: RowProperties.Id)) ids.Add(id);
        foreach (var chunk in ids.Chunk(ReadParallelism))
            users.AddRange((await Task.WhenAll(chunk.Select(id => GetUserAsync(tenant, id, ct)))).OfType<DirectoryUser>());
        return users;
    }

    /// <summary>The ids under a key prefix: from the key's last part (membership rows) or the Id property (index rows).</summary>
    async IAsyncEnumerable<string> IdsUnderAsync(string tenant, string prefix, [EnumeratorCancellation] CancellationToken ct, string? property = null)
    {
        await foreach (var row in _table.QueryAsync<TableEntity>(RowKeys.RangeFilter(tenant, prefix), maxPerPage: 1000,
            select: property is null ? ["RowKey"] : [property], cancellationToken: ct))
        {
            if ((property is null ? row.RowKey[prefix.Length..] : row.GetString(property)) is { Length: > 0 } id) yield return id;
        }
    }

    async IAsyncEnumerable<T> ListAsync<T>(string tenant, string prefix, Func<TableEntity, T> map, Func<T, DirectoryStatus> status,
        DirectoryListOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var row in _table.QueryAsync<TableEntity>(RowKeys.RangeFilter(tenant, prefix), cancellationToken: ct))
        {
            var item = map(row);
            if (options.Includes(status(item))) yield return item;
        }
    }

    static DirectoryStatus StatusOf(TableEntity row) =>
        RowProperties.IsDeleted(row) ? DirectoryStatus.Deleted
        : row.GetBoolean(RowProperties.Pending) == true ? DirectoryStatus.Pending
        : DirectoryStatus.Live;

    static DirectoryUser ToUser(TableEntity row)
    {
        var document = Document(row);
        var emails = Get(document, "emails") is JsonArray array
            ? array.OfType<JsonObject>().Where(e => String(e, "value") is not null)
                .Select(e => new DirectoryEmail(String(e, "value")!, String(e, "type"), Get(e, "primary") is JsonValue p && p.TryGetValue<bool>(out var b) && b))
                .ToList()
            : [];
        var active = Get(document, "active") is not JsonValue a || !a.TryGetValue<bool>(out var value) || value;
        return new DirectoryUser(RowKeys.IdOf(row.RowKey), String(document, "userName") ?? "", String(document, "externalId"), String(document, "displayName"),
            emails, active, StatusOf(row), row.GetString(RowProperties.AppKey), row.GetInt64(RowProperties.Version) ?? 1, Created(row), LastModified(row), document)
        {
            Roles = (row.GetString(RowProperties.Roles) is { } roles ? DirectoryRole.Parse(JsonNode.Parse(roles)) : null) ?? [],
            AwaitingActivation = row.GetBoolean(RowProperties.AwaitingActivation) == true,
            Groups = UserGroups.Read(row),
        };
    }

    static DirectoryTenantSettings ToSettings(TableEntity row) => new(
        Provisioning: row.GetString(TenantSettingsRow.Provisioning) != TenantSettingsRow.Off,
        DryRun: row.GetString(TenantSettingsRow.Mode) == TenantSettingsRow.DryRun,
        ManualActivation: row.GetString(TenantSettingsRow.Activation) == TenantSettingsRow.Manual,
        GroupProvisioning: row.GetString(TenantSettingsRow.GroupProvisioning) != TenantSettingsRow.Off,
        DisableOnDelete: row.GetString(TenantSettingsRow.Deprovision) == TenantSettingsRow.Disable,
        GroupRoles: GroupRoleMapping.Parse(row.GetString(TenantSettingsRow.GroupRoles)));

    static DirectoryGroup ToGroup(TableEntity row)
    {
        var document = Document(row);
        return new DirectoryGroup(RowKeys.IdOf(row.RowKey), String(document, "displayName") ?? "", String(document, "externalId"), StatusOf(row),
            row.GetInt64(RowProperties.Version) ?? 1, Created(row), LastModified(row), document);
    }

    static JsonObject Document(TableEntity row) => JsonNode.Parse(RowProperties.ReadDocument(row)) as JsonObject ?? [];

    static DateTimeOffset Created(TableEntity row) => row.GetDateTimeOffset(RowProperties.Created) ?? row.Timestamp ?? default;
    static DateTimeOffset LastModified(TableEntity row) => row.GetDateTimeOffset(RowProperties.LastModified) ?? row.Timestamp ?? default;

    /// <summary>Documents are stored with the schema's canonical attribute casing; the fallback tolerates any.</summary>
    static JsonNode? Get(JsonObject obj, string name) =>
        obj.TryGetPropertyValue(name, out var value) ? value
        : obj.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    static string? String(JsonObject obj, string name) => Get(obj, name) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
