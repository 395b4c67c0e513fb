using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ScimFunctions.Keys;
using ScimFunctions.Protocol;

namespace ScimFunctions.Http;

/// <summary>Where a page starts: the 1-based number of its first match, and for a scanned listing the storage
/// continuation token of the storage page holding it and the raw rows to skip there. <paramref name="Segment"/>
/// is the resource type a root-level search is in (0: Users, 1: Groups).</summary>
public sealed record PagePosition(int Index, string? Token = null, int Skip = 0, int Segment = 0)
{
    public static readonly PagePosition Start = new(1);
}

/// <summary>What a cursor carries: the page it leads to, the totals counted on the listing's first page (one per
/// segment), and where the page before that one starts (for its <c>previousCursor</c>).</summary>
public sealed record CursorState(PagePosition At, IReadOnlyList<int> Totals, PagePosition? Previous);

/// <summary>
/// RFC 9865 cursors: the position of a page sealed with AES-GCM under one key shared by every instance
/// (<see cref="CursorKey"/>), so any instance can continue a listing another one started, and the client
/// can neither read nor alter it. The tenant and the query's filter and sort are the associated data: a
/// cursor replayed against another tenant or another query fails authentication (400 invalidCursor). The
/// expiry is inside the sealed payload: past it, 400 expiredCursor.
/// </summary>
public sealed class PagingCursors(CursorKey key, ScimLimits limits, TimeProvider time)
{
    const byte Version = 1;
    const int NonceBytes = 12, TagBytes = 16;

    public async Task<string> SealAsync(TenantId tenant, string binding, CursorState state, CancellationToken ct)
    {
        var payload = new JsonObject
        {
            ["x"] = time.GetUtcNow().ToUnixTimeSeconds() + limits.CursorTimeoutSeconds,
            ["a"] = Write(state.At),
            ["n"] = new JsonArray([.. state.Totals.Select(t => (JsonNode)t)]),
        };
        if (state.Previous is not null) payload["p"] = Write(state.Previous);
        var plain = Encoding.UTF8.GetBytes(payload.ToJsonString());
        using var aes = new AesGcm((await key.GetAsync(ct))[0], TagBytes);
        var sealedBytes = new byte[1 + NonceBytes + TagBytes + plain.Length];
        sealedBytes[0] = Version;
        var nonce = sealedBytes.AsSpan(1, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(1 + NonceBytes + TagBytes), sealedBytes.AsSpan(1 + NonceBytes, TagBytes), Associated(tenant, binding));
        return Base64Url.EncodeToString(sealedBytes);
    }

    public async Task<CursorState> OpenAsync(TenantId tenant, string binding, string cursor, CancellationToken ct)
    {
        byte[] sealedBytes;
        try
        {
            sealedBytes = Base64Url.DecodeFromChars(cursor);
        }
        catch (FormatException)
        {
            throw Invalid();
        }
        if (sealedBytes.Length < 1 + NonceBytes + TagBytes || sealedBytes[0] != Version) throw Invalid();
        var associated = Associated(tenant, binding);
        var plain = Open(await key.GetAsync(ct), sealedBytes, associated)
            ?? (await key.RefreshAsync(ct) is { } fresh ? Open(fresh, sealedBytes, associated) : null)
            ?? throw Invalid();
        // Authentic, so written by us: its shape is ours.
        var payload = JsonNode.Parse(plain)!.AsObject();
        if (payload["x"]!.GetValue<long>() < time.GetUtcNow().ToUnixTimeSeconds())
            throw ScimException.BadRequest(ScimType.ExpiredCursor,
                $"The cursor has expired: request each next page within {limits.CursorTimeoutSeconds} seconds (pagination.cursorTimeout), or start again with an empty cursor.");
        return new CursorState(Read(payload["a"]!.AsObject()), [.. payload["n"]!.AsArray().Select(n => n!.GetValue<int>())],
            payload["p"] is JsonObject previous ? Read(previous) : null);
    }

    /// <summary>The payload, if one of the keys authenticates it.</summary>
    static byte[]? Open(IReadOnlyList<byte[]> keys, byte[] sealedBytes, byte[] associated)
    {
        var plain = new byte[sealedBytes.Length - 1 - NonceBytes - TagBytes];
        foreach (var candidate in keys)
        {
            try
            {
                using var aes = new AesGcm(candidate, TagBytes);
                aes.Decrypt(sealedBytes.AsSpan(1, NonceBytes), sealedBytes.AsSpan(1 + NonceBytes + TagBytes), sealedBytes.AsSpan(1 + NonceBytes, TagBytes), plain, associated);
                return plain;
            }
            catch (AuthenticationTagMismatchException)
            {
                // Not this key (or not authentic at all).
            }
        }
        return null;
    }

    static ScimException Invalid() => ScimException.BadRequest(ScimType.InvalidCursor,
        "The cursor is not valid for this tenant and query: send an empty cursor for the first page, then the nextCursor or previousCursor returned, with the same filter and sort.");

    static byte[] Associated(TenantId tenant, string binding) => Encoding.UTF8.GetBytes($"scim-cursor|{tenant.Value}|{binding}");

    static JsonObject Write(PagePosition p)
    {
        var o = new JsonObject { ["i"] = p.Index, ["s"] = p.Skip, ["g"] = p.Segment };
        if (p.Token is not null) o["t"] = p.Token;
        return o;
    }

    static PagePosition Read(JsonObject o) =>
        new(o["i"]!.GetValue<int>(), o["t"]?.GetValue<string>(), o["s"]!.GetValue<int>(), o["g"]!.GetValue<int>());
}

/// <summary>
/// The cursor keys: 256 random bits made once per deployment, in the <see cref="KeyRing.PagingCursors"/> ring of the
/// service's key stores (a Key Vault secret in Azure, rows of the tokens table locally), loaded once per process.
/// The ring's oldest key seals; any key of the ring opens. Instances that start together on an empty ring may each
/// add a key and seal with different ones for a while: a cursor that no loaded key opens makes the instance read the
/// ring again (at most once a minute, so garbage cursors cannot make every request read storage), and then it opens.
/// </summary>
public sealed class CursorKey(KeyStores stores, TimeProvider time)
{
    static readonly TimeSpan RefreshAtMost = TimeSpan.FromMinutes(1);

    Task<IReadOnlyList<byte[]>>? _keys;
    long _loadedTicks;

    /// <summary>The ring's keys, oldest (the sealing key) first.</summary>
    public Task<IReadOnlyList<byte[]>> GetAsync(CancellationToken ct)
    {
        var task = _keys ??= LoadAsync();
        if (task.IsFaulted) _keys = null; // a storage hiccup is retried by the next request
        return task.WaitAsync(ct);
    }

    /// <summary>The ring read again, or null when it was read less than a minute ago.</summary>
    public async Task<IReadOnlyList<byte[]>?> RefreshAsync(CancellationToken ct)
    {
        if (time.GetUtcNow().UtcTicks - Interlocked.Read(ref _loadedTicks) < RefreshAtMost.Ticks) return null;
        _keys = null;
        return await GetAsync(ct);
    }

    async Task<IReadOnlyList<byte[]>> LoadAsync()
    {
        Interlocked.Exchange(ref _loadedTicks, time.GetUtcNow().UtcTicks);
        var store = stores.For(KeyRing.PagingCursors);
        var keys = await store.ListAsync(CancellationToken.None);
        if (keys.Count == 0)
        {
            await store.AddAsync(new StoredKey(Guid.NewGuid().ToString("N"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), time.GetUtcNow()),
                CancellationToken.None);
            keys = await store.ListAsync(CancellationToken.None);
        }
        return [.. keys.Select(k => Convert.FromBase64String(k.Secret))];
    }
}
