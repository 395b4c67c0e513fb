using System.Net.Http.Headers;
using System.Security.Cryptography;
using Azure;
using Azure.Security.KeyVault.Secrets;
using ScimFunctions.IntegrationTests.Tokens;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.IntegrationTests.KeyVault;

/// <summary>What the contract tests cannot see: the Key Vault protocol between <see cref="KeyVaultTokenStore"/>,
/// the real <see cref="SecretClient"/> and the stand-in (authentication, paging, attributes, errors).</summary>
public sealed class KeyVaultStandInTests : IAsyncLifetime
{
    static readonly CancellationToken None = CancellationToken.None;

    readonly ManualTimeProvider _time = new();
    KeyVaultStandIn _vault = null!;
    SecretClient _client = null!;
    KeyVaultTokenStore _store = null!;

    public async Task InitializeAsync()
    {
        _vault = await KeyVaultStandIn.StartAsync(pageSize: 2);
        _client = _vault.CreateClient();
        _store = new KeyVaultTokenStore(_client, _time);
    }

    public async Task DisposeAsync() => await _vault.DisposeAsync();

    static TenantId NewTenant() => TenantId.Parse("t" + Guid.NewGuid().ToString("N")[..12]);

    TokenRecord NewRecord(TenantId tenant, TimeSpan lifetime) => new(tenant, Guid.CreateVersion7().ToString("N"),
        TokenService.Hash(TokenService.Prefix + Guid.NewGuid()), TokenService.Prefix + "abcdef", _time.GetUtcNow(), _time.GetUtcNow() + lifetime, TokenState.Active);

    IEnumerable<SeenRequest> RequestsTo(TenantId tenant, string suffix = "") =>
        _vault.Requests.Where(r => r.PathAndQuery.StartsWith($"/secrets/{KeyVaultTokenStore.SecretName(tenant)}{suffix}", StringComparison.Ordinal));

    [Fact]
    public async Task First_request_is_challenged_then_repeated_with_the_credentials_token()
    {
        var tenant = NewTenant();
        await _store.AddAsync(NewRecord(tenant, TimeSpan.FromDays(1)), None);
        await _store.ListAsync(tenant, None);

        var requests = _vault.Requests;
        // Without a cached challenge the client sends the request bare and without its body ...
        Assert.Equal(("PUT", null, 0, 401), (requests[0].Method, requests[0].Authorization, requests[0].BodyLength, requests[0].Status));
        // ... learns from the 401 whom to ask for a token, and sends the request again, with token and body.
        Assert.Equal(("PUT", "Bearer " + FakeVaultCredential.Token, 200), (requests[1].Method, requests[1].Authorization, requests[1].Status));
        Assert.Equal(requests[0].PathAndQuery, requests[1].PathAndQuery);
        Assert.True(requests[1].BodyLength > 0);
        // Later requests carry the token from the start.
        Assert.All(requests.Skip(2), r => Assert.Equal(("Bearer " + FakeVaultCredential.Token, 200), (r.Authorization, r.Status)));

        var asked = Assert.Single(_vault.Credential.Requests);
        Assert.Equal(["https://vault.azure.net/.default"], asked.Scopes);
        Assert.Equal(KeyVaultStandIn.TenantId, asked.TenantId);
    }

    [Fact]
    public async Task Requests_without_the_right_bearer_get_the_challenge()
    {
        var thumbprint = _vault.Certificate.GetCertHashString(HashAlgorithmName.SHA256);
        using var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, c, _, _) => c?.GetCertHashString(HashAlgorithmName.SHA256) == thumbprint },
        }) { BaseAddress = _vault.VaultUri };

        foreach (var bearer in new[] { null, "not-the-token" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "secrets/x/versions?api-version=7.6");
            if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal(KeyVaultStandIn.Challenge, response.Headers.WwwAuthenticate.ToString());
            Assert.Equal("Unauthorized", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetString("code"));
        }

        // A client that does not pin the stand-in's certificate refuses the connection.
        using var untrusting = new HttpClient { BaseAddress = _vault.VaultUri };
        await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync("secrets/x/versions?api-version=7.6"));
    }

    [Fact]
    public async Task Missing_secret_is_a_404_and_an_empty_list()
    {
        var tenant = NewTenant();

        Assert.Empty(await _store.ListAsync(tenant, None));

        var seen = RequestsTo(tenant, "/versions").Last();
        Assert.Equal(("GET", 404), (seen.Method, seen.Status));
        var missing = await Assert.ThrowsAsync<RequestFailedException>(() => _client.GetSecretAsync(KeyVaultTokenStore.SecretName(tenant)));
        Assert.Equal((404, "SecretNotFound"), (missing.Status, missing.ErrorCode));
    }

    [Fact]
    public async Task Versions_are_listed_page_by_page_following_nextLink()
    {
        var tenant = NewTenant();
        var added = new List<TokenRecord>();
        for (var i = 0; i < 5; i++)
        {
            added.Add(NewRecord(tenant, TimeSpan.FromDays(1)));
            await _store.AddAsync(added[^1], None);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var before = _vault.Requests.Count;
        var listed = await _store.ListAsync(tenant, None);

        Assert.Equal(Enumerable.Reverse(added), listed);
        var pages = _vault.Requests.Skip(before).Where(r => r.PathAndQuery.Contains("/versions", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, pages.Count); // 2 + 2 + 1 at two per page
        Assert.DoesNotContain("$skiptoken", pages[0].PathAndQuery, StringComparison.Ordinal);
        Assert.All(pages.Skip(1), p => Assert.Contains("$skiptoken", p.PathAndQuery, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_enabled_unexpired_versions_are_read_and_the_value_is_the_hash()
    {
        var tenant = NewTenant();
        var expiring = NewRecord(tenant, TimeSpan.FromMinutes(1));
        var revoked = NewRecord(tenant, TimeSpan.FromDays(1));
        var active = NewRecord(tenant, TimeSpan.FromDays(1));
        foreach (var r in new[] { expiring, revoked, active }) await _store.AddAsync(r, None);
        await _store.UpdateAsync(revoked with { State = TokenState.Revoked }, None);
        _time.Advance(TimeSpan.FromMinutes(1));

        var before = _vault.Requests.Count;
        var listed = await _store.ListAsync(tenant, None);

        var reads = _vault.Requests.Skip(before).Where(r => r.Method == "GET" && !r.PathAndQuery.Contains("/versions", StringComparison.Ordinal));
        Assert.Single(reads);
        Assert.Equal(active.Hash, listed.Single(r => r.Id == active.Id).Hash);
        Assert.Equal(["", ""], listed.Where(r => r.Id != active.Id).Select(r => r.Hash));
        Assert.Equal(TokenState.Revoked, listed.Single(r => r.Id == revoked.Id).State);
    }

    [Fact]
    public async Task Attribute_updates_are_persisted_in_the_vault()
    {
        var tenant = NewTenant();
        var record = NewRecord(tenant, TimeSpan.FromDays(365));
        await _store.AddAsync(record, None);
        var name = KeyVaultTokenStore.SecretName(tenant);
        var version = await SingleVersionAsync(name);
        Assert.Equal(record.Hash, (await _client.GetSecretAsync(name, version)).Value.Value);

        var expires = _time.GetUtcNow().AddMinutes(5);
        await _store.UpdateAsync(record with { State = TokenState.Superseded, Expires = expires }, None);
        var stored = _vault.Inspect(name, version)!;
        Assert.True(stored["attributes"]!.GetBoolean("enabled"));
        Assert.Equal(expires.ToUnixTimeSeconds(), stored["attributes"]!.GetInt64("exp"));
        Assert.Equal("Superseded", stored["tags"]!.GetString("state"));
        Assert.Equal(record.Id, stored["tags"]!.GetString("tokenId"));
        Assert.Equal(record.Prefix, stored["tags"]!.GetString("prefix"));

        await _store.UpdateAsync(record with { State = TokenState.Revoked, Expires = expires }, None);
        var properties = (await _client.GetPropertiesOfSecretVersionsAsync(name).ToListAsync()).Single();
        Assert.Equal((false, expires, "Revoked"), (properties.Enabled, properties.ExpiresOn, properties.Tags["state"]));
        var disabled = await Assert.ThrowsAsync<RequestFailedException>(() => _client.GetSecretAsync(name, version));
        Assert.Equal(403, disabled.Status);
    }

    [Fact]
    public async Task Delete_disables_the_version_and_keeps_the_secret()
    {
        var tenant = NewTenant();
        var record = NewRecord(tenant, TimeSpan.FromDays(1));
        await _store.AddAsync(record, None);

        // A fresh store (another instance) has to find the version by its tokenId tag.
        await new KeyVaultTokenStore(_client, _time).DeleteAsync(record, None);

        Assert.Empty(await _store.ListAsync(tenant, None));
        var name = KeyVaultTokenStore.SecretName(tenant);
        var stored = _vault.Inspect(name, await SingleVersionAsync(name))!;
        Assert.False(stored["attributes"]!.GetBoolean("enabled"));
        Assert.Equal("Deleted", stored["tags"]!.GetString("state"));
        Assert.DoesNotContain(_vault.Requests, r => r.Method == "DELETE");
    }

    async Task<string> SingleVersionAsync(string name) =>
        (await _client.GetPropertiesOfSecretVersionsAsync(name).ToListAsync()).Single().Version;
}
