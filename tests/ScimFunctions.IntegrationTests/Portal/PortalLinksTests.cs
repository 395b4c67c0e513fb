using System.Buffers.Text;
using Azure.Data.Tables;
using ScimFunctions.Administration;
using ScimFunctions.Administration.Portal;
using ScimFunctions.IntegrationTests.KeyVault;
using ScimFunctions.Keys;
using ScimFunctions.IntegrationTests.Tokens;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.IntegrationTests.Portal;

/// <summary>The self-service page's signed links and sessions over each key store: the table on Azurite, and Key
/// Vault through the real <see cref="Azure.Security.KeyVault.Secrets.SecretClient"/> against the stand-in. Link
/// rows and audit entries on Azurite in both cases.</summary>
public abstract class PortalLinksContract(AzuriteFixture azurite) : IAsyncLifetime
{
    static readonly CancellationToken None = CancellationToken.None;
    const string Origin = "https://scim.example.com";
    protected readonly ManualTimeProvider Time = new();
    readonly TenantId _tenant = TenantId.Parse("pl-" + Guid.NewGuid().ToString("N")[..8]);
    readonly TenantId _other = TenantId.Parse("po-" + Guid.NewGuid().ToString("N")[..8]);
    ScimTables _tables = null!;
    TenantStore _tenants = null!;

    protected AzuriteFixture Azurite => azurite;
    protected TenantId Tenant => _tenant;
    protected ScimTables Tables => _tables;
    protected TenantStore Tenants => _tenants;

    protected abstract Task<IKeyStore> CreateStoreAsync();

    public async Task InitializeAsync()
    {
        _tables = new ScimTables(new StorageOptions { ConnectionString = azurite.ConnectionString, TablePrefix = "p" + Guid.NewGuid().ToString("N")[..10] }, new StorageRequestCounter());
        await _tables.EnsureCreatedAsync();
        _tenants = new TenantStore(_tables, Time);
        await _tenants.CreateAsync(_tenant, None);
        await _tenants.CreateAsync(_other, None);
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    PortalLinks Links(IKeyStore store) => new(store, _tables, _tenants, new AuditLog(_tables, Time), Time, new PortalLinkOptions());

    static string Token(PortalLink link) => link.Url[(link.Url.LastIndexOf('/') + 1)..];

    static async Task<PortalRefusal> RefusedAsync(Func<Task> action) => (await Assert.ThrowsAsync<PortalRefusedException>(action)).Reason;

    [Fact]
    public async Task A_link_opens_a_session_for_its_tenant_on_any_instance_and_its_actions_name_the_link()
    {
        var store = await CreateStoreAsync();
        var link = await Links(store).CreateAsync(_tenant, Origin, TimeSpan.FromMinutes(30), AdminCaller.Cli, None);
        Assert.StartsWith($"{Origin}/scim/portal/{_tenant.Value}/open/", link.Url);
        Assert.Equal(Time.GetUtcNow().AddMinutes(30).ToUnixTimeSeconds(), link.Expires.ToUnixTimeSeconds());

        // Another instance (its own key cache) verifies it.
        var other = Links(store);
        var (session, cookie) = await other.OpenAsync(_tenant, Token(link), None);
        Assert.Equal((_tenant, link.Id, "page/" + link.Id), (session.Tenant, session.LinkId, session.Caller.Client));
        Assert.Equal(session, await Links(store).ValidateSessionAsync(_tenant, cookie, None));

        // The CSRF proof belongs to this session only.
        var csrf = await other.CsrfTokenAsync(session, None);
        Assert.True(await Links(store).IsValidCsrfAsync(session, csrf, None));
        Assert.False(await other.IsValidCsrfAsync(session, cookie, None));
        Assert.False(await other.IsValidCsrfAsync(session, null, None));
        var second = await other.OpenAsync(_tenant, Token(await other.CreateAsync(_tenant, Origin, null, AdminCaller.Cli, None)), None);
        Assert.False(await other.IsValidCsrfAsync(second.Session, csrf, None));

        var audit = new AuditLog(_tables, Time);
        var entries = new List<AuditEntry>();
        await foreach (var e in audit.QueryAsync(_tenant, Time.GetUtcNow().AddHours(-1), Time.GetUtcNow().AddHours(1), link.Id, null, None)) entries.Add(e);
        Assert.Equal(("CREATE PortalLink", "cli"), (Assert.Single(entries).Operation, entries[0].Client));
    }

    [Fact]
    public async Task Forged_tampered_other_tenants_expired_and_revoked_links_are_refused()
    {
        var links = Links(await CreateStoreAsync());
        var link = await links.CreateAsync(_tenant, Origin, TimeSpan.FromMinutes(10), AdminCaller.Cli, None);
        var token = Token(link);
        var (payload, signature) = (token.Split('.')[0], token.Split('.')[1]);

        Assert.Equal(PortalRefusal.Malformed, await RefusedAsync(() => links.OpenAsync(_tenant, "nonsense", None)));
        // The payload rewritten to a longer expiry, signature kept: forged.
        var longer = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(payload)).Split('|');
        longer[4] = (long.Parse(longer[4], CultureInfo.InvariantCulture) + 86_400).ToString(CultureInfo.InvariantCulture);
        var rewritten = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join('|', longer))) + "." + signature;
        Assert.Equal(PortalRefusal.Forged, await RefusedAsync(() => links.OpenAsync(_tenant, rewritten, None)));
        var flipped = payload + "." + (signature[0] == 'A' ? 'B' : 'A') + signature[1..];
        Assert.Equal(PortalRefusal.Forged, await RefusedAsync(() => links.OpenAsync(_tenant, flipped, None)));
        // Genuine, but opened on another tenant's page.
        Assert.Equal(PortalRefusal.OtherTenant, await RefusedAsync(() => links.OpenAsync(_other, token, None)));
        // A link is not a session, nor a session a link.
        Assert.Equal(PortalRefusal.Malformed, await RefusedAsync(() => links.ValidateSessionAsync(_tenant, token, None)));
        var (session, cookie) = await links.OpenAsync(_tenant, token, None);
        Assert.Equal(PortalRefusal.Malformed, await RefusedAsync(() => links.OpenAsync(_tenant, cookie, None)));
        Assert.Equal(PortalRefusal.OtherTenant, await RefusedAsync(() => links.ValidateSessionAsync(_other, cookie, None)));

        // Expired: the link after its lifetime; the session it started lasts its own hour.
        Time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(PortalRefusal.Expired, await RefusedAsync(() => links.OpenAsync(_tenant, token, None)));
        Assert.Equal(session, await links.ValidateSessionAsync(_tenant, cookie, None));
        Time.Advance(TimeSpan.FromMinutes(50));
        Assert.Equal(PortalRefusal.Expired, await RefusedAsync(() => links.ValidateSessionAsync(_tenant, cookie, None)));

        // Revoked: the link no longer opens, and the sessions it started end at once.
        var fresh = await links.CreateAsync(_tenant, Origin, null, AdminCaller.Cli, None);
        var opened = await links.OpenAsync(_tenant, Token(fresh), None);
        Assert.Equal(1, await links.RevokeAsync(_tenant, fresh.Id, AdminCaller.Cli, None));
        Assert.Equal(PortalRefusal.Revoked, await RefusedAsync(() => links.OpenAsync(_tenant, Token(fresh), None)));
        Assert.Equal(PortalRefusal.Revoked, await RefusedAsync(() => links.ValidateSessionAsync(_tenant, opened.Cookie, None)));
        Assert.Equal(["Revoked", "Expired"], (await links.ListAsync(_tenant, None)).Select(l => l.StateAt(Time.GetUtcNow())));
    }

    [Fact]
    public async Task Lifetimes_outside_the_bounds_and_unknown_tenants_are_refused_before_anything_is_written()
    {
        var links = Links(await CreateStoreAsync());
        Assert.Equal(AdminErrorKind.InvalidArgument, (await Assert.ThrowsAsync<AdminException>(() => links.CreateAsync(_tenant, Origin, TimeSpan.FromHours(25), AdminCaller.Cli, None))).Kind);
        Assert.Equal(AdminErrorKind.InvalidArgument, (await Assert.ThrowsAsync<AdminException>(() => links.CreateAsync(_tenant, Origin, TimeSpan.Zero, AdminCaller.Cli, None))).Kind);
        Assert.Equal(AdminErrorKind.TenantNotFound, (await Assert.ThrowsAsync<AdminException>(() => links.CreateAsync(TenantId.Parse("nobody-here"), Origin, null, AdminCaller.Cli, None))).Kind);
        Assert.Empty(await links.ListAsync(_tenant, None));
    }

    [Fact]
    public async Task Rotation_signs_with_the_new_key_keeps_earlier_links_and_retiring_ends_them()
    {
        var store = await CreateStoreAsync();
        var links = Links(store);
        var before = await links.CreateAsync(_tenant, Origin, null, AdminCaller.Cli, None);
        var first = Assert.Single(await store.ListAsync(None));
        Time.Advance(TimeSpan.FromMinutes(1));

        var newKey = await links.RotateKeyAsync(retirePrevious: false, None);
        var after = await links.CreateAsync(_tenant, Origin, null, AdminCaller.Cli, None);
        Assert.Equal([first.Id, newKey], (await store.ListAsync(None)).Select(k => k.Id));
        Assert.Contains("|" + newKey + "|", Encoding.UTF8.GetString(Base64Url.DecodeFromChars(Token(after).Split('.')[0])));
        await links.OpenAsync(_tenant, Token(before), None);
        await Links(store).OpenAsync(_tenant, Token(after), None);

        await links.RotateKeyAsync(retirePrevious: true, None);
        Assert.Single(await store.ListAsync(None));
        // Another instance reads the store afresh: both earlier links are refused as unsigned.
        Assert.Equal(PortalRefusal.Forged, await RefusedAsync(() => Links(store).OpenAsync(_tenant, Token(before), None)));
        Assert.Equal(PortalRefusal.Forged, await RefusedAsync(() => Links(store).OpenAsync(_tenant, Token(after), None)));
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class TablePortalLinksTests(AzuriteFixture azurite) : PortalLinksContract(azurite)
{
    protected override async Task<IKeyStore> CreateStoreAsync()
    {
        var table = new TableClient(Azurite.ConnectionString, "plk" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync();
        return new TableKeyStore(table, KeyRing.PortalLinks);
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class KeyVaultPortalLinksTests(AzuriteFixture azurite) : PortalLinksContract(azurite)
{
    readonly KeyVaultStandIns _vaults = new();

    protected override async Task<IKeyStore> CreateStoreAsync() => new KeyVaultKeyStore((await _vaults.StartAsync()).CreateClient(), KeyRing.PortalLinks);

    public override async Task DisposeAsync() => await _vaults.DisposeAsync();

    [Fact]
    public async Task The_key_is_a_version_of_its_secret_and_a_retired_one_is_disabled_so_the_vault_no_longer_returns_it()
    {
        var client = (await _vaults.StartAsync()).CreateClient();
        var links = new PortalLinks(new KeyVaultKeyStore(client, KeyRing.PortalLinks), Tables, Tenants, new ScimFunctions.Storage.Audit.AuditLog(Tables, Time), Time, new PortalLinkOptions());
        await links.CreateAsync(Tenant, "https://scim.example.com", null, AdminCaller.Cli, CancellationToken.None);
        var first = Assert.Single(await client.GetPropertiesOfSecretVersionsAsync(KeyRing.PortalLinks.SecretName).ToListAsync());
        Assert.Equal((true, KeyRing.PortalLinks.ContentType), (first.Enabled, first.ContentType));
        Assert.Equal(32, Convert.FromBase64String((await client.GetSecretAsync(KeyRing.PortalLinks.SecretName, first.Version)).Value.Value).Length);

        await links.RotateKeyAsync(retirePrevious: true, CancellationToken.None);
        var versions = await client.GetPropertiesOfSecretVersionsAsync(KeyRing.PortalLinks.SecretName).ToListAsync();
        Assert.Equal([false, true], versions.OrderBy(v => v.CreatedOn).Select(v => v.Enabled == true));
        Assert.Equal(403, (await Assert.ThrowsAsync<Azure.RequestFailedException>(() => client.GetSecretAsync(KeyRing.PortalLinks.SecretName, first.Version))).Status);
    }
}
