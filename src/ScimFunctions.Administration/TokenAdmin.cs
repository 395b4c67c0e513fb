using ScimFunctions.Protocol;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.Administration;

/// <summary>A token as an admin sees it: never the token or its hash.</summary>
/// <param name="Kind">Secret (the identity provider's) or Application (the application's read and poll credential).</param>
public sealed record TokenView(string Id, string Prefix, string State, DateTimeOffset Created, DateTimeOffset Expires, int DaysLeft, int? ExpiryWarning, string Kind)
{
    public static TokenView Of(TokenRecord r, DateTimeOffset now) => new(r.Id, r.Prefix,
        r.IsUsableAt(now) ? r.State.ToString() : r.State == TokenState.Revoked ? "Revoked" : "Expired",
        r.Created, r.Expires, r.DaysLeftAt(now), r.ExpiryWarningAt(now), r.Kind.ToString());
}

/// <summary>A newly issued token, shown once, and until when the previous ones keep working.</summary>
public sealed record IssuedTokenView(TenantId Tenant, string SecretToken, string Id, DateTimeOffset Expires, DateTimeOffset PreviousUsableUntil);

/// <summary>A token of some tenant that reached an expiry warning (30, 7 or 1 days left).</summary>
public sealed record ExpiringToken(TenantId Tenant, TokenView Token);

/// <summary>Issue, rotate, revoke and list Secret Tokens and application tokens (<see cref="TokenKind"/>; each kind on its own). A new token is accepted on its very next request by every
/// running instance (an unknown token makes the instance re-read the tenant's hashes before refusing it).</summary>
public sealed class TokenAdmin(TokenService tokens, TenantStore tenants, AuditLog audit, TimeProvider time)
{
    public const int MaxLifetimeDays = 3650;
    static readonly TimeSpan MaxOverlap = TimeSpan.FromDays(7);

    /// <summary>A new token; every earlier one stops working now, or after <paramref name="overlap"/>.</summary>
    public Task<IssuedTokenView> IssueAsync(TenantId tenant, int lifetimeDays, TimeSpan? overlap, AdminCaller caller, CancellationToken ct,
        TokenKind kind = TokenKind.Secret) =>
        IssueAsync(tenant, lifetimeDays, overlap ?? TimeSpan.Zero, kind, caller, ct);

    /// <summary>A new token; the earlier ones keep working for <paramref name="overlap"/> (default
    /// <see cref="TokenOptions.DefaultRotationOverlap"/>, 60 minutes) so the new one can be pasted in without a failed cycle.</summary>
    public Task<IssuedTokenView> RotateAsync(TenantId tenant, int lifetimeDays, TimeSpan? overlap, AdminCaller caller, CancellationToken ct,
        TokenKind kind = TokenKind.Secret) =>
        IssueAsync(tenant, lifetimeDays, overlap ?? tokens.Options.DefaultRotationOverlap, kind, caller, ct, rotate: true);

    Task<IssuedTokenView> IssueAsync(TenantId tenant, int lifetimeDays, TimeSpan overlap, TokenKind kind, AdminCaller caller, CancellationToken ct, bool rotate = false)
    {
        if (lifetimeDays is < 1 or > MaxLifetimeDays) throw AdminException.Invalid($"The lifetime must be between 1 and {MaxLifetimeDays} days (got {lifetimeDays}).");
        if (overlap < TimeSpan.Zero || overlap > MaxOverlap) throw AdminException.Invalid($"The overlap must be between 0 and {MaxOverlap.TotalMinutes:0} minutes.");
        return StorageGuard.RunAsync(async () =>
        {
            await RequireTenantAsync(tenant, ct);
            var issued = await tokens.IssueAsync(tenant, TimeSpan.FromDays(lifetimeDays), overlap, ct, kind);
            await audit.RecordAppliedAsync(tenant, caller.Write((rotate ? "ROTATE " : "ISSUE ") + AuditName(kind)), "Token", issued.Record.Id, ct);
            return new IssuedTokenView(tenant, issued.Token, issued.Record.Id, issued.Record.Expires, issued.Record.Created + overlap);
        });
    }

    /// <summary>Revokes every token of the tenant of <paramref name="kind"/> (by default the Secret Tokens, so the
    /// application keeps reading), or the one with <paramref name="tokenId"/> whatever its kind. Returns how many.</summary>
    public Task<int> RevokeAsync(TenantId tenant, string? tokenId, AdminCaller caller, CancellationToken ct, TokenKind kind = TokenKind.Secret) => StorageGuard.RunAsync(async () =>
    {
        await RequireTenantAsync(tenant, ct);
        if (tokenId is not null && (await tokens.ListAsync(tenant, ct)).All(r => r.Id != tokenId))
            throw AdminException.NotFound($"Tenant {tenant} has no token {tokenId}: see `token list {tenant}`.");
        var count = await tokens.RevokeAsync(tenant, tokenId, ct, tokenId is null ? kind : null);
        await audit.RecordAppliedAsync(tenant, caller.Write("REVOKE " + (tokenId is null ? AuditName(kind) : "Token")), "Token", tokenId ?? "*", ct);
        return count;
    });

    public Task<IReadOnlyList<TokenView>> ListAsync(TenantId tenant, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        await RequireTenantAsync(tenant, ct);
        var now = time.GetUtcNow();
        return (IReadOnlyList<TokenView>)[.. (await tokens.ListAsync(tenant, ct)).Select(r => TokenView.Of(r, now))];
    });

    /// <summary>Active tokens of every tenant within 30 days of expiry (what maintenance warns about).</summary>
    public Task<IReadOnlyList<ExpiringToken>> ExpiringAsync(CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        var now = time.GetUtcNow();
        var expiring = new List<ExpiringToken>();
        foreach (var tenant in await tenants.ListAsync(ct))
            foreach (var record in await tokens.ListAsync(tenant.Tenant, ct))
                if (record.ExpiryWarningAt(now) is not null) expiring.Add(new ExpiringToken(tenant.Tenant, TokenView.Of(record, now)));
        return (IReadOnlyList<ExpiringToken>)expiring;
    });

    /// <summary>The audited operation's object: "Token" for Secret Tokens (as before kinds existed), "ApplicationToken" otherwise.</summary>
    static string AuditName(TokenKind kind) => kind == TokenKind.Application ? "ApplicationToken" : "Token";

    async Task RequireTenantAsync(TenantId tenant, CancellationToken ct)
    {
        if (await tenants.GetAsync(tenant, ct) is null) throw AdminException.TenantNotFound(tenant);
    }
}
