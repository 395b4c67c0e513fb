using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.IdentityModel.JsonWebTokens;
using ScimFunctions.Events;
using ScimFunctions.Keys;
using ScimFunctions.IntegrationTests.KeyVault;
using ScimFunctions.IntegrationTests.Tokens;

namespace ScimFunctions.IntegrationTests.Events;

/// <summary>The signing key ring over each store: the table on Azurite, and Key Vault through the real
/// <see cref="Azure.Security.KeyVault.Secrets.SecretClient"/> against the stand-in. Signatures are checked with
/// Microsoft.IdentityModel's validation against the JWKS the ring publishes.</summary>
public abstract class SigningKeyStoreContract : IAsyncLifetime
{
    static readonly CancellationToken None = CancellationToken.None;
    const string Issuer = "https://scim.example.com/scim/v2/contoso", Audience = "receiver-1";

    protected readonly ManualTimeProvider Time = new();
    static readonly SigningKeyOptions Options = new()
    {
        CacheDuration = TimeSpan.FromMinutes(1),
        PublishBeforeUse = TimeSpan.FromMinutes(2),
        KeepSupersededFor = TimeSpan.FromDays(30),
    };

    protected abstract Task<IKeyStore> CreateStoreAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    async Task<SigningKeyRing> RingAsync(IKeyStore? store = null) => new(store ?? await CreateStoreAsync(), Time, Options);

    static SecurityEvent Set(string id) => Assert.Single(SecurityEventMapper.Map(JsonNode.Parse($$"""
        {"v":1,"id":"{{id}}","type":"user.updated","time":"2025-01-14T09:30:02Z","tenant":"contoso","userId":"u1","version":2,"changed":["title"],"requestId":"r1"}
        """)!.AsObject(), Issuer, Audience));

    static async Task<bool> VerifiesAsync(string token, JsonObject jwks) => (await SetVerification.ValidateAsync(token, jwks, Issuer, Audience)).IsValid;

    static string Kid(string token) => new JsonWebToken(token).Kid;

    [Fact]
    public async Task The_first_key_is_made_on_first_use_and_every_instance_signs_with_it()
    {
        var store = await CreateStoreAsync();
        var one = await RingAsync(store);
        var two = await RingAsync(store);
        var token = await new SecurityEventSigner(one).SignAsync(Set("e1"), None);
        Assert.Equal(Kid(token), Kid(await new SecurityEventSigner(two).SignAsync(Set("e2"), None)));
        Assert.True(await VerifiesAsync(token, await two.GetJwksAsync(None)));
        Assert.Single((await two.GetJwksAsync(None))["keys"]!.AsArray());
    }

    [Fact]
    public async Task Rotation_publishes_the_new_key_before_it_signs_and_keeps_verifying_what_the_old_one_signed()
    {
        var store = await CreateStoreAsync();
        var ring = await RingAsync(store);
        var signer = new SecurityEventSigner(ring);
        var before = await signer.SignAsync(Set("e1"), None);
        Time.Advance(TimeSpan.FromDays(1));

        var next = await ring.RotateAsync(None);
        // Published at once (another instance's fresh ring reads it), not yet signing.
        var published = await (await RingAsync(store)).GetJwksAsync(None);
        Assert.Equal([Kid(before), next.Kid], published["keys"]!.AsArray().Select(k => k!["kid"]!.GetValue<string>()));
        Assert.Equal(Kid(before), Kid(await signer.SignAsync(Set("e2"), None)));

        Time.Advance(Options.PublishBeforeUse);
        var after = await signer.SignAsync(Set("e3"), None);
        Assert.Equal(next.Kid, Kid(after));
        var jwks = await ring.GetJwksAsync(None);
        Assert.True(await VerifiesAsync(before, jwks), "signed before rotation");
        Assert.True(await VerifiesAsync(after, jwks), "signed after rotation");
    }

    [Fact]
    public async Task Superseded_keys_are_retired_only_after_the_retention_and_then_stop_verifying()
    {
        var store = await CreateStoreAsync();
        var ring = await RingAsync(store);
        var old = await new SecurityEventSigner(ring).SignAsync(Set("e1"), None);
        Time.Advance(TimeSpan.FromHours(1));
        var next = await ring.RotateAsync(None);

        Time.Advance(Options.KeepSupersededFor - TimeSpan.FromMinutes(1));
        Assert.Empty(await ring.RetireSupersededAsync(None));
        Assert.True(await VerifiesAsync(old, await ring.GetJwksAsync(None)));

        Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal([Kid(old)], await ring.RetireSupersededAsync(None));
        var jwks = await (await RingAsync(store)).GetJwksAsync(None);
        Assert.Equal([next.Kid], jwks["keys"]!.AsArray().Select(k => k!["kid"]!.GetValue<string>()));
        Assert.False(await VerifiesAsync(old, jwks));
        Assert.Equal(next.Kid, (await ring.GetSigningKeyAsync(None)).Kid);
    }

    [Fact]
    public async Task The_stored_key_round_trips_with_its_id_and_creation_time()
    {
        var store = await CreateStoreAsync();
        var key = SigningKey.Create(Time.GetUtcNow());
        await store.AddAsync(key.ToStored(), None);
        var read = SigningKey.FromStored(Assert.Single(await store.ListAsync(None)));
        Assert.Equal((key.Kid, key.Created, key.PrivateKeyPkcs8), (read.Kid, read.Created, read.PrivateKeyPkcs8));
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class TableSigningKeyStoreTests(AzuriteFixture azurite) : SigningKeyStoreContract
{
    protected override async Task<IKeyStore> CreateStoreAsync()
    {
        var table = new TableClient(azurite.ConnectionString, "keys" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync();
        return new TableKeyStore(table, KeyRing.EventSigning);
    }
}

public sealed class KeyVaultSigningKeyStoreTests : SigningKeyStoreContract
{
    readonly KeyVaultStandIns _vaults = new();

    protected override async Task<IKeyStore> CreateStoreAsync() => new KeyVaultKeyStore((await _vaults.StartAsync()).CreateClient(), KeyRing.EventSigning);

    public override async Task DisposeAsync() => await _vaults.DisposeAsync();

    [Fact]
    public async Task A_retired_key_is_a_disabled_version_whose_value_the_vault_no_longer_returns()
    {
        var client = (await _vaults.StartAsync()).CreateClient();
        var store = new KeyVaultKeyStore(client, KeyRing.EventSigning);
        var key = SigningKey.Create(Time.GetUtcNow());
        await store.AddAsync(key.ToStored(), CancellationToken.None);
        await store.RetireAsync(key.ToStored(), CancellationToken.None);

        var version = Assert.Single(await client.GetPropertiesOfSecretVersionsAsync(KeyRing.EventSigning.SecretName).ToListAsync());
        Assert.Equal((false, key.Kid, "application/pkcs8"), (version.Enabled, version.Tags["kid"], version.ContentType));
        var refused = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => client.GetSecretAsync(KeyRing.EventSigning.SecretName, version.Version));
        Assert.Equal(403, refused.Status);
        Assert.Empty(await store.ListAsync(CancellationToken.None));
    }
}
