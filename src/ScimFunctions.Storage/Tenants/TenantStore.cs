using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Contract;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Schema;
using ScimFunctions.Storage.Feed;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Storage.Tenants;

/// <summary>Tenant settings: one row in the tenant's own partition of the resource table.</summary>
public sealed class TenantStore(ScimTables tables, TimeProvider time)
{
    readonly TableClient table = tables.Resources;

    public async Task<TenantSettings?> GetAsync(TenantId tenant, CancellationToken ct)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(tenant, RowKeys.TenantSettings, cancellationToken: ct);
        return row.HasValue && row.Value is { } e ? FromEntity(e) : null;
    }

    /// <summary>Creates the tenant; returns false if it already exists.</summary>
    public async Task<bool> CreateAsync(TenantId tenant, CancellationToken ct)
    {
        try
        {
            var now = time.GetUtcNow();
            // Every user row this version writes keeps its groups: nothing for the maintenance backfill to do.
            await table.AddEntityAsync(ToEntity(new TenantSettings(tenant, DeprovisionMode.Delete, OperationMode.Sync, now) { UserGroupsKept = now }), ct);
            return true;
        }
        catch (Azure.RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Saves the settings, with a <see cref="FeedEventTypes.SettingsChanged"/> event naming what changed in
    /// the same transaction (none when nothing did). <paramref name="requestId"/>: the admin action's, as audited.</summary>
    public async Task UpdateAsync(TenantSettings settings, CancellationToken ct, string? requestId = null)
    {
        var entity = ToEntity(settings);
        // Compared as this version writes them, so a setting an older row lacks counts as its default, not as a change.
        var before = await GetAsync(settings.Tenant, ct) is { } previous ? ToEntity(previous) : new TableEntity();
        var changed = SettingNames.Where(name => !Equals(before.TryGetValue(name, out var old) ? old : null, entity.TryGetValue(name, out var now) ? now : null)).ToList();
        List<TableTransactionAction> actions = [new(TableTransactionActionType.UpsertReplace, entity)];
        if (changed.Count > 0)
            actions.AddRange(FeedRows.Rows(settings.Tenant, time.GetUtcNow(), requestId, new FeedEvent { Type = FeedEventTypes.SettingsChanged, Changed = changed }));
        await table.SubmitTransactionAsync(actions, ct);
    }

    /// <summary>Records that every user row of the tenant keeps its groups (<see cref="TenantSettingsRow.UserGroupsKept"/>):
    /// a merge of that property alone, so no setting is touched. A settings save that read the row before this merge
    /// replaces it without the mark: the next maintenance run then scans once more and finds nothing to do.</summary>
    public async Task MarkUserGroupsKeptAsync(TenantId tenant, DateTimeOffset at, CancellationToken ct) =>
        await table.UpdateEntityAsync(new TableEntity(tenant, RowKeys.TenantSettings) { [TenantSettingsRow.UserGroupsKept] = at }, ETag.All, TableUpdateMode.Merge, ct);

    /// <summary>The settings a change event names (the row's other properties are bookkeeping).</summary>
    static readonly string[] SettingNames =
    [
        TenantSettingsRow.Provisioning, TenantSettingsRow.Mode, TenantSettingsRow.Deprovision, TenantSettingsRow.Activation,
        TenantSettingsRow.GroupProvisioning, TenantSettingsRow.GroupRoles, TenantSettingsRow.Schema,
        TenantSettingsRow.BrakeThreshold, TenantSettingsRow.BrakeWindowMinutes,
    ];

    public async Task<IReadOnlyList<TenantSettings>> ListAsync(CancellationToken ct)
    {
        var list = new List<TenantSettings>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {RowKeys.TenantSettings}"), cancellationToken: ct))
            list.Add(FromEntity(e));
        return list;
    }

    /// <summary>A declaration is one string property of the settings row (Table Storage holds 32K characters).</summary>
    const int MaxSchemaLength = 30_000;

    static TableEntity ToEntity(TenantSettings s)
    {
        var entity = new TableEntity(s.Tenant, RowKeys.TenantSettings)
        {
            [TenantSettingsRow.Deprovision] = s.Deprovision.ToString(),
            [TenantSettingsRow.Mode] = s.Mode.ToString(),
            [TenantSettingsRow.Provisioning] = s.Provisioning.ToString(),
            [TenantSettingsRow.Activation] = s.Activation.ToString(),
            [TenantSettingsRow.GroupProvisioning] = s.GroupProvisioning.ToString(),
            [TenantSettingsRow.Created] = s.Created,
            [TenantSettingsRow.BrakeThreshold] = s.BrakeThreshold,
            [TenantSettingsRow.BrakeWindowMinutes] = s.BrakeWindowMinutes,
        };
        if (s.UserGroupsKept is { } kept) entity[TenantSettingsRow.UserGroupsKept] = kept;
        if (s.GroupRoles.Count > 0)
        {
            var json = GroupRoleMapping.ToJson(s.GroupRoles).ToJsonString();
            if (json.Length > MaxSchemaLength)
                throw ScimException.BadRequest(ScimType.InvalidValue, $"The group roles are {json.Length} characters of JSON; at most {MaxSchemaLength} are stored.");
            entity[TenantSettingsRow.GroupRoles] = json;
        }
        if (s.Schema != TenantSchema.Default)
        {
            var json = s.Schema.Write().ToJsonString();
            if (json.Length > MaxSchemaLength)
                throw ScimException.BadRequest(ScimType.InvalidValue, $"The declaration is {json.Length} characters of JSON; at most {MaxSchemaLength} are stored.");
            entity[TenantSettingsRow.Schema] = json;
        }
        return entity;
    }

    static TenantSettings FromEntity(TableEntity e) => new(
        TenantId.Parse(e.PartitionKey),
        Enum.TryParse<DeprovisionMode>(e.GetString(TenantSettingsRow.Deprovision), out var d) ? d : DeprovisionMode.Delete,
        Enum.TryParse<OperationMode>(e.GetString(TenantSettingsRow.Mode), out var m) ? m : OperationMode.Sync,
        e.GetDateTimeOffset(TenantSettingsRow.Created) ?? default)
    {
        // Validated when it was saved; a declaration that no longer parses fails loudly rather than silently relaxing a strict tenant.
        Schema = e.GetString(TenantSettingsRow.Schema) is { } json ? TenantSchema.Read(JsonNode.Parse(json)!.AsObject()) : TenantSchema.Default,
        Provisioning = Enum.TryParse<ProvisioningState>(e.GetString(TenantSettingsRow.Provisioning), out var p) ? p : ProvisioningState.On,
        Activation = Enum.TryParse<UserActivation>(e.GetString(TenantSettingsRow.Activation), out var a) ? a : UserActivation.Automatic,
        GroupProvisioning = Enum.TryParse<GroupProvisioningState>(e.GetString(TenantSettingsRow.GroupProvisioning), out var g) ? g : GroupProvisioningState.On,
        GroupRoles = GroupRoleMapping.Parse(e.GetString(TenantSettingsRow.GroupRoles)),
        BrakeThreshold = e.GetInt32(TenantSettingsRow.BrakeThreshold) ?? TenantSettings.DefaultBrakeThreshold,
        BrakeWindowMinutes = e.GetInt32(TenantSettingsRow.BrakeWindowMinutes) ?? TenantSettings.DefaultBrakeWindowMinutes,
        UserGroupsKept = e.GetDateTimeOffset(TenantSettingsRow.UserGroupsKept),
    };
}
