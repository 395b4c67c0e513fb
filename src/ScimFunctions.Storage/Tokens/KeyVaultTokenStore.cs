using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Security.KeyVault.Secrets;
using ScimFunctions.Protocol;

namespace ScimFunctions.Storage.Tokens;

/// <summary>
/// Token hashes in Key Vault: one secret per tenant (<c>scim-token-{tenant}</c>), one version per token.
/// The version's value is the hash, its <c>exp</c> attribute the token's expiry, <c>enabled</c> is false once
/// revoked, and tags carry the rest (token id, prefix, state, creation time).
/// </summary>
/// <remarks>
/// Key Vault keeps <c>exp</c> in whole seconds, so expiries read back truncated to the second.
/// Key Vault refuses to return a disabled version's value, so records of revoked (and of expired) versions
/// come back with an empty <see cref="TokenRecord.Hash"/>: they are not usable anyway, and an empty hash can
/// never equal a SHA-256 in <see cref="TokenService"/>'s fixed-time comparison.
/// </remarks>
public sealed class KeyVaultTokenStore(SecretClient client, TimeProvider time) : ITokenStore
{
    const string TokenIdTag = "tokenId", PrefixTag = "prefix", StateTag = "state", CreatedTag = "created", KindTag = "kind";

    /// <summary>State tag of a version removed by <see cref="DeleteAsync"/>: hidden from lists for good.</summary>
    const string DeletedState = "Deleted";

    /// <summary>Token id → version id. A version never changes its token id, so entries never go stale;
    /// they spare a list round trip on updates that follow a list (which is how TokenService updates).</summary>
    readonly ConcurrentDictionary<(TenantId Tenant, string Id), Uri> _versions = new();

    public static string SecretName(TenantId tenant) => "scim-token-" + tenant.Value;

    public async Task<IReadOnlyList<TokenRecord>> ListAsync(TenantId tenant, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var name = SecretName(tenant);
        var versions = await ListVersionsAsync(tenant, ct);
        // Values only where they can matter: disabled versions cannot be read, expired ones cannot validate.
        var records = await Task.WhenAll(versions.Select(async p =>
        {
            var record = ToRecord(tenant, p);
            return p.Enabled == true && now < record.Expires
                ? record with { Hash = await ReadValueAsync(name, p.Version, ct) }
                : record;
        }));
        return [.. records.OrderByDescending(r => r.Created).ThenByDescending(r => r.Id, StringComparer.Ordinal)];
    }

    public async Task AddAsync(TokenRecord record, CancellationToken ct)
    {
        var secret = new KeyVaultSecret(SecretName(record.Tenant), record.Hash);
        SetProperties(secret.Properties, record, record.State.ToString());
        var added = await client.SetSecretAsync(secret, ct);
        _versions[(record.Tenant, record.Id)] = added.Value.Id;
    }

    public async Task UpdateAsync(TokenRecord record, CancellationToken ct)
    {
        var properties = new SecretProperties(await VersionIdAsync(record, ct));
        SetProperties(properties, record, record.State.ToString());
        await client.UpdateSecretPropertiesAsync(properties, ct);
    }

    /// <summary>Key Vault cannot delete a single version (DELETE removes the whole secret with all its versions),
    /// so the version is disabled and tagged deleted, and lists skip it. The secret itself stays even when no
    /// version is left: with soft delete and purge protection, a deleted secret's name stays blocked for the
    /// retention period, and the tenant's next token could not be stored.</summary>
    public async Task DeleteAsync(TokenRecord record, CancellationToken ct)
    {
        var properties = new SecretProperties(await VersionIdAsync(record, ct));
        SetProperties(properties, record with { State = TokenState.Revoked }, DeletedState);
        await client.UpdateSecretPropertiesAsync(properties, ct);
    }

    /// <summary>The properties (never values) of the tenant's versions that carry a token and are not deleted.</summary>
    async Task<List<SecretProperties>> ListVersionsAsync(TenantId tenant, CancellationToken ct)
    {
        var list = new List<SecretProperties>();
        try
        {
            await foreach (var p in client.GetPropertiesOfSecretVersionsAsync(SecretName(tenant), ct))
            {
                if (!p.Tags.TryGetValue(TokenIdTag, out var id)) continue; // not written by this store
                _versions[(tenant, id)] = p.Id;
                if (Tag(p, StateTag) != DeletedState) list.Add(p);
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No token was ever issued for the tenant: the secret does not exist.
            return [];
        }
        return list;
    }

    async Task<string> ReadValueAsync(string name, string version, CancellationToken ct)
    {
        try
        {
            return (await client.GetSecretAsync(name, version, ct)).Value.Value ?? "";
        }
        catch (RequestFailedException e) when (e.Status is 403 or 404)
        {
            // Disabled (or gone) between listing and reading: revoked concurrently, so not usable.
            return "";
        }
    }

    async Task<Uri> VersionIdAsync(TokenRecord record, CancellationToken ct)
    {
        if (_versions.TryGetValue((record.Tenant, record.Id), out var id)) return id;
        await ListVersionsAsync(record.Tenant, ct);
        return _versions.TryGetValue((record.Tenant, record.Id), out id)
            ? id
            : throw new RequestFailedException(404, $"Token {record.Id} of tenant {record.Tenant} does not exist.");
    }

    static void SetProperties(SecretProperties p, TokenRecord r, string state)
    {
        p.Enabled = r.State != TokenState.Revoked;
        p.ExpiresOn = r.Expires;
        p.Tags[TokenIdTag] = r.Id;
        p.Tags[PrefixTag] = r.Prefix;
        p.Tags[StateTag] = state;
        p.Tags[CreatedTag] = r.Created.ToString("O", CultureInfo.InvariantCulture);
        p.Tags[KindTag] = r.Kind.ToString();
    }

    static TokenRecord ToRecord(TenantId tenant, SecretProperties p)
    {
        // A version disabled outside this store counts as revoked whatever its tag says.
        var state = p.Enabled == true && Enum.TryParse<TokenState>(Tag(p, StateTag), out var s) ? s : TokenState.Revoked;
        var created = DateTimeOffset.TryParse(Tag(p, CreatedTag), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var c)
            ? c
            : p.CreatedOn ?? default;
        return new TokenRecord(tenant, p.Tags[TokenIdTag], "", Tag(p, PrefixTag) ?? "", created, p.ExpiresOn ?? default, state)
        {
            Kind = TokenRecord.KindOf(Tag(p, KindTag)),
        };
    }

    static string? Tag(SecretProperties p, string key) => p.Tags.TryGetValue(key, out var value) ? value : null;
}
