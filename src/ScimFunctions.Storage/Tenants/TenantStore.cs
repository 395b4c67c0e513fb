using System.Text.RegularExpressions;
using Azure.Data.Tables;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Storage.Tenants;

public enum DeprovisionMode { Delete, Disable }

public enum OperationMode { Sync, DryRun }

public sealed record TenantSettings(string Tenant, DeprovisionMode Deprovision, OperationMode Mode, DateTimeOffset Created);

public static partial class TenantIds
{
    /// <summary>A short lowercase slug: safe as a partition key and inside a Key Vault secret name.</summary>
    public static bool IsValid(string? tenant) => tenant is not null && Slug().IsMatch(tenant);

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Slug();
}

/// <summary>Tenant settings: one row in the tenant's own partition of the resource table.</summary>
public sealed class TenantStore(TableClient table, TimeProvider time)
{
    public async Task<TenantSettings?> GetAsync(string tenant, CancellationToken ct)
    {
        if (!TenantIds.IsValid(tenant)) return null;
        var row = await table.GetEntityIfExistsAsync<TableEntity>(tenant, RowKeys.TenantSettings, cancellationToken: ct);
        return row.HasValue && row.Value is { } e ? FromEntity(e) : null;
    }

    /// <summary>Creates the tenant; returns false if it already exists.</summary>
    public async Task<bool> CreateAsync(string tenant, CancellationToken ct)
    {
        if (!TenantIds.IsValid(tenant)) throw new ArgumentException("A tenant id is 1-63 lowercase letters, digits or hyphens.", nameof(tenant));
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

    static TableEntity ToEntity(TenantSettings s) => new(s.Tenant, RowKeys.TenantSettings)
    {
        ["Deprovision"] = s.Deprovision.ToString(),
        ["Mode"] = s.Mode.ToString(),
        ["Created"] = s.Created,
    };

    static TenantSettings FromEntity(TableEntity e) => new(
        e.PartitionKey,
        Enum.TryParse<DeprovisionMode>(e.GetString("Deprovision"), out var d) ? d : DeprovisionMode.Delete,
        Enum.TryParse<OperationMode>(e.GetString("Mode"), out var m) ? m : OperationMode.Sync,
        e.GetDateTimeOffset("Created") ?? default);
}
