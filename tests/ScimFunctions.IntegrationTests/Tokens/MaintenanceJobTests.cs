using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Feed;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.IntegrationTests.Tokens;

/// <summary>The timer's job under a controlled clock: expired and superseded tokens are disabled, long-dead
/// ones deleted; a live token is left alone.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class MaintenanceJobTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Disables_expired_and_superseded_tokens_then_deletes_them_after_30_days()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var tables = new ScimTables(new StorageOptions { ConnectionString = azurite.ConnectionString, TablePrefix = "m" + suffix }, new StorageRequestCounter());
        await tables.EnsureCreatedAsync();
        var time = new ManualTimeProvider();
        var tenants = new TenantStore(tables, time);
        var store = new TableTokenStore(tables);
        var service = new TokenService(store, time, new TokenOptions { CacheWindow = TimeSpan.Zero });
        var job = new MaintenanceJob(tenants, store, new AuditLog(tables, time), new AuditOptions(), new FeedRows(tables), new FeedOptions(),
            time, NullLogger<MaintenanceJob>.Instance);
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
