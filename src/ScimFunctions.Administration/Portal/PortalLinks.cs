using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Keys;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Administration.Portal;

/// <summary>A key that signs page links, sessions and their CSRF proofs (HMAC-SHA256, 256 bits), as its ring keeps it.</summary>
sealed record PortalKey(string Id, byte[] Secret, DateTimeOffset Created)
{
    public static PortalKey Create(DateTimeOffset created) =>
        new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), RandomNumberGenerator.GetBytes(32), created);

    public static PortalKey From(StoredKey stored) => new(stored.Id, Convert.FromBase64String(stored.Secret), stored.Created);

    public StoredKey ToStored() => new(Id, Convert.ToBase64String(Secret), Created);
}

public sealed record PortalLinkOptions
{
    /// <summary>How long a link can be opened when the caller names no lifetime.</summary>
    public TimeSpan DefaultLifetime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The longest lifetime a link may be given: a link is a bearer secret in someone's mail or chat.</summary>
    public TimeSpan MaxLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How long a session lasts once a link is opened (it ends earlier when the link is revoked).</summary>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long an instance keeps the key list in memory: a retired key is refused elsewhere within this window.</summary>
    public TimeSpan KeyCacheDuration { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>Why a link or a session was refused: logged, and shown to the person as a plain sentence.</summary>
public enum PortalRefusal { Malformed, Forged, Expired, Revoked, OtherTenant }

public sealed class PortalRefusedException(PortalRefusal reason) : Exception($"Self-service link refused: {reason}.")
{
    public PortalRefusal Reason => reason;
}

/// <summary>A link for the application to hand its admin; <see cref="Url"/> is a secret until it expires.</summary>
public sealed record PortalLink(TenantId Tenant, string Id, string Url, DateTimeOffset Expires);

/// <summary>A link as an admin sees it afterwards: never the URL.</summary>
public sealed record PortalLinkView(string Id, DateTimeOffset Created, DateTimeOffset Expires, bool Revoked, string CreatedBy)
{
    public string StateAt(DateTimeOffset now) => Revoked ? "Revoked" : Expires <= now ? "Expired" : "Active";
}

/// <summary>A page session: one tenant, started from one link (its actions are audited as <c>page/&lt;link id&gt;</c>).</summary>
public sealed record PortalSession(TenantId Tenant, string LinkId, DateTimeOffset Expires)
{
    public AdminCaller Caller => AdminCaller.PageLink(LinkId);
}

/// <summary>
/// The self-service page's signed links and sessions. A link is <c>{origin}/scim/portal/{tenant}/open/{token}</c>
/// where the token carries the tenant, the link id and the expiry, signed with HMAC-SHA256 under a key from
/// <see cref="KeyRing.PortalLinks"/> (Key Vault in Azure). Each link has a row (tokens table, partition
/// <c>~portal-links</c>) that revocation marks; every session request reads it, so a revoked link's sessions end at once.
/// The session cookie and the form's CSRF proof are signed the same way, so any instance verifies them without shared memory.
/// </summary>
public sealed class PortalLinks(IKeyStore keys, ScimTables tables, TenantStore tenants, AuditLog audit, TimeProvider time, PortalLinkOptions options)
{
    public const string Partition = "~portal-links";
    const string LinkPurpose = "link", SessionPurpose = "session", CsrfPurpose = "csrf";

    readonly TableClient _table = tables.Tokens;
    readonly SemaphoreSlim _gate = new(1, 1);
    (IReadOnlyList<PortalKey> Keys, DateTimeOffset Read)? _cache;

    public PortalLinkOptions Options => options;

    /// <summary>Creates a link to the tenant's page, valid for <paramref name="lifetime"/> (default 30 minutes, at most 24 hours).</summary>
    /// <param name="origin">The service's public origin (scheme, host, any path base).</param>
    public Task<PortalLink> CreateAsync(TenantId tenant, string origin, TimeSpan? lifetime, AdminCaller caller, CancellationToken ct)
    {
        var life = lifetime ?? options.DefaultLifetime;
        if (life <= TimeSpan.Zero || life > options.MaxLifetime)
            throw AdminException.Invalid($"A link's lifetime must be more than 0 and at most {options.MaxLifetime.TotalHours:0} hours (got {life}).");
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            throw AdminException.Invalid($"The base URL must be an absolute http(s) URL (got '{origin}').");
        return StorageGuard.RunAsync(async () =>
        {
            if (await tenants.GetAsync(tenant, ct) is null) throw AdminException.TenantNotFound(tenant);
            var now = time.GetUtcNow();
            var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            var expires = TruncateToSeconds(now + life);
            await _table.AddEntityAsync(new TableEntity(Partition, RowKey(tenant, id))
            {
                ["Created"] = now,
                ["Expires"] = expires,
                ["Revoked"] = false,
                ["CreatedBy"] = caller.Client,
            }, ct);
            await audit.RecordAppliedAsync(tenant, caller.Write("CREATE PortalLink"), "PortalLink", id, ct);
            var token = await SignAsync(LinkPurpose, tenant, id, expires, ct);
            return new PortalLink(tenant, id, ScimRoutes.PortalOpenUrl(origin, tenant, token), expires);
        });
    }

    /// <summary>The tenant's links, newest first.</summary>
    public Task<IReadOnlyList<PortalLinkView>> ListAsync(TenantId tenant, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        if (await tenants.GetAsync(tenant, ct) is null) throw AdminException.TenantNotFound(tenant);
        var prefix = tenant.Value + "|";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {prefix} and RowKey lt {tenant.Value + "}"}");
        var links = new List<PortalLinkView>();
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            links.Add(View(e));
        return (IReadOnlyList<PortalLinkView>)[.. links.OrderByDescending(l => l.Created)];
    });

    /// <summary>Revokes one link (or all of the tenant's): it can no longer be opened, and its sessions end at once.</summary>
    public Task<int> RevokeAsync(TenantId tenant, string? linkId, AdminCaller caller, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        var links = await ListAsync(tenant, ct);
        if (linkId is not null && links.All(l => l.Id != linkId))
            throw AdminException.NotFound($"Tenant {tenant} has no page link {linkId}: see `portal list {tenant}`.");
        var count = 0;
        foreach (var link in links.Where(l => !l.Revoked && (linkId is null || l.Id == linkId)))
        {
            await _table.UpdateEntityAsync(new TableEntity(Partition, RowKey(tenant, link.Id)) { ["Revoked"] = true }, ETag.All, TableUpdateMode.Merge, ct);
            count++;
        }
        await audit.RecordAppliedAsync(tenant, caller.Write("REVOKE PortalLink"), "PortalLink", linkId ?? "*", ct);
        return count;
    });

    /// <summary>Adds a new signing key; new links, sessions and forms are signed with it at once. Earlier keys stay
    /// accepted until what they signed has expired (then the next rotation retires them), or are retired now with
    /// <paramref name="retirePrevious"/>: every link and session outstanding then ends. Returns the new key's id.</summary>
    public Task<string> RotateKeyAsync(bool retirePrevious, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        var now = time.GetUtcNow();
        var key = PortalKey.Create(now);
        var previous = await KeysAsync(ct, refresh: true);
        await keys.AddAsync(key.ToStored(), ct);
        var outlived = now - options.MaxLifetime - options.SessionLifetime;
        for (var i = 0; i < previous.Count; i++)
        {
            var successorCreated = i + 1 < previous.Count ? previous[i + 1].Created : now;
            if (retirePrevious || successorCreated <= outlived) await keys.RetireAsync(previous[i].ToStored(), ct);
        }
        await KeysAsync(ct, refresh: true);
        return key.Id;
    });

    /// <summary>Checks a link opened for <paramref name="tenant"/> and starts a session: the session and the cookie value that carries it.</summary>
    public async Task<(PortalSession Session, string Cookie)> OpenAsync(TenantId tenant, string token, CancellationToken ct)
    {
        var (linkId, linkExpires) = await VerifyAsync(LinkPurpose, tenant, token, ct);
        var now = time.GetUtcNow();
        if (linkExpires <= now) throw new PortalRefusedException(PortalRefusal.Expired);
        await RequireLiveAsync(tenant, linkId, ct);
        var session = new PortalSession(tenant, linkId, TruncateToSeconds(now + options.SessionLifetime));
        return (session, await SignAsync(SessionPurpose, tenant, linkId, session.Expires, ct));
    }

    /// <summary>Checks a session cookie on a request for <paramref name="tenant"/>: signed, unexpired, this tenant's, its link not revoked.</summary>
    public async Task<PortalSession> ValidateSessionAsync(TenantId tenant, string? cookie, CancellationToken ct)
    {
        var (linkId, expires) = await VerifyAsync(SessionPurpose, tenant, cookie, ct);
        if (expires <= time.GetUtcNow()) throw new PortalRefusedException(PortalRefusal.Expired);
        await RequireLiveAsync(tenant, linkId, ct);
        return new PortalSession(tenant, linkId, expires);
    }

    /// <summary>The CSRF proof each form of the session carries: bound to the session, so it is worthless without the cookie and vice versa.</summary>
    public Task<string> CsrfTokenAsync(PortalSession session, CancellationToken ct) =>
        SignAsync(CsrfPurpose, session.Tenant, session.LinkId, session.Expires, ct);

    public async Task<bool> IsValidCsrfAsync(PortalSession session, string? presented, CancellationToken ct)
    {
        try
        {
            var (linkId, expires) = await VerifyAsync(CsrfPurpose, session.Tenant, presented, ct);
            return linkId == session.LinkId && expires == session.Expires;
        }
        catch (PortalRefusedException)
        {
            return false;
        }
    }

    async Task RequireLiveAsync(TenantId tenant, string linkId, CancellationToken ct)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, RowKey(tenant, linkId), cancellationToken: ct);
        // A validly signed link without its row was made for a tenant or a store that no longer has it.
        if (!row.HasValue || row.Value is null) throw new PortalRefusedException(PortalRefusal.Revoked);
        var link = View(row.Value);
        if (link.Revoked) throw new PortalRefusedException(PortalRefusal.Revoked);
    }

    static PortalLinkView View(TableEntity e) => new(e.RowKey[(e.RowKey.IndexOf('|') + 1)..], e.GetDateTimeOffset("Created")!.Value,
        e.GetDateTimeOffset("Expires")!.Value, e.GetBoolean("Revoked") == true, e.GetString("CreatedBy") ?? "");

    static string RowKey(TenantId tenant, string linkId) => tenant.Value + "|" + linkId;

    static DateTimeOffset TruncateToSeconds(DateTimeOffset t) => DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds());

    // Signed values: base64url("purpose|key id|tenant|link id|expiry unix seconds") "." base64url(HMAC-SHA256).
    async Task<string> SignAsync(string purpose, TenantId tenant, string linkId, DateTimeOffset expires, CancellationToken ct)
    {
        var key = await CurrentKeyAsync(ct);
        var payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join('|', purpose, key.Id, tenant.Value, linkId,
            expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture))));
        return payload + "." + Base64Url.EncodeToString(HMACSHA256.HashData(key.Secret, Encoding.ASCII.GetBytes(payload)));
    }

    async Task<(string LinkId, DateTimeOffset Expires)> VerifyAsync(string purpose, TenantId tenant, string? value, CancellationToken ct)
    {
        if (value is not { Length: > 0 and < 512 } || value.Split('.') is not [var payload, var signature])
            throw new PortalRefusedException(PortalRefusal.Malformed);
        string[] fields;
        byte[] presented;
        try
        {
            fields = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(payload)).Split('|');
            presented = Base64Url.DecodeFromChars(signature);
        }
        catch (FormatException)
        {
            throw new PortalRefusedException(PortalRefusal.Malformed);
        }
        if (fields is not [var p, var keyId, var signedTenant, var linkId, var expiry] || p != purpose
            || !long.TryParse(expiry, NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
            throw new PortalRefusedException(PortalRefusal.Malformed);
        var key = await KeyAsync(keyId, ct) ?? throw new PortalRefusedException(PortalRefusal.Forged);
        if (!CryptographicOperations.FixedTimeEquals(presented, HMACSHA256.HashData(key.Secret, Encoding.ASCII.GetBytes(payload))))
            throw new PortalRefusedException(PortalRefusal.Forged);
        // Genuine, but for another tenant's page: refused like a forgery, reported as what it is.
        if (signedTenant != tenant.Value) throw new PortalRefusedException(PortalRefusal.OtherTenant);
        return (linkId, DateTimeOffset.FromUnixTimeSeconds(unix));
    }

    async Task<PortalKey> CurrentKeyAsync(CancellationToken ct)
    {
        var all = await KeysAsync(ct);
        if (all.Count > 0) return all[^1];
        await keys.AddAsync(PortalKey.Create(time.GetUtcNow()).ToStored(), ct);
        return (await KeysAsync(ct, refresh: true))[^1];
    }

    /// <summary>A key by id; an unknown id re-reads the store once (the key may be new, made on another instance).</summary>
    async Task<PortalKey?> KeyAsync(string id, CancellationToken ct) =>
        (await KeysAsync(ct)).FirstOrDefault(k => k.Id == id) ?? (await KeysAsync(ct, refresh: true, throttled: true)).FirstOrDefault(k => k.Id == id);

    async Task<IReadOnlyList<PortalKey>> KeysAsync(CancellationToken ct, bool refresh = false, bool throttled = false)
    {
        var now = time.GetUtcNow();
        bool Fresh((IReadOnlyList<PortalKey> Keys, DateTimeOffset Read)? c) => c is { } hit &&
            (refresh ? throttled && now - hit.Read < TimeSpan.FromSeconds(1) : now - hit.Read < options.KeyCacheDuration);
        if (Fresh(_cache)) return _cache!.Value.Keys;
        await _gate.WaitAsync(ct);
        try
        {
            if (Fresh(_cache)) return _cache!.Value.Keys;
            IReadOnlyList<PortalKey> list = [.. (await keys.ListAsync(ct)).Select(PortalKey.From)];
            _cache = (list, now);
            return list;
        }
        finally
        {
            _gate.Release();
        }
    }

}
