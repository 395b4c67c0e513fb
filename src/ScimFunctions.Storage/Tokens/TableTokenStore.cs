using Azure.Data.Tables;
using ScimFunctions.Protocol;

namespace ScimFunctions.Storage.Tokens;

/// <summary>Token hashes in a table (partition = tenant, row = token id): the local stand-in for Key Vault.</summary>
public sealed class TableTokenStore(ScimTables tables) : ITokenStore
{
    readonly TableClient table = tables.Tokens;

    public async Task<IReadOnlyList<TokenRecord>> ListAsync(TenantId tenant, CancellationToken ct)
    {
        var list = new List<TokenRecord>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value}"), cancellationToken: ct))
            list.Add(new TokenRecord(tenant, e.RowKey, e.GetString("Hash")!, e.GetString("Prefix") ?? "",
                e.GetDateTimeOffset("Created") ?? default, e.GetDateTimeOffset("Expires") ?? default,
                Enum.TryParse<TokenState>(e.GetString("State"), out var s) ? s : TokenState.Revoked)
            { Kind = TokenRecord.KindOf(e.GetString("Kind")) });
        return [.. list.OrderByDescending(r => r.Created)];
    }

    public Task AddAsync(TokenRecord record, CancellationToken ct) => table.AddEntityAsync(ToEntity(record), ct);

    public Task UpdateAsync(TokenRecord record, CancellationToken ct) => table.UpdateEntityAsync(ToEntity(record), Azure.ETag.All, TableUpdateMode.Replace, ct);

    public Task DeleteAsync(TokenRecord record, CancellationToken ct) => table.DeleteEntityAsync(record.Tenant, record.Id, cancellationToken: ct);

    static TableEntity ToEntity(TokenRecord r) => new(r.Tenant, r.Id)
    {
        ["Hash"] = r.Hash,
        ["Prefix"] = r.Prefix,
        ["Created"] = r.Created,
        ["Expires"] = r.Expires,
        ["State"] = r.State.ToString(),
        ["Kind"] = r.Kind.ToString(),
    };
}
