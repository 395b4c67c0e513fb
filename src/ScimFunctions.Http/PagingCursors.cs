using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Azure.Security.KeyVault.Secrets;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;

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
        using var aes = new AesGcm(await key.GetAsync(ct), TagBytes);
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
        var plain = new byte[sealedBytes.Length - 1 - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(await key.GetAsync(ct), TagBytes);
            aes.Decrypt(sealedBytes.AsSpan(1, NonceBytes), sealedBytes.AsSpan(1 + NonceBytes + TagBytes), sealedBytes.AsSpan(1 + NonceBytes, TagBytes), plain,
                Associated(tenant, binding));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw Invalid();
        }
        // Authentic, so written by us: its shape is ours.
        var payload = JsonNode.Parse(plain)!.AsObject();
        if (payload["x"]!.GetValue<long>() < time.GetUtcNow().ToUnixTimeSeconds())
            throw ScimException.BadRequest(ScimType.ExpiredCursor,
                $"The cursor has expired: request each next page within {limits.CursorTimeoutSeconds} seconds (pagination.cursorTimeout), or start again with an empty cursor.");
        return new CursorState(Read(payload["a"]!.AsObject()), [.. payload["n"]!.AsArray().Select(n => n!.GetValue<int>())],
            payload["p"] is JsonObject previous ? Read(previous) : null);
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
/// The cursor key: 256 random bits made once per deployment and kept where the token hashes are (a Key Vault
/// secret in Azure, a row of the tokens table locally), loaded once per process. Instances that start together
/// converge on one key: the table row is created only if absent, and in Key Vault the oldest version wins.
/// </summary>
public sealed class CursorKey(ScimTables tables, SecretClient? vault = null)
{
    public const string SecretName = "scim-cursor-key";
    const string Partition = "~cursor-key", Row = "v1", Property = "Key";

    Task<byte[]>? _key;

    public Task<byte[]> GetAsync(CancellationToken ct)
    {
        var task = _key ??= vault is null ? FromTableAsync() : FromVaultAsync(vault);
        if (task.IsFaulted) _key = null; // a storage hiccup is retried by the next request
        return task.WaitAsync(ct);
    }

    async Task<byte[]> FromTableAsync()
    {
        await tables.EnsureCreatedAsync();
        try
        {
            await tables.Tokens.AddEntityAsync(new TableEntity(Partition, Row) { [Property] = RandomNumberGenerator.GetBytes(32) });
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Another instance made it first: use theirs.
        }
        return (await tables.Tokens.GetEntityAsync<TableEntity>(Partition, Row)).Value.GetBinary(Property);
    }

    async Task<byte[]> FromVaultAsync(SecretClient client)
    {
        if (await OldestAsync(client) is { } existing) return existing;
        await client.SetSecretAsync(new KeyVaultSecret(SecretName, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
        return await OldestAsync(client) ?? throw new InvalidOperationException($"Key Vault secret {SecretName} was set but cannot be read.");
    }

    static async Task<byte[]?> OldestAsync(SecretClient client)
    {
        SecretProperties? oldest = null;
        try
        {
            await foreach (var p in client.GetPropertiesOfSecretVersionsAsync(SecretName))
                if (p.Enabled == true && (oldest is null || p.CreatedOn < oldest.CreatedOn)) oldest = p;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        return oldest is null ? null : Convert.FromBase64String((await client.GetSecretAsync(SecretName, oldest.Version)).Value.Value);
    }
}
