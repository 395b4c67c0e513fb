using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Administration;
using ScimFunctions.Directory;
using ScimFunctions.Http;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;
using Xunit.Abstractions;

namespace ScimFunctions.IntegrationTests.Tenants;

/// <summary>
/// Changes take effect when the admin is told they have: two running hosts over one Azurite (two instances of the
/// endpoint) and the admin core in a third set of services (the CLI's). Both hosts use the default caches (tokens
/// 60 s, settings 30 s), and each has served the tenant before the change, so it holds the old state in memory.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TakeEffectTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    readonly string _prefix = "effect" + Guid.NewGuid().ToString("N")[..8];
    ScimHost _first = null!;
    ScimHost _second = null!;
    ServiceProvider _admin = null!;

    AdminCore Admin => _admin.GetRequiredService<AdminCore>();

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?> { ["Storage:TablePrefix"] = _prefix };
        _first = await ScimHost.StartAsync(azurite, settings);
        _second = await ScimHost.StartAsync(azurite, settings);
        _admin = ScimHost.AdminServices(azurite, _prefix);
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    HttpClient Client(ScimHost host, string token) =>
        new() { BaseAddress = host.Origin, DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };

    async Task<(TenantId Tenant, string Token)> TenantAsync()
    {
        var tenant = TenantId.Parse("e" + Guid.NewGuid().ToString("N")[..12]);
        Assert.True(await Admin.Tenants.CreateAsync(tenant, AdminCaller.Application("tests"), default));
        var issued = await Admin.Tokens.IssueAsync(tenant, 365, null, AdminCaller.Application("tests"), default);
        return (tenant, issued.SecretToken);
    }

    static string Users(TenantId tenant) => ScimRoutes.TenantPath(tenant) + "/Users";

    static JsonContent User(string userName) => JsonContent.Create(new JsonObject
    {
        ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"),
        ["userName"] = userName,
    });

    [Fact]
    public async Task A_rotated_or_newly_issued_token_is_accepted_by_a_running_instance_on_the_very_next_request()
    {
        var (tenant, first) = await TenantAsync();
        // Both instances have loaded (and cached, for 60 s) the tenant's hashes.
        foreach (var host in new[] { _first, _second })
            Assert.Equal(HttpStatusCode.OK, (await Client(host, first).GetAsync(Users(tenant))).StatusCode);

        var rotated = await Admin.Tokens.RotateAsync(tenant, 365, overlap: null, AdminCaller.Cli, default);
        Assert.InRange(rotated.PreviousUsableUntil - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(60));
        foreach (var host in new[] { _first, _second })
        {
            // The new one on its first request, and the old one through the overlap.
            Assert.Equal(HttpStatusCode.OK, (await Client(host, rotated.SecretToken).GetAsync(Users(tenant))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Client(host, first).GetAsync(Users(tenant))).StatusCode);
        }

        // Issuing (no overlap) on a tenant the instances know: the new token works at once too.
        var issued = await Admin.Tokens.IssueAsync(tenant, 30, null, AdminCaller.Cli, default);
        Assert.Equal(HttpStatusCode.OK, (await Client(_second, issued.SecretToken).GetAsync(Users(tenant))).StatusCode);
        var views = await Admin.Tokens.ListAsync(tenant, default);
        Assert.Equal(30, views.Single(v => v.Id == issued.Id).DaysLeft);

        // An unknown token is still refused (the refresh finds nothing), and refusals still lead to the lockout.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 22; i++)
            statuses.Add((await Client(_second, "scimf_" + Guid.NewGuid().ToString("N")).GetAsync(Users(tenant))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, statuses[0]);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }

    [Fact]
    public async Task Disable_then_an_immediate_DELETE_on_another_instance_keeps_the_user()
    {
        var (tenant, token) = await TenantAsync();
        var second = Client(_second, token);
        // The second instance caches the settings (deprovision: Delete) while creating the user.
        var created = await (await second.PostAsync(Users(tenant), User("keep@example.com"))).ReadJsonAsync();
        var id = created["id"]!.GetValue<string>();

        await Admin.Tenants.ChangeSettingsAsync(tenant, new SettingsChange(Deprovision: DeprovisionMode.Disable), AdminCaller.Cli, default);
        Assert.Equal(HttpStatusCode.NoContent, (await second.DeleteAsync($"{Users(tenant)}/{id}")).StatusCode);

        // Kept for the application: disabled and marked deleted.
        var reader = new DirectoryReader(_second.Services.GetRequiredService<ScimTables>().Resources);
        var user = await reader.GetUserAsync(tenant, id, default);
        Assert.NotNull(user);
        Assert.Equal(DirectoryStatus.Deleted, user.Status);
    }

    [Fact]
    public async Task DryRun_applies_to_the_next_write_on_another_instance_and_review_makes_one_live()
    {
        var (tenant, token) = await TenantAsync();
        var second = Client(_second, token);
        Assert.Equal(HttpStatusCode.Created, (await second.PostAsync(Users(tenant), User("live@example.com"))).StatusCode);

        await Admin.Tenants.ChangeSettingsAsync(tenant, new SettingsChange(Mode: OperationMode.DryRun), AdminCaller.Cli, default);
        var a = (await (await second.PostAsync(Users(tenant), User("a@example.com"))).ReadJsonAsync())["id"]!.GetValue<string>();
        var b = (await (await second.PostAsync(Users(tenant), User("b@example.com"))).ReadJsonAsync())["id"]!.GetValue<string>();

        var pending = await Admin.Review.ListPendingAsync(tenant, default);
        Assert.Equal(["a@example.com", "b@example.com"], pending.Select(p => p.Name).Order());

        await Admin.Review.ActivateAsync(tenant, ResourceKind.User, a, AdminCaller.PageLink("link-1"), default);
        var reader = new DirectoryReader(_second.Services.GetRequiredService<ScimTables>().Resources);
        Assert.Equal(DirectoryStatus.Live, (await reader.GetUserAsync(tenant, a, default))!.Status);
        Assert.Equal(DirectoryStatus.Pending, (await reader.GetUserAsync(tenant, b, default))!.Status);
        Assert.Equal(b, (await Admin.Review.ListPendingAsync(tenant, default)).Single().Id);

        var audit = await Admin.Audit.QueryAsync(tenant, new AuditQuery(), default);
        Assert.Contains(audit, e => e.Operation == "ACTIVATE User" && e.ResourceId == a && e.Client == "page/link-1");
        Assert.Contains(audit, e => e.Operation == "SET Settings" && e.ResourceId.Contains("Mode=DryRun", StringComparison.Ordinal) && e.Client == "cli");
    }

    [Fact]
    public async Task Provisioning_off_reaches_a_second_instance_within_the_stated_bound_and_touches_nothing()
    {
        var (tenant, token) = await TenantAsync();
        var first = Client(_first, token);
        var second = Client(_second, token);
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync(Users(tenant))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync(Users(tenant))).StatusCode);
        var auditBefore = (await Admin.Audit.QueryAsync(tenant, new AuditQuery(), default)).Count;

        var clock = Stopwatch.StartNew();
        await Admin.Tenants.ChangeSettingsAsync(tenant, new SettingsChange(Provisioning: ProvisioningState.Off), AdminCaller.Cli, default);
        var told = clock.Elapsed;

        // Writes: the very next one is refused, nothing stored.
        var refused = await second.PostAsync(Users(tenant), User("off@example.com"));
        var writeRefusedAfter = clock.Elapsed - told;
        var error = await refused.AssertScimErrorAsync(403);
        Assert.Contains("Provisioning is turned off for this tenant", error["detail"]!.GetValue<string>());
        Assert.Null(await _second.Services.GetRequiredService<ResourceStore>().FindIdByClaimAsync(tenant, RowKeys.UserName("off@example.com"), default));

        // Reads: within the settings cache window, on the first instance (which has served no write since).
        HttpStatusCode status;
        do
        {
            status = (await first.GetAsync(Users(tenant))).StatusCode;
            if (status == HttpStatusCode.Forbidden) break;
            await Task.Delay(250);
        }
        while (clock.Elapsed - told < TenantSettingsCache.Window + TimeSpan.FromSeconds(10));
        var readRefusedAfter = clock.Elapsed - told;
        Assert.Equal(HttpStatusCode.Forbidden, status);
        output.WriteLine($"Provisioning off reached the other instances: writes after {writeRefusedAfter.TotalSeconds:0.00} s (first request), reads after {readRefusedAfter.TotalSeconds:0.0} s (bound {TenantSettingsCache.Window.TotalSeconds} s)");
        Assert.True(readRefusedAfter <= TenantSettingsCache.Window + TimeSpan.FromSeconds(10), $"reads refused after {readRefusedAfter}");
        // The refusals were not audited: nothing stored was touched.
        Assert.Equal(auditBefore + 1, (await Admin.Audit.QueryAsync(tenant, new AuditQuery(), default)).Count);

        await Admin.Tenants.ChangeSettingsAsync(tenant, new SettingsChange(Provisioning: ProvisioningState.On), AdminCaller.Cli, default);
        Assert.Equal(HttpStatusCode.Created, (await second.PostAsync(Users(tenant), User("on@example.com"))).StatusCode);
    }
}
