using System.Text.Json.Nodes;
using ScimFunctions.Keys;

namespace ScimFunctions.Events;

public sealed record SigningKeyOptions
{
    /// <summary>How long an instance keeps the key list in memory (Events:KeyCacheSeconds). The published key
    /// set is served from the same cache.</summary>
    public TimeSpan CacheDuration { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>A new key signs only once it has been published this long, so that every instance (and a receiver
    /// that refreshes on an unknown kid) already has it in its key set. At least <see cref="CacheDuration"/>.</summary>
    public TimeSpan PublishBeforeUse { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a superseded key stays published (Events:KeyRetentionDays): events it signed verify that
    /// long after rotation. At least the change feed's retention, so any event a receiver can still be sent verifies.</summary>
    public TimeSpan KeepSupersededFor { get; init; } = TimeSpan.FromDays(30);
}

/// <summary>
/// The events signing keys: the one that signs now, the published set (JWKS) with the previous keys in it, rotation
/// and retirement. Any number of instances share the store; a key list is cached briefly.
/// </summary>
public sealed class SigningKeyRing(IKeyStore store, TimeProvider time, SigningKeyOptions options)
{
    readonly SemaphoreSlim _gate = new(1, 1);
    (IReadOnlyList<SigningKey> Keys, DateTimeOffset Read)? _cache;

    /// <summary>The newest key published for at least <see cref="SigningKeyOptions.PublishBeforeUse"/> (or the
    /// newest, while none is that old); the first key is made on first use.</summary>
    public async Task<SigningKey> GetSigningKeyAsync(CancellationToken ct)
    {
        var keys = await PublishedAsync(ct);
        var ready = time.GetUtcNow() - options.PublishBeforeUse;
        return keys.LastOrDefault(k => k.Created <= ready) ?? keys[^1];
    }

    /// <summary>The published keys as a JWK Set (RFC 7517 §5): the current and the previous ones.</summary>
    public async Task<JsonObject> GetJwksAsync(CancellationToken ct)
    {
        var keys = await PublishedAsync(ct);
        return new JsonObject { ["keys"] = new JsonArray([.. keys.Select(k => (JsonNode)k.PublicJwk())]) };
    }

    /// <summary>The keys, the first one made when there is none yet (whoever asks first: a signer or the JWKS).</summary>
    async Task<IReadOnlyList<SigningKey>> PublishedAsync(CancellationToken ct)
    {
        var keys = await ListAsync(ct);
        if (keys.Count > 0) return keys;
        await store.AddAsync(SigningKey.Create(time.GetUtcNow()).ToStored(), ct);
        return await ListAsync(ct, refresh: true);
    }

    /// <summary>Adds a new key. It is published at once and signs after <see cref="SigningKeyOptions.PublishBeforeUse"/>;
    /// the previous keys stay published until <see cref="RetireSupersededAsync"/> removes them.</summary>
    public async Task<SigningKey> RotateAsync(CancellationToken ct)
    {
        var key = SigningKey.Create(time.GetUtcNow());
        await store.AddAsync(key.ToStored(), ct);
        await ListAsync(ct, refresh: true);
        return key;
    }

    /// <summary>Retires the keys whose successor was created more than <see cref="SigningKeyOptions.KeepSupersededFor"/>
    /// ago (maintenance). Returns the retired keys' ids.</summary>
    public async Task<IReadOnlyList<string>> RetireSupersededAsync(CancellationToken ct)
    {
        var keys = await ListAsync(ct, refresh: true);
        var cutoff = time.GetUtcNow() - options.KeepSupersededFor;
        var retired = new List<string>();
        for (var i = 0; i < keys.Count - 1; i++)
        {
            if (keys[i + 1].Created > cutoff) break;
            await store.RetireAsync(keys[i].ToStored(), ct);
            retired.Add(keys[i].Kid);
        }
        if (retired.Count > 0) await ListAsync(ct, refresh: true);
        return retired;
    }

    async Task<IReadOnlyList<SigningKey>> ListAsync(CancellationToken ct, bool refresh = false)
    {
        var now = time.GetUtcNow();
        if (!refresh && _cache is { } c && now - c.Read < options.CacheDuration) return c.Keys;
        await _gate.WaitAsync(ct);
        try
        {
            if (!refresh && _cache is { } again && now - again.Read < options.CacheDuration) return again.Keys;
            IReadOnlyList<SigningKey> keys = [.. (await store.ListAsync(ct)).Select(SigningKey.FromStored)];
            _cache = (keys, now);
            return keys;
        }
        finally
        {
            _gate.Release();
        }
    }
}
