using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;
using ScimFunctions.Events;
using ScimFunctions.Keys;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Feed;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.IntegrationTests.Tokens;

/// <summary>The timer's job under a controlled clock: expired and superseded tokens are disabled, long-dead
/// ones deleted; a live token is left alone; superseded signing keys leave the published set after their retention.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class MaintenanceJobTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Disables_expired_and_superseded_tokens_then_deletes_them_after_30_days()
    {
        var tables = await TablesAsync();
        var time = new ManualTimeProvider();
        var tenants = new TenantStore(tables, time);
        var store = new TableTokenStore(tables);
        var service = new TokenService(store, time, new TokenOptions { CacheWindow = TimeSpan.Zero });
        var job = Job(tables, time);
        var expiring = TenantId.Parse("expiring");
        var rotating = TenantId.Parse("rotating");

        await tenants.CreateAsync(expiring, CancellationToken.None);
        await tenants.CreateAsync(rotating, CancellationToken.None);
        var shortLived = await service.IssueAsync(expiring, TimeSpan.FromDays(1), null, CancellationToken.None);
        await service.IssueAsync(rotating, null, null, CancellationToken.None);
        var current = await service.IssueAsync(rotating, null, null, CancellationToken.None);

        // Before expiry: only the superseded token is disabled.
        var first = await job.RunAsync(CancellationToken.None);
        // (And the one-day token is warned about: 1 day left.)
        Assert.Equal(new MaintenanceSummary(2, 1, 0, 0, TokensExpiringSoon: 1), first);

        // After expiry the token is rejected even before the job runs; the job then disables it.
        time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(TokenCheck.Invalid, await service.ValidateAsync(expiring, shortLived.Token, "test", CancellationToken.None));
        Assert.Equal(new MaintenanceSummary(2, 1, 0, 0), await job.RunAsync(CancellationToken.None));
        Assert.Equal(TokenState.Revoked, (await store.ListAsync(expiring, CancellationToken.None)).Single().State);

        // 30 days on, both dead records are deleted; the current token is untouched and still valid.
        time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(new MaintenanceSummary(2, 0, 2, 0), await job.RunAsync(CancellationToken.None));
        Assert.Empty(await store.ListAsync(expiring, CancellationToken.None));
        Assert.Equal(current.Record.Id, (await store.ListAsync(rotating, CancellationToken.None)).Single().Id);
        Assert.Equal(TokenCheck.Valid, await service.ValidateAsync(rotating, current.Token, "test", CancellationToken.None));
    }

    [Fact]
    public async Task Retires_signing_keys_superseded_for_longer_than_the_retention()
    {
        var tables = await TablesAsync();
        var time = new ManualTimeProvider();
        var options = new SigningKeyOptions();
        // The job's ring and a separate reader over the same table (another instance serving the JWKS).
        var ring = new SigningKeyRing(new TableKeyStore(tables.Tokens, KeyRing.EventSigning), time, options);
        var job = Job(tables, time, ring);
        var old = await ring.GetSigningKeyAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromDays(1));
        var next = await ring.RotateAsync(CancellationToken.None);

        time.Advance(options.KeepSupersededFor - TimeSpan.FromMinutes(1));
        Assert.Equal(0, (await job.RunAsync(CancellationToken.None)).SigningKeysRetired);
        Assert.Equal([old.Kid, next.Kid], await PublishedKidsAsync(tables, time));

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, (await job.RunAsync(CancellationToken.None)).SigningKeysRetired);
        Assert.Equal([next.Kid], await PublishedKidsAsync(tables, time));
        Assert.Equal(0, (await job.RunAsync(CancellationToken.None)).SigningKeysRetired);
    }

    [Fact]
    public async Task Deletes_expired_scan_bookmarks_of_each_tenant_and_keeps_live_ones()
    {
        var tables = await TablesAsync();
        var time = new ManualTimeProvider();
        var books = TenantId.Parse("books");
        // Its keys start with "books" too: the purge of "books" must not reach it.
        var other = TenantId.Parse("books-2");
        await new TenantStore(tables, time).CreateAsync(books, CancellationToken.None);
        var rows = new ScanBookmarkStore(tables);
        var bookmark = new ScanBookmark("token", 3, 1001, 2500, 3);
        var now = time.GetUtcNow();
        await rows.SaveAsync(books, "Users|active eq true", bookmark, now - TimeSpan.FromMinutes(1), CancellationToken.None);
        await rows.SaveAsync(books, "Groups|", bookmark, now + TimeSpan.FromMinutes(4), CancellationToken.None);
        await rows.SaveAsync(other, "Users|active eq true", bookmark, now - TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal(1, (await Job(tables, time).RunAsync(CancellationToken.None)).ScanBookmarksPurged);
        Assert.Null(await rows.GetAsync(books, "Users|active eq true", CancellationToken.None));
        Assert.Equal((bookmark, now + TimeSpan.FromMinutes(4)), await rows.GetAsync(books, "Groups|", CancellationToken.None));
        Assert.NotNull(await rows.GetAsync(other, "Users|active eq true", CancellationToken.None));
        Assert.Equal(0, (await Job(tables, time).RunAsync(CancellationToken.None)).ScanBookmarksPurged);

        // Expired later: purged then.
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, (await Job(tables, time).RunAsync(CancellationToken.None)).ScanBookmarksPurged);
        Assert.Null(await rows.GetAsync(books, "Groups|", CancellationToken.None));
        Assert.Equal(1, await rows.PurgeExpiredAsync(other, time.GetUtcNow(), CancellationToken.None));
    }

    static async Task<string[]> PublishedKidsAsync(ScimTables tables, TimeProvider time) =>
        [.. (await new SigningKeyRing(new TableKeyStore(tables.Tokens, KeyRing.EventSigning), time, new SigningKeyOptions()).GetJwksAsync(CancellationToken.None))["keys"]!
            .AsArray().Select(k => k!["kid"]!.GetValue<string>())];

    async Task<ScimTables> TablesAsync()
    {
        var tables = new ScimTables(new StorageOptions { ConnectionString = azurite.ConnectionString, TablePrefix = "m" + Guid.NewGuid().ToString("N")[..8] },
            new StorageRequestCounter());
        await tables.EnsureCreatedAsync();
        return tables;
    }

    static MaintenanceJob Job(ScimTables tables, TimeProvider time, SigningKeyRing? keys = null)
    {
        var tenants = new TenantStore(tables, time);
        return new(tenants, new TableTokenStore(tables), new AuditLog(tables, time), new AuditOptions(), new FeedRows(tables), new FeedOptions(),
            keys ?? new SigningKeyRing(new TableKeyStore(tables.Tokens, KeyRing.EventSigning), time, new SigningKeyOptions()),
            new UserGroupsBackfill(tables, new MembershipStore(tables, new ResourceStore(tables, time), time), tenants, time), new ScanBookmarkStore(tables),
            time, NullLogger<MaintenanceJob>.Instance);
    }

    [Theory]
    [InlineData(365, null)]
    [InlineData(31, null)]
    [InlineData(30, 30)]
    [InlineData(8, 30)]
    [InlineData(7, 7)]
    [InlineData(2, 7)]
    [InlineData(1, 1)]
    public void Active_tokens_are_warned_about_at_30_7_and_1_days_left(int daysLeft, int? warning)
    {
        var now = DateTimeOffset.UtcNow;
        var record = new TokenRecord(TenantId.Parse("t"), "id", "", "scimf_abc", now.AddDays(-10), now.AddDays(daysLeft), TokenState.Active);
        Assert.Equal(daysLeft, record.DaysLeftAt(now));
        Assert.Equal(warning, record.ExpiryWarningAt(now));
        // Superseded (rotated) and revoked tokens are not warned about: a newer one is in place.
        Assert.Null((record with { State = TokenState.Superseded }).ExpiryWarningAt(now));
        Assert.Null((record with { State = TokenState.Revoked }).ExpiryWarningAt(now));
    }
}
