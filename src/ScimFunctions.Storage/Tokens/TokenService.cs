using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using ScimFunctions.Protocol;

namespace ScimFunctions.Storage.Tokens;

public sealed record TokenOptions
{
    /// <summary>How long validated hashes are cached: a revocation takes effect within this window.</summary>
    public TimeSpan CacheWindow { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan DefaultLifetime { get; init; } = TimeSpan.FromDays(365);

    /// <summary>Failed attempts allowed per tenant and client address in <see cref="FailureWindow"/>.</summary>
    public int MaxFailures { get; init; } = 20;

    public TimeSpan FailureWindow { get; init; } = TimeSpan.FromMinutes(1);
}

public enum TokenCheck { Valid, Invalid, Throttled }

/// <summary>The token as shown once to the admin, and what is kept of it.</summary>
public sealed record IssuedToken(string Token, TokenRecord Record);

/// <summary>
/// Issues, rotates, revokes and validates tenant bearer tokens. Only SHA-256 hashes are stored (tokens
/// carry 256 random bits, so a fast hash is enough); validation compares in constant time against a
/// short-lived in-memory copy of the tenant's hashes, so no request waits on the store.
/// </summary>
public sealed class TokenService(ITokenStore store, TimeProvider time, TokenOptions options)
{
    public const string Prefix = "scimf_";

    readonly ConcurrentDictionary<TenantId, (DateTimeOffset Until, IReadOnlyList<TokenRecord> Records)> _cache = new();

    readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.MaxFailures,
            Window = options.FailureWindow,
            QueueLimit = 0,
        }));

    public TokenOptions Options => options;

    /// <summary>Issues a new token for the tenant. Every earlier usable token stops working now, or at the
    /// end of <paramref name="overlap"/> when rotating without downtime.</summary>
    public async Task<IssuedToken> IssueAsync(TenantId tenant, TimeSpan? lifetime, TimeSpan? overlap, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var token = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var record = new TokenRecord(tenant, Guid.CreateVersion7().ToString("N"), Hash(token), token[..(Prefix.Length + 6)],
            now, now + (lifetime ?? options.DefaultLifetime), TokenState.Active);
        await store.AddAsync(record, ct);
        var supersededUntil = now + (overlap ?? TimeSpan.Zero);
        foreach (var old in await store.ListAsync(tenant, ct))
        {
            if (old.Id == record.Id || !old.IsUsableAt(now) || old.State != TokenState.Active) continue;
            await store.UpdateAsync(old with { State = TokenState.Superseded, Expires = Min(old.Expires, supersededUntil) }, ct);
        }
        _cache.TryRemove(tenant, out _);
        return new IssuedToken(token, record);
    }

    /// <summary>Revokes every token of the tenant (or one, by id). Other instances notice within the cache window.</summary>
    public async Task<int> RevokeAsync(TenantId tenant, string? tokenId, CancellationToken ct)
    {
        var count = 0;
        foreach (var record in await store.ListAsync(tenant, ct))
        {
            if (record.State == TokenState.Revoked || (tokenId is not null && record.Id != tokenId)) continue;
            await store.UpdateAsync(record with { State = TokenState.Revoked }, ct);
            count++;
        }
        _cache.TryRemove(tenant, out _);
        return count;
    }

    public Task<IReadOnlyList<TokenRecord>> ListAsync(TenantId tenant, CancellationToken ct) => store.ListAsync(tenant, ct);

    /// <summary>Checks a presented token for the tenant. <paramref name="client"/> (the caller's address)
    /// keys the failed-attempt limit, so one noisy client cannot lock out the tenant's real one.</summary>
    public async Task<TokenCheck> ValidateAsync(TenantId tenant, string? token, string client, CancellationToken ct)
    {
        var key = tenant.Value + "|" + client;
        using (var probe = _failures.AttemptAcquire(key, 0))
        {
            if (!probe.IsAcquired) return TokenCheck.Throttled;
        }
        if (token is { Length: > 0 and < 512 } && token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            var now = time.GetUtcNow();
            var presented = Convert.FromHexString(Hash(token));
            foreach (var record in await CachedRecordsAsync(tenant, now, ct))
            {
                if (record.IsUsableAt(now) && CryptographicOperations.FixedTimeEquals(presented, Convert.FromHexString(record.Hash)))
                    return TokenCheck.Valid;
            }
        }
        using var _ = _failures.AttemptAcquire(key, 1);
        return TokenCheck.Invalid;
    }

    async Task<IReadOnlyList<TokenRecord>> CachedRecordsAsync(TenantId tenant, DateTimeOffset now, CancellationToken ct)
    {
        if (_cache.TryGetValue(tenant, out var entry) && entry.Until > now) return entry.Records;
        var records = await store.ListAsync(tenant, ct);
        _cache[tenant] = (now + options.CacheWindow, records);
        return records;
    }

    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
