using Azure.Data.Tables;
using ScimFunctions.Http;
using ScimFunctions.IntegrationTests.KeyVault;
using ScimFunctions.IntegrationTests.Tokens;
using ScimFunctions.Keys;

namespace ScimFunctions.IntegrationTests.Paging;

/// <summary>The cursor key over each store (the tokens table on Azurite; Key Vault through the real SecretClient
/// against the stand-in): instances that start together, each making a key, open each other's cursors, and so
/// does an instance started later; another ring's keys are not it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class CursorKeyTests(AzuriteFixture azurite)
{
    static async Task AssertConvergesAsync(KeyStores stores)
    {
        var clock = new ManualTimeProvider();
        var limits = new ScimLimits();
        var tenant = TenantId.Parse("contoso");
        var state = new CursorState(new PagePosition(3, "token", 1), [10], null);
        // Two instances load at once: both may find the ring empty, each add a key and seal with its own.
        var (a, b) = (new CursorKey(stores, clock), new CursorKey(stores, clock));
        await Task.WhenAll(a.GetAsync(default), b.GetAsync(default));
        Assert.Equal(32, (await a.GetAsync(default))[0].Length);
        var byA = await new PagingCursors(a, limits, clock).SealAsync(tenant, "q", state, default);
        var byB = await new PagingCursors(b, limits, clock).SealAsync(tenant, "q", state, default);
        // A minute on, each opens the other's cursors (reading the ring again if it must), and so does a later instance.
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(state.At, (await new PagingCursors(b, limits, clock).OpenAsync(tenant, "q", byA, default)).At);
        Assert.Equal(state.At, (await new PagingCursors(a, limits, clock).OpenAsync(tenant, "q", byB, default)).At);
        var later = new PagingCursors(new CursorKey(stores, clock), limits, clock);
        Assert.Equal(state.Totals, (await later.OpenAsync(tenant, "q", byA, default)).Totals);
        Assert.Equal(state.Totals, (await later.OpenAsync(tenant, "q", byB, default)).Totals);
        // Another ring's keys are not touched.
        Assert.Empty(await stores.For(KeyRing.EventSigning).ListAsync(default));
    }

    [Fact]
    public async Task Instances_open_each_others_cursors_with_keys_in_the_tokens_table()
    {
        var table = new TableClient(azurite.ConnectionString, "ck" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync();
        await AssertConvergesAsync(new KeyStores(table, null));
    }

    [Fact]
    public async Task Instances_open_each_others_cursors_with_keys_in_key_vault()
    {
        await using var vault = await KeyVaultStandIn.StartAsync();
        var table = new TableClient(azurite.ConnectionString, "ck" + Guid.NewGuid().ToString("N")[..12]);
        await AssertConvergesAsync(new KeyStores(table, vault.CreateClient()));
        Assert.Contains(vault.Requests, r => r.PathAndQuery.StartsWith("/secrets/" + KeyRing.PagingCursors.SecretName, StringComparison.Ordinal));
    }
}
