using ScimFunctions.Protocol;

namespace ScimFunctions.Storage.Tokens;

public enum TokenState { Active, Superseded, Revoked }

/// <summary>What is stored about a token: never the token itself, only its SHA-256 hash and a short
/// prefix that lets an admin recognise it in a list.</summary>
public sealed record TokenRecord(
    TenantId Tenant,
    string Id,
    string Hash,
    string Prefix,
    DateTimeOffset Created,
    DateTimeOffset Expires,
    TokenState State)
{
    /// <summary>Superseded tokens keep working until their (shortened) expiry: the rotation overlap.</summary>
    public bool IsUsableAt(DateTimeOffset now) => State != TokenState.Revoked && now < Expires;
}

/// <summary>Where token hashes live: Key Vault in Azure, a table locally. Both pass the same contract tests.</summary>
public interface ITokenStore
{
    /// <summary>All records of the tenant, usable or not, newest first.</summary>
    Task<IReadOnlyList<TokenRecord>> ListAsync(TenantId tenant, CancellationToken ct);

    Task AddAsync(TokenRecord record, CancellationToken ct);

    /// <summary>Changes state and expiry of an existing record (the hash never changes).</summary>
    Task UpdateAsync(TokenRecord record, CancellationToken ct);

    /// <summary>Removes a record for good (maintenance of long-expired tokens).</summary>
    Task DeleteAsync(TokenRecord record, CancellationToken ct);
}
