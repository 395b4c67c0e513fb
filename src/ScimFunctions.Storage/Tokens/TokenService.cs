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

    /// <summary>Failed attempts allowed per client address, whatever the tenants named, in <see cref="FailureWindow"/>.</summary>
    public int MaxFailuresPerAddress { get; init; } = 100;

    /// <summary>Most tenants whose hashes are held in memory (least recently used go first).</summary>
    public int MaxCachedTenants { get; init; } = 10_000;

    /// <summary>How long a tenant that had tokens stays known after its last request: a known tenant's
    /// hashes are re-read even for a throttled address, so its valid token keeps working.</summary>
    public TimeSpan KnownTenantWindow { get; init; } = TimeSpan.FromHours(24);

    public TimeSpan FailureWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>An unknown token makes the instance re-read the tenant's hashes, at most once per this interval, so a
    /// token issued on another instance is accepted on its first request (waiting at most this long) and a flood of
    /// bad tokens costs at most one store read per tenant per interval.</summary>
    public TimeSpan UnknownTokenRefreshInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the previous token keeps working after <c>token rotate</c> unless told otherwise: long
    /// enough to paste the new one into the identity provider and run its next cycle.</summary>
    public TimeSpan DefaultRotationOverlap { get; init; } = TimeSpan.FromMinutes(60);
}

/// <summary>A validation's answer. <see cref="Valid"/> is a Secret Token; <see cref="ValidApplication"/> the tenant's
/// application token, which the HTTP layer lets read and poll but not write.</summary>
public enum TokenCheck { Valid, Invalid, Throttled, ValidApplication }

/// <summary>The token as shown once to the admin, and what is kept of it.</summary>
public sealed record IssuedToken(string Token, TokenRecord Record);

/// <summary>
/// Issues, rotates, revokes and validates tenant bearer tokens. Only SHA-256 hashes are stored (tokens
/// carry 256 random bits, so a fast hash is enough); validation compares in constant time against a
/// short-lived in-memory copy of the tenant's hashes, so no request waits on the store.
/// </summary>
/// <param name="shared">Failed attempts counted for every instance together (the app's registration always gives one;
/// without it the limit is this instance's own).</param>
public sealed class TokenService(ITokenStore store, TimeProvider time, TokenOptions options, SharedFailureCount? shared = null)
{
    public const string Prefix = "scimf_";

    /// <summary>How an application token starts (after <see cref="Prefix"/>, so validation treats both alike): an admin
    /// tells the two apart at a glance, and so does a secret scanner.</summary>
    public const string ApplicationPrefix = Prefix + "app_";

    /// <summary>Hashes of tenants that have tokens, never of names that have none: bounded in size
    /// (<see cref="TokenOptions.MaxCachedTenants"/>) and time (<see cref="TokenOptions.KnownTenantWindow"/>).</summary>
    readonly System.Collections.Concurrent.ConcurrentDictionary<TenantId, CachedHashes> _cache = new();

    /// <summary>Read at <paramref name="Loaded"/>; fresh (used without a read) until <paramref name="FreshUntil"/>; known
    /// (re-read even for a throttled address) until <paramref name="KnownUntil"/>, which each re-read moves on.</summary>
    sealed record CachedHashes(DateTimeOffset Loaded, DateTimeOffset FreshUntil, DateTimeOffset KnownUntil, IReadOnlyList<TokenRecord> Records);

    /// <summary>The re-read in progress per tenant for unknown tokens (<see cref="RefreshedRecordsAsync"/>).</summary>
    readonly System.Collections.Concurrent.ConcurrentDictionary<TenantId, Task<IReadOnlyList<TokenRecord>>> _refreshing = new();

    readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = key.StartsWith(AddressKeyPrefix, StringComparison.Ordinal) ? options.MaxFailuresPerAddress : options.MaxFailures,
            Window = options.FailureWindow,
            QueueLimit = 0,
        }));

    const string AddressKeyPrefix = "address|";

    public TokenOptions Options => options;

    /// <summary>Issues a new token for the tenant. Every earlier usable token stops working now, or at the
    /// end of <paramref name="overlap"/> when rotating without downtime.</summary>
    /// <remarks>Only tokens of the same <paramref name="kind"/> are superseded: issuing the application token leaves
    /// the identity provider's Secret Token alone, and the other way round.</remarks>
    public async Task<IssuedToken> IssueAsync(TenantId tenant, TimeSpan? lifetime, TimeSpan? overlap, CancellationToken ct, TokenKind kind = TokenKind.Secret)
    {
        var now = time.GetUtcNow();
        var start = kind == TokenKind.Application ? ApplicationPrefix : Prefix;
        var token = start + Base64Url(RandomNumberGenerator.GetBytes(32));
        var record = new TokenRecord(tenant, Guid.CreateVersion7().ToString("N"), Hash(token), token[..(start.Length + 6)],
            now, now + (lifetime ?? options.DefaultLifetime), TokenState.Active) { Kind = kind };
        await store.AddAsync(record, ct);
        var supersededUntil = now + (overlap ?? TimeSpan.Zero);
        foreach (var old in await store.ListAsync(tenant, ct))
        {
            if (old.Id == record.Id || old.Kind != kind || !old.IsUsableAt(now) || old.State != TokenState.Active) continue;
            await store.UpdateAsync(old with { State = TokenState.Superseded, Expires = Min(old.Expires, supersededUntil) }, ct);
        }
        _cache.TryRemove(tenant, out _);
        return new IssuedToken(token, record);
    }

    /// <summary>Revokes every token of the tenant (or one, by id; or every one of a <paramref name="kind"/>). Other
    /// instances notice within the cache window.</summary>
    public async Task<int> RevokeAsync(TenantId tenant, string? tokenId, CancellationToken ct, TokenKind? kind = null)
    {
        var count = 0;
        foreach (var record in await store.ListAsync(tenant, ct))
        {
            if (record.State == TokenState.Revoked || (tokenId is not null && record.Id != tokenId) || (kind is not null && record.Kind != kind)) continue;
            await store.UpdateAsync(record with { State = TokenState.Revoked }, ct);
            count++;
        }
        _cache.TryRemove(tenant, out _);
        return count;
    }

    public Task<IReadOnlyList<TokenRecord>> ListAsync(TenantId tenant, CancellationToken ct) => store.ListAsync(tenant, ct);

    /// <summary>Checks a presented token for the tenant. Failed attempts are limited per client address and
    /// per tenant and address; past either limit a failure is answered <see cref="TokenCheck.Throttled"/>.
    /// A valid token is never refused by the limiter (a stranger sharing the identity provider's outgoing
    /// addresses cannot lock a tenant out), with one exception: a throttled address naming a tenant not
    /// known to this instance is refused without a storage read, so random tenant names cost nothing.</summary>
    public async Task<TokenCheck> ValidateAsync(TenantId tenant, string? token, string client, CancellationToken ct)
    {
        var addressKey = AddressKeyPrefix + client;
        var tenantKey = "tenant|" + tenant.Value + "|" + client;
        var now = time.GetUtcNow();
        var cached = _cache.TryGetValue(tenant, out var hit) && hit.KnownUntil > now ? hit : null;
        if (cached is null && (Exhausted(addressKey) || Exhausted(tenantKey))) return TokenCheck.Throttled;
        var fromMemory = cached is not null && cached.FreshUntil > now;
        var records = fromMemory ? cached!.Records : await LoadAsync(tenant, now, ct);
        if (token is { Length: > 0 and < 512 } && token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            var presented = Convert.FromHexString(Hash(token));
            if (Match(records, presented, now) is { } match) return Valid(match);
            // Unknown but well-formed, checked against hashes held in memory: perhaps issued a moment ago on another
            // instance. Re-read before it counts as a failure; a client's first failure for the tenant in the window may
            // wait for the re-read, later ones only take a due one.
            var firstFailure = _failures.GetStatistics(tenantKey) is not { } stats || stats.CurrentAvailablePermits >= options.MaxFailures;
            if (fromMemory && await RefreshedRecordsAsync(tenant, wait: firstFailure, ct) is { } fresh && Match(fresh, presented, time.GetUtcNow()) is { } late)
                return Valid(late);
        }
        using var address = _failures.AttemptAcquire(addressKey, 1);
        if (!address.IsAcquired) return TokenCheck.Throttled;
        using var perTenant = _failures.AttemptAcquire(tenantKey, 1);
        if (!perTenant.IsAcquired) return TokenCheck.Throttled;
        if (shared is null) return TokenCheck.Invalid;
        // The failures of every instance: past either limit, this instance's limiter is exhausted for the key too.
        int[] counts;
        try
        {
            counts = await Task.WhenAll(shared.AddAsync(addressKey, options.FailureWindow, ct), shared.AddAsync(tenantKey, options.FailureWindow, ct));
        }
        catch (Azure.RequestFailedException)
        {
            return TokenCheck.Invalid; // storage trouble: this instance's own limit decides (it was not exceeded)
        }
        var overAddress = counts[0] > options.MaxFailuresPerAddress;
        var overTenant = counts[1] > options.MaxFailures;
        if (overAddress) Exhaust(addressKey);
        if (overTenant) Exhaust(tenantKey);
        return overAddress || overTenant ? TokenCheck.Throttled : TokenCheck.Invalid;
    }

    /// <summary>Takes every permit left in the key's window (a fixed window does not give them back).</summary>
    void Exhaust(string key)
    {
        if (_failures.GetStatistics(key) is { CurrentAvailablePermits: > 0 and var left }) _failures.AttemptAcquire(key, (int)left).Dispose();
    }

    static TokenRecord? Match(IReadOnlyList<TokenRecord> records, byte[] presented, DateTimeOffset now) =>
        records.FirstOrDefault(r => r.IsUsableAt(now) && CryptographicOperations.FixedTimeEquals(presented, Convert.FromHexString(r.Hash)));

    static TokenCheck Valid(TokenRecord record) => record.Kind == TokenKind.Application ? TokenCheck.ValidApplication : TokenCheck.Valid;

    /// <summary>The tenant's records read again for an unknown token, no sooner than
    /// <see cref="TokenOptions.UnknownTokenRefreshInterval"/> after the last read: a flood of bad tokens costs at most one
    /// store read per tenant per interval. Within the interval, null unless <paramref name="wait"/> (a client's first
    /// failure: a token issued a moment ago), which waits for the next read, shared by every request waiting on it.</summary>
    async Task<IReadOnlyList<TokenRecord>?> RefreshedRecordsAsync(TenantId tenant, bool wait, CancellationToken ct)
    {
        if (!wait && _cache.TryGetValue(tenant, out var entry) && time.GetUtcNow() - entry.Loaded < options.UnknownTokenRefreshInterval) return null;
        var refresh = _refreshing.GetOrAdd(tenant, RefreshAsync);
        try
        {
            return await refresh.WaitAsync(ct);
        }
        finally
        {
            _refreshing.TryRemove(KeyValuePair.Create(tenant, refresh));
        }
    }

    async Task<IReadOnlyList<TokenRecord>> RefreshAsync(TenantId tenant)
    {
        if (_cache.TryGetValue(tenant, out var entry) && time.GetUtcNow() - entry.Loaded is var age && age < options.UnknownTokenRefreshInterval)
            await Task.Delay(options.UnknownTokenRefreshInterval - age, time);
        return await LoadAsync(tenant, time.GetUtcNow(), CancellationToken.None);
    }

    bool Exhausted(string key)
    {
        using var probe = _failures.AttemptAcquire(key, 0);
        return !probe.IsAcquired;
    }

    /// <summary>Reads the tenant's hashes; keeps them only when the tenant has tokens.</summary>
    async Task<IReadOnlyList<TokenRecord>> LoadAsync(TenantId tenant, DateTimeOffset now, CancellationToken ct)
    {
        var records = await store.ListAsync(tenant, ct);
        if (records.Count == 0)
        {
            _cache.TryRemove(tenant, out _);
            return records;
        }
        if (_cache.Count >= options.MaxCachedTenants && !_cache.ContainsKey(tenant)) Prune(now);
        _cache[tenant] = new CachedHashes(now, now + options.CacheWindow, now + options.KnownTenantWindow, records);
        return records;
    }

    /// <summary>At the size limit: drops the tenants no longer known, then the least recently read tenth.</summary>
    void Prune(DateTimeOffset now)
    {
        foreach (var (tenant, entry) in _cache)
            if (entry.KnownUntil <= now) _cache.TryRemove(tenant, out _);
        if (_cache.Count < options.MaxCachedTenants) return;
        foreach (var (tenant, _) in _cache.OrderBy(e => e.Value.KnownUntil).Take(Math.Max(1, options.MaxCachedTenants / 10)).ToList())
            _cache.TryRemove(tenant, out _);
    }

    /// <summary>Tenants whose hashes are held in memory (for tests and measurements).</summary>
    public int CachedTenantCount => _cache.Count;

    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
