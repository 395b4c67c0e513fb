using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Security.KeyVault.Secrets;
using ScimFunctions.Contract;

namespace ScimFunctions.Events;

/// <summary>Where the events signing keys live: Key Vault in Azure, a table locally. Both pass the same tests.</summary>
public interface ISigningKeyStore
{
    /// <summary>The published keys (not retired), oldest first.</summary>
    Task<IReadOnlyList<SigningKey>> ListAsync(CancellationToken ct);

    Task AddAsync(SigningKey key, CancellationToken ct);

    /// <summary>Stops publishing the key: events it signed no longer verify.</summary>
    Task RetireAsync(SigningKey key, CancellationToken ct);
}

/// <summary>
/// The keys as versions of one Key Vault secret (<c>scim-events-signing-key</c>): the value is the PKCS#8 private
/// key, tags carry the kid and creation time, and a retired key's version is disabled (Key Vault then refuses to
/// return its value, so nothing can sign or publish with it again).
/// </summary>
public sealed class KeyVaultSigningKeyStore(SecretClient client) : ISigningKeyStore
{
    public const string SecretName = "scim-events-signing-key";
    const string KidTag = "kid", CreatedTag = "created";

    public async Task<IReadOnlyList<SigningKey>> ListAsync(CancellationToken ct)
    {
        var keys = new List<SigningKey>();
        try
        {
            await foreach (var p in client.GetPropertiesOfSecretVersionsAsync(SecretName, ct))
            {
                if (p.Enabled != true || !p.Tags.TryGetValue(CreatedTag, out var created)) continue;
                var value = (await client.GetSecretAsync(SecretName, p.Version, ct)).Value.Value;
                keys.Add(SigningKey.FromStored(value, DateTimeOffset.Parse(created, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)));
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No key was ever made: the secret does not exist yet.
        }
        return [.. keys.OrderBy(k => k.Created)];
    }

    public async Task AddAsync(SigningKey key, CancellationToken ct)
    {
        var secret = new KeyVaultSecret(SecretName, key.PrivateKeyPkcs8);
        secret.Properties.ContentType = "application/pkcs8";
        secret.Properties.Tags[KidTag] = key.Kid;
        secret.Properties.Tags[CreatedTag] = key.Created.ToString("O", CultureInfo.InvariantCulture);
        await client.SetSecretAsync(secret, ct);
    }

    public async Task RetireAsync(SigningKey key, CancellationToken ct)
    {
        await foreach (var p in client.GetPropertiesOfSecretVersionsAsync(SecretName, ct))
        {
            if (!p.Tags.TryGetValue(KidTag, out var kid) || kid != key.Kid) continue;
            p.Enabled = false;
            await client.UpdateSecretPropertiesAsync(p, ct);
        }
    }
}

/// <summary>The keys as rows of the tokens table, local stand-in for Key Vault. Their partition holds a
/// character no tenant id has, so it never meets a tenant's rows.</summary>
public sealed class TableSigningKeyStore(TableClient table) : ISigningKeyStore
{
    public const string Partition = RowKeys.EventSigningKeysPartition;

    public async Task<IReadOnlyList<SigningKey>> ListAsync(CancellationToken ct)
    {
        var keys = new List<SigningKey>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and Retired eq false");
        await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            keys.Add(SigningKey.FromStored(e.GetString("PrivateKey")!, e.GetDateTimeOffset("Created")!.Value));
        return [.. keys.OrderBy(k => k.Created)];
    }

    public Task AddAsync(SigningKey key, CancellationToken ct) => table.AddEntityAsync(new TableEntity(Partition, key.Kid)
    {
        ["PrivateKey"] = key.PrivateKeyPkcs8,
        ["Created"] = key.Created,
        ["Retired"] = false,
    }, ct);

    /// <summary>The private key is erased, not kept beside a flag.</summary>
    public Task RetireAsync(SigningKey key, CancellationToken ct) =>
        table.UpsertEntityAsync(new TableEntity(Partition, key.Kid) { ["Created"] = key.Created, ["Retired"] = true }, TableUpdateMode.Replace, ct);
}
