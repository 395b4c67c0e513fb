using ScimFunctions.Protocol;

namespace ScimFunctions.Storage.Tokens;

public enum TokenState { Active, Superseded, Revoked }

/// <summary>Who holds a token. The Secret Token is the identity provider's (it provisions: every SCIM operation); the
/// application token is the tenant's application's own read credential (SCIM reads and the events poll, never a write).
/// Each kind is issued, rotated and revoked on its own.</summary>
public enum TokenKind { Secret, Application }

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
    /// <summary>Stored with the hash; records written before kinds existed read back as <see cref="TokenKind.Secret"/>.</summary>
    public TokenKind Kind { get; init; } = TokenKind.Secret;

    /// <summary>The kind as stored by either store: absent (written before kinds existed) or unknown, a Secret Token.</summary>
    internal static TokenKind KindOf(string? stored) => Enum.TryParse<TokenKind>(stored, out var kind) ? kind : TokenKind.Secret;

    /// <summary>Superseded tokens keep working until their (shortened) expiry: the rotation overlap.</summary>
    public bool IsUsableAt(DateTimeOffset now) => State != TokenState.Revoked && now < Expires;

    /// <summary>Whole days until expiry, rounded up (0 once expired): what `token list` shows and expiry warnings use.</summary>
    public int DaysLeftAt(DateTimeOffset now) => Math.Max(0, (int)Math.Ceiling((Expires - now).TotalDays));

    /// <summary>Days left at which maintenance warns about an active token (Entra quarantines a job whose token expired).</summary>
    public static readonly int[] ExpiryWarningDays = [30, 7, 1];

    /// <summary>The warning threshold an active token has reached (30, 7 or 1 days left), or null.</summary>
    public int? ExpiryWarningAt(DateTimeOffset now) =>
        State == TokenState.Active && IsUsableAt(now) && DaysLeftAt(now) is var left && left <= ExpiryWarningDays[0]
            ? ExpiryWarningDays.Last(d => d >= left)
            : null;
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
