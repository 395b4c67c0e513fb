using System.Globalization;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Azure.Security.KeyVault.Secrets;

namespace ScimFunctions.Administration.Portal;

/// <summary>A key that signs self-service page links, sessions and their CSRF proofs (HMAC-SHA256, 256 bits).</summary>
public sealed record PortalKey(string Id, byte[] Secret, DateTimeOffset Created)
{
    public static PortalKey Create(DateTimeOffset created) =>
        new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), RandomNumberGenerator.GetBytes(32), created);
}

/// <summary>Where the page link keys live: Key Vault in Azure, a table locally. Both pass the same tests.</summary>
public interface IPortalKeyStore
{
    /// <summary>The keys still accepted (not retired), oldest first.</summary>
    Task<IReadOnlyList<PortalKey>> ListAsync(CancellationToken ct);

    Task AddAsync(PortalKey key, CancellationToken ct);

    /// <summary>Stops accepting the key: every link and session it signed is refused from then on.</summary>
    Task RetireAsync(PortalKey key, CancellationToken ct);
}

/// <summary>The keys as versions of one Key Vault secret (<c>scim-portal-link-key</c>): the value is the key in
/// base64, tags carry its id and creation time; a retired key's version is disabled (Key Vault then refuses its value).</summary>
public sealed class KeyVaultPortalKeyStore(SecretClient client) : IPortalKeyStore
{
    public const string SecretName = "scim-portal-link-key";
    const string IdTag = "kid", CreatedTag = "created";

    public async Task<IReadOnlyList<PortalKey>> ListAsync(CancellationToken ct)
    {
        var keys = new List<PortalKey>();
        try
        {
            await foreach (var p in client.GetPropertiesOfSecretVersionsAsync(SecretName, ct))
            {
                if (p.Enabled != true || !p.Tags.TryGetValue(CreatedTag, out var created) || !p.Tags.TryGetValue(IdTag, out var id)) continue;
                var value = (await client.GetSecretAsync(SecretName, p.Version, ct)).Value.Value;
                keys.Add(new PortalKey(id, Convert.FromBase64String(value), DateTimeOffset.Parse(created, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)));
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No key was ever made: the secret does not exist yet.
        }
        return [.. keys.OrderBy(k => k.Created)];
    }

    public async Task AddAsync(PortalKey key, CancellationToken ct)
    {
        var secret = new KeyVaultSecret(SecretName, Convert.ToBase64String(key.Secret));
        secret.Properties.ContentType = "application/octet-stream;base64";
        secret.Properties.Tags[IdTag] = key.Id;
        secret.Properties.Tags[CreatedTag] = key.Created.ToString("O", CultureInfo.InvariantCulture);
        await client.SetSecretAsync(secret, ct);
    }

    public async Task RetireAsync(PortalKey key, CancellationToken ct)
    {
        await foreach (var p in client.GetPropertiesOfSecretVersionsAsync(SecretName, ct))
        {
            if (!p.Tags.TryGetValue(IdTag, out var id) || id != key.Id || p.Enabled != true) continue;
            p.Enabled = false;
            await client.UpdateSecretPropertiesAsync(p, ct);
        }
    }
}

/// <summary>The keys as rows of the tokens table, the local stand-in for Key Vault. The partition holds a character
/// no tenant id has, so it never meets a tenant's rows.</summary>
public sealed class TablePortalKeyStore(TableClient table) : IPortalKeyStore
{
    public const string Partition = "~portal-link-keys";

    public async Task<IReadOnlyList<PortalKey>> ListAsync(CancellationToken ct)
    {
        var keys = new List<PortalKey>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and Retired eq false");
        await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            keys.Add(new PortalKey(e.RowKey, e.GetBinary("Secret"), e.GetDateTimeOffset("Created")!.Value));
        return [.. keys.OrderBy(k => k.Created)];
    }

    public Task AddAsync(PortalKey key, CancellationToken ct) => table.AddEntityAsync(new TableEntity(Partition, key.Id)
    {
        ["Secret"] = key.Secret,
        ["Created"] = key.Created,
        ["Retired"] = false,
    }, ct);

    /// <summary>The key is erased, not kept beside a flag.</summary>
    public Task RetireAsync(PortalKey key, CancellationToken ct) =>
        table.UpsertEntityAsync(new TableEntity(Partition, key.Id) { ["Created"] = key.Created, ["Retired"] = true }, TableUpdateMode.Replace, ct);
}
