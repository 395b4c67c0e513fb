using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Security.KeyVault.Secrets;

namespace ScimFunctions.Keys;

/// <summary>One ring of keys the service makes for itself: the Key Vault secret whose versions hold them in Azure,
/// and the partition of the tokens table that holds them locally. The partition holds a character no tenant id has,
/// so it never meets a tenant's rows. Each ring is declared once, here.</summary>
public sealed record KeyRing(string SecretName, string Partition, string ContentType)
{
    /// <summary>The events' ES256 signing keys (the secret is the base64 PKCS#8 private key).</summary>
    public static readonly KeyRing EventSigning = new("scim-events-signing-key", "~events-signing-keys", "application/pkcs8");

    /// <summary>The self-service page's link, session and CSRF keys (HMAC-SHA256; the secret is 32 random bytes in base64).</summary>
    public static readonly KeyRing PortalLinks = new("scim-portal-link-key", "~portal-link-keys", "application/octet-stream;base64");

    /// <summary>The keys of RFC 9865 paging cursors (the secret is 256 random bits, base64): the oldest seals, any opens.</summary>
    public static readonly KeyRing PagingCursors = new("scim-cursor-key", "~cursor-keys", "application/octet-stream;base64");
}

/// <summary>A key as stored: its id, its secret (text, for example base64), and when it was made.</summary>
public sealed record StoredKey(string Id, string Secret, DateTimeOffset Created);

/// <summary>Where one ring's keys live: Key Vault in Azure, a table locally. Both pass the same tests.</summary>
public interface IKeyStore
{
    /// <summary>The keys not retired, oldest first.</summary>
    Task<IReadOnlyList<StoredKey>> ListAsync(CancellationToken ct);

    Task AddAsync(StoredKey key, CancellationToken ct);

    /// <summary>Retires the key for good: its secret can no longer be read.</summary>
    Task RetireAsync(StoredKey key, CancellationToken ct);
}

/// <summary>The store of each ring: Key Vault when the deployment has one, else the tokens table.</summary>
public sealed class KeyStores(TableClient localTable, SecretClient? vault)
{
    public IKeyStore For(KeyRing ring) => vault is null ? new TableKeyStore(localTable, ring) : new KeyVaultKeyStore(vault, ring);
}

/// <summary>
/// The keys as versions of one Key Vault secret: the value is the key's secret, tags carry its id and creation time,
/// and a retired key's version is disabled (Key Vault then refuses to return its value, so nothing can use it again).
/// </summary>
public sealed class KeyVaultKeyStore(SecretClient client, KeyRing ring) : IKeyStore
{
    const string IdTag = "kid", CreatedTag = "created";

    public async Task<IReadOnlyList<StoredKey>> ListAsync(CancellationToken ct)
    {
        var keys = new List<StoredKey>();
        try
        {
            await foreach (var p in client.GetPropertiesOfSecretVersionsAsync(ring.SecretName, ct))
            {
                if (p.Enabled != true || !p.Tags.TryGetValue(CreatedTag, out var created) || !p.Tags.TryGetValue(IdTag, out var id)) continue;
                var value = (await client.GetSecretAsync(ring.SecretName, p.Version, ct)).Value.Value;
                keys.Add(new StoredKey(id, value, DateTimeOffset.Parse(created, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)));
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No key was ever made: the secret does not exist yet.
        }
        return [.. keys.OrderBy(k => k.Created)];
    }

    public async Task AddAsync(StoredKey key, CancellationToken ct)
    {
        var secret = new KeyVaultSecret(ring.SecretName, key.Secret);
        secret.Properties.ContentType = ring.ContentType;
        secret.Properties.Tags[IdTag] = key.Id;
        secret.Properties.Tags[CreatedTag] = key.Created.ToString("O", CultureInfo.InvariantCulture);
        await client.SetSecretAsync(secret, ct);
    }

    public async Task RetireAsync(StoredKey key, CancellationToken ct)
    {
        await foreach (var p in client.GetPropertiesOfSecretVersionsAsync(ring.SecretName, ct))
        {
            if (p.Enabled != true || !p.Tags.TryGetValue(IdTag, out var id) || id != key.Id) continue;
            p.Enabled = false;
            await client.UpdateSecretPropertiesAsync(p, ct);
        }
    }
}

/// <summary>The keys as rows of the tokens table (<c>{ring partition}</c>, <c>{key id}</c>), the local stand-in
/// for Key Vault.</summary>
public sealed class TableKeyStore(TableClient table, KeyRing ring) : IKeyStore
{
    const string SecretProperty = "Secret", CreatedProperty = "Created", RetiredProperty = "Retired";

    public async Task<IReadOnlyList<StoredKey>> ListAsync(CancellationToken ct)
    {
        var keys = new List<StoredKey>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ring.Partition} and Retired eq false");
        await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            // A row without a secret predates this layout: it is skipped, and the ring makes a new key if it needs one.
            if (e.GetString(SecretProperty) is not { } secret || e.GetDateTimeOffset(CreatedProperty) is not { } created) continue;
            keys.Add(new StoredKey(e.RowKey, secret, created));
        }
        return [.. keys.OrderBy(k => k.Created)];
    }

    public Task AddAsync(StoredKey key, CancellationToken ct) => table.AddEntityAsync(new TableEntity(ring.Partition, key.Id)
    {
        [SecretProperty] = key.Secret,
        [CreatedProperty] = key.Created,
        [RetiredProperty] = false,
    }, ct);

    /// <summary>The secret is erased, not kept beside a flag.</summary>
    public Task RetireAsync(StoredKey key, CancellationToken ct) =>
        table.UpsertEntityAsync(new TableEntity(ring.Partition, key.Id) { [CreatedProperty] = key.Created, [RetiredProperty] = true }, TableUpdateMode.Replace, ct);
}
