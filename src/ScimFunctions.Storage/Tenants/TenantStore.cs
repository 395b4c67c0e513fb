using System.Text.Json.Nodes;
using Azure.Data.Tables;
using ScimFunctions.Contract;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Schema;
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
            await table.AddEntityAsync(ToEntity(new TenantSettings(tenant, DeprovisionMode.Delete, OperationMode.Sync, time.GetUtcNow())), ct);
            return true;
        }
        catch (Azure.RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public Task UpdateAsync(TenantSettings settings, CancellationToken ct) =>
        table.UpsertEntityAsync(ToEntity(settings), TableUpdateMode.Replace, ct);

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
            ["Deprovision"] = s.Deprovision.ToString(),
            ["Mode"] = s.Mode.ToString(),
            ["Provisioning"] = s.Provisioning.ToString(),
            ["Created"] = s.Created,
        };
        if (s.Schema != TenantSchema.Default)
        {
            var json = s.Schema.Write().ToJsonString();
            if (json.Length > MaxSchemaLength)
                throw ScimException.BadRequest(ScimType.InvalidValue, $"The declaration is {json.Length} characters of JSON; at most {MaxSchemaLength} are stored.");
            entity["Schema"] = json;
        }
        return entity;
    }

    static TenantSettings FromEntity(TableEntity e) => new(
        TenantId.Parse(e.PartitionKey),
        Enum.TryParse<DeprovisionMode>(e.GetString("Deprovision"), out var d) ? d : DeprovisionMode.Delete,
        Enum.TryParse<OperationMode>(e.GetString("Mode"), out var m) ? m : OperationMode.Sync,
        e.GetDateTimeOffset("Created") ?? default)
    {
        // Validated when it was saved; a declaration that no longer parses fails loudly rather than silently relaxing a strict tenant.
        Schema = e.GetString("Schema") is { } json ? TenantSchema.Read(JsonNode.Parse(json)!.AsObject()) : TenantSchema.Default,
        Provisioning = Enum.TryParse<ProvisioningState>(e.GetString("Provisioning"), out var p) ? p : ProvisioningState.On,
    };
}
