using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ScimFunctions.Administration;
using ScimFunctions.Administration.Portal;
using ScimFunctions.IntegrationTests;
using ScimFunctions.Protocol;

namespace ScimFunctions.Portal.Tests;

/// <summary>One Azurite, one local host (as `dotnet run` starts it, on a free port of 127.0.0.1) and one headless
/// chromium for the whole class; each test takes its own tenants and its own browser context (cookies).</summary>
public sealed class PortalFixture : IAsyncLifetime
{
    /// <summary>Debian's chromium (apt-get install chromium; .ci/run installs it when missing).</summary>
    public const string Chromium = "/usr/bin/chromium";

    readonly AzuriteFixture _azurite = new();
    ScimHost? _host;
    IPlaywright? _playwright;

    public ScimHost Host => _host ?? throw new InvalidOperationException("The host is not started.");
    /// <summary>The Azurite under <see cref="Host"/>, for a test that needs a host configured otherwise.</summary>
    public AzuriteFixture Azurite => _azurite;
    public IBrowser Browser { get; private set; } = null!;
    public AdminCore Admin => Host.Services.GetRequiredService<AdminCore>();

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        // Token validation reads fresh hashes, so a revocation is visible at once on this host.
        // Events settle at once, so a test can deliver a change it just made (EventDelivery, called by the test).
        _host = await ScimHost.StartAsync(_azurite, new Dictionary<string, string?> { ["Tokens:CacheSeconds"] = "0", ["Events:SettleSeconds"] = "0" });
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Containers (CI runs as root) have no user namespaces for chromium's sandbox.
            Args = ["--no-sandbox"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_host is not null) await _host.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    /// <summary>A new tenant with a token (for a SCIM client), as the quick start makes one.</summary>
    public Task<TenantClient> TenantAsync() => Host.CreateTenantAsync("pt" + Guid.NewGuid().ToString("N")[..10]);

    /// <summary>A link to the tenant's page, as the application (or `scim-admin portal link`) makes one.</summary>
    public Task<PortalLink> LinkAsync(TenantId tenant, TimeSpan? lifetime = null) =>
        Admin.Portal.CreateAsync(tenant, Host.Origin.ToString(), lifetime, AdminCaller.Application("tests"), CancellationToken.None);

    public string PagePath(TenantId tenant) => ScimRoutes.PortalPath(tenant);
}

/// <summary>The browser tests and the HTTP-level tests share one host, one Azurite and one browser.</summary>
[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalFixture>
{
    public const string Name = "Portal";
}
