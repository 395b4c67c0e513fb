using ScimFunctions.Protocol;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.IntegrationTests.Tokens;

/// <summary>
/// The contract of <see cref="ITokenStore"/>, and of <see cref="TokenService"/> over it. Every case runs against
/// each store (see the subclasses), so the table store used locally and the Key Vault store used in Azure
/// cannot drift apart. Time is a <see cref="ManualTimeProvider"/> shared by store and service.
/// </summary>
public abstract class TokenStoreContract : IAsyncLifetime
{
    protected ManualTimeProvider Time { get; } = new();

    protected ITokenStore Store { get; private set; } = null!;

    protected abstract Task<ITokenStore> CreateStoreAsync();

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    static readonly CancellationToken None = CancellationToken.None;

    protected static TenantId NewTenant() => TenantId.Parse("t" + Guid.NewGuid().ToString("N")[..12]);

    protected TokenRecord NewRecord(TenantId tenant, TimeSpan lifetime, TokenState state = TokenState.Active)
    {
        var now = Time.GetUtcNow();
        return new TokenRecord(tenant, Guid.CreateVersion7().ToString("N"), TokenService.Hash(TokenService.Prefix + Guid.NewGuid()),
            TokenService.Prefix + "abcdef", now, now + lifetime, state);
    }

    TokenService Service(TokenOptions? options = null) => new(Store, Time, options ?? new TokenOptions());

    [Fact]
    public async Task Add_then_list_returns_every_record_newest_first()
    {
        var tenant = NewTenant();
        var first = NewRecord(tenant, TimeSpan.FromDays(365));
        Time.Advance(TimeSpan.FromSeconds(1));
        var second = NewRecord(tenant, TimeSpan.FromHours(1), TokenState.Superseded);
        Time.Advance(TimeSpan.FromSeconds(1));
        var third = NewRecord(tenant, TimeSpan.FromDays(30));
        foreach (var r in new[] { first, second, third }) await Store.AddAsync(r, None);

        Assert.Equal([third, second, first], await Store.ListAsync(tenant, None));
    }

    [Fact]
    public async Task Update_changes_state_and_expiry()
    {
        var tenant = NewTenant();
        var record = NewRecord(tenant, TimeSpan.FromDays(365));
        await Store.AddAsync(record, None);

        var superseded = record with { State = TokenState.Superseded, Expires = Time.GetUtcNow().AddMinutes(5) };
        await Store.UpdateAsync(superseded, None);
        Assert.Equal([superseded], await Store.ListAsync(tenant, None));

        await Store.UpdateAsync(superseded with { State = TokenState.Revoked }, None);
        var revoked = Assert.Single(await Store.ListAsync(tenant, None));
        // A revoked record's hash is never compared, so stores need not return it (Key Vault cannot).
        Assert.Equal(superseded with { State = TokenState.Revoked, Hash = "" }, revoked with { Hash = "" });
    }

    [Fact]
    public async Task Delete_removes_the_record()
    {
        var tenant = NewTenant();
        var first = NewRecord(tenant, TimeSpan.FromDays(1));
        Time.Advance(TimeSpan.FromSeconds(1));
        var second = NewRecord(tenant, TimeSpan.FromDays(1));
        await Store.AddAsync(first, None);
        await Store.AddAsync(second, None);

        await Store.DeleteAsync(first, None);
        Assert.Equal([second], await Store.ListAsync(tenant, None));

        await Store.DeleteAsync(second, None);
        Assert.Empty(await Store.ListAsync(tenant, None));

        // The tenant can have tokens again after its last one was deleted.
        Time.Advance(TimeSpan.FromSeconds(1));
        var third = NewRecord(tenant, TimeSpan.FromDays(1));
        await Store.AddAsync(third, None);
        Assert.Equal([third], await Store.ListAsync(tenant, None));
    }

    [Fact]
    public async Task Unknown_tenant_lists_nothing_and_tenants_stay_apart()
    {
        Assert.Empty(await Store.ListAsync(NewTenant(), None));

        var tenant = NewTenant();
        await Store.AddAsync(NewRecord(tenant, TimeSpan.FromDays(1)), None);
        Assert.Single(await Store.ListAsync(tenant, None));
        Assert.Empty(await Store.ListAsync(NewTenant(), None));
    }

    [Fact]
    public async Task Issued_token_validates_and_others_do_not()
    {
        var tenant = NewTenant();
        var service = Service();
        var issued = await service.IssueAsync(tenant, null, null, None);

        Assert.StartsWith(TokenService.Prefix, issued.Token);
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(tenant, issued.Token, "client", None));
        Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(tenant, issued.Token + "x", "client", None));
        Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(tenant, null, "client", None));
        Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(tenant, "", "client", None));
        // A fresh instance (another Functions worker) reads the store rather than its own cache.
        Assert.Equal(TokenCheck.Valid, await Service().ValidateAsync(tenant, issued.Token, "client", None));
    }

    [Fact]
    public async Task Rotation_voids_the_old_token_at_once()
    {
        var tenant = NewTenant();
        var service = Service();
        var old = await service.IssueAsync(tenant, null, null, None);
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(tenant, old.Token, "client", None));
        Time.Advance(TimeSpan.FromSeconds(1));

        var current = await service.IssueAsync(tenant, null, null, None);

        Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(tenant, old.Token, "client", None));
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(tenant, current.Token, "client", None));
        var records = await service.ListAsync(tenant, None);
        Assert.Equal([current.Record.Id, old.Record.Id], records.Select(r => r.Id));
        Assert.Equal((TokenState.Superseded, Time.GetUtcNow()), (records[1].State, records[1].Expires));
    }

    [Fact]
    public async Task Rotation_with_overlap_keeps_both_tokens_until_the_overlap_ends()
    {
        var tenant = NewTenant();
        var service = Service();
        var old = await service.IssueAsync(tenant, null, null, None);
        var current = await service.IssueAsync(tenant, null, TimeSpan.FromMinutes(10), None);

        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(tenant, old.Token, "client", None));
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(tenant, current.Token, "client", None));

        Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(tenant, old.Token, "client", None));

        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(tenant, old.Token, "client", None));
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(tenant, current.Token, "client", None));
        Assert.Equal(TokenCheck.Valid, await Service().ValidateAsync(tenant, current.Token, "client", None));
        Assert.Equal(TokenCheck.Invalid, await Service().ValidateAsync(tenant, old.Token, "client", None));
    }

    [Fact]
    public async Task The_application_token_is_its_own_kind_issued_and_revoked_apart_from_the_Secret_Token()
    {
        var tenant = NewTenant();
        var service = Service();
        var secret = await service.IssueAsync(tenant, null, null, None);
        var application = await service.IssueAsync(tenant, null, null, None, TokenKind.Application);
        Assert.StartsWith(TokenService.ApplicationPrefix, application.Token, StringComparison.Ordinal);
        Assert.DoesNotContain(TokenService.ApplicationPrefix, secret.Token, StringComparison.Ordinal);

        // Issuing one kind supersedes nothing of the other, and the kind survives the store (a fresh instance reads it back).
        Assert.Equal(TokenCheck.Valid, await Service().ValidateAsync(tenant, secret.Token, "client", None));
        Assert.Equal(TokenCheck.ValidApplication, await Service().ValidateAsync(tenant, application.Token, "client", None));
        Assert.Equal([TokenKind.Secret, TokenKind.Application], (await Store.ListAsync(tenant, None)).Select(r => r.Kind).Order());

        var next = await service.IssueAsync(tenant, null, null, None, TokenKind.Application);
        Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(tenant, application.Token, "client", None));
        Assert.Equal(TokenCheck.ValidApplication, await service.ValidateAsync(tenant, next.Token, "client", None));
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(tenant, secret.Token, "client", None));

        Assert.Equal(2, await service.RevokeAsync(tenant, null, None, TokenKind.Application)); // the current one and the superseded one
        Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(tenant, next.Token, "client", None));
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(tenant, secret.Token, "client", None));
    }

    [Fact]
    public async Task Revocation_applies_at_once_on_the_same_instance_and_elsewhere_after_the_cache_window()
    {
        var tenant = NewTenant();
        var admin = Service();
        var elsewhere = Service();
        var issued = await admin.IssueAsync(tenant, null, null, None);
        Assert.Equal(TokenCheck.Valid, await admin.ValidateAsync(tenant, issued.Token, "client", None));
        Assert.Equal(TokenCheck.Valid, await elsewhere.ValidateAsync(tenant, issued.Token, "client", None));

        Assert.Equal(1, await admin.RevokeAsync(tenant, null, None));

        Assert.Equal(TokenCheck.Invalid, await admin.ValidateAsync(tenant, issued.Token, "client", None));
        // Documented: another instance keeps its cached copy for at most the cache window.
        Assert.Equal(TokenCheck.Valid, await elsewhere.ValidateAsync(tenant, issued.Token, "client", None));
        Time.Advance(admin.Options.CacheWindow);
        Assert.Equal(TokenCheck.Invalid, await elsewhere.ValidateAsync(tenant, issued.Token, "client", None));
        Assert.Equal(TokenState.Revoked, Assert.Single(await admin.ListAsync(tenant, None)).State);
    }

    [Fact]
    public async Task Expired_token_fails()
    {
        var tenant = NewTenant();
        var service = Service();
        var issued = await service.IssueAsync(tenant, TimeSpan.FromHours(1), null, None);
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(tenant, issued.Token, "client", None));

        Time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(tenant, issued.Token, "client", None));
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(tenant, issued.Token, "client", None));
        Assert.Equal(TokenCheck.Invalid, await Service().ValidateAsync(tenant, issued.Token, "client", None));
    }

    [Fact]
    public async Task Token_of_one_tenant_is_invalid_for_another()
    {
        var (a, b) = (NewTenant(), NewTenant());
        var service = Service();
        var tokenA = await service.IssueAsync(a, null, null, None);
        var tokenB = await service.IssueAsync(b, null, null, None);

        Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(b, tokenA.Token, "client", None));
        Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(a, tokenB.Token, "client", None));
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(a, tokenA.Token, "client", None));
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(b, tokenB.Token, "client", None));
    }

    [Fact]
    public async Task Random_tenant_names_are_throttled_per_address_and_never_cached()
    {
        var service = Service(new TokenOptions { MaxFailuresPerAddress = 5, FailureWindow = TimeSpan.FromMinutes(5) });
        var real = NewTenant();
        var issued = await service.IssueAsync(real, null, null, None);
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(real, issued.Token, "10.0.0.9", None));
        var cached = service.CachedTenantCount;

        for (var i = 0; i < 5; i++)
            Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(NewTenant(), TokenService.Prefix + "x", "10.0.0.9", None));
        for (var i = 0; i < 50; i++)
            Assert.Equal(TokenCheck.Throttled, await service.ValidateAsync(NewTenant(), TokenService.Prefix + "x", "10.0.0.9", None));
        // Names of tenants that do not exist are never kept; the real tenant's token still works from that address.
        Assert.Equal(cached, service.CachedTenantCount);
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(real, issued.Token, "10.0.0.9", None));
        Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(NewTenant(), TokenService.Prefix + "x", "10.0.0.10", None));
    }

    [Fact]
    public async Task Brute_force_from_one_client_is_throttled_while_another_client_is_unaffected()
    {
        var tenant = NewTenant();
        var service = Service(new TokenOptions { MaxFailures = 3, FailureWindow = TimeSpan.FromMinutes(5) });
        var issued = await service.IssueAsync(tenant, null, null, None);

        for (var i = 0; i < 3; i++)
            Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(tenant, TokenService.Prefix + "guess" + i, "10.0.0.66", None));
        Assert.Equal(TokenCheck.Throttled, await service.ValidateAsync(tenant, TokenService.Prefix + "guess", "10.0.0.66", None));
        // The right token still works from the throttled address (issue #21: a stranger sharing the identity
        // provider's addresses must not lock the tenant out; a 256-bit token cannot be found by guessing).
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(tenant, issued.Token, "10.0.0.66", None));
        Assert.Equal(TokenCheck.Throttled, await service.ValidateAsync(tenant, TokenService.Prefix + "guess", "10.0.0.66", None));

        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(tenant, issued.Token, "10.0.0.1", None));
        Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(tenant, TokenService.Prefix + "typo", "10.0.0.1", None));
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(tenant, issued.Token, "10.0.0.1", None));
    }
}
