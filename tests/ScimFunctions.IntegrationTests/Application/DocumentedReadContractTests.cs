using System.Text.Json.Nodes;
using Azure.Identity;
using ScimFunctions.Admin;
using ScimFunctions.Contract;
using ScimFunctions.Directory;
using ScimFunctions.IntegrationTests.Tokens;
using static ScimFunctions.IntegrationTests.Application.FeedTestSupport;

namespace ScimFunctions.IntegrationTests.Application;

/// <summary>
/// The public read contract as docs/integrating.md shows it to applications, version 1.0: every call written
/// there, written here the same way, against what the service stored in Azurite. If a change to the library
/// breaks one of these lines, it breaks applications: keep the old name working (obsolete) for a version instead
/// of editing the call here.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DocumentedReadContractTests(AzuriteFixture azurite) : IAsyncLifetime
{
    readonly string _prefix = "doc" + Guid.NewGuid().ToString("N")[..8];
    ScimHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await ScimHost.StartAsync(azurite, new Dictionary<string, string?> { ["Storage:TablePrefix"] = _prefix });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    async Task AdminAsync(params string[] args)
    {
        var error = new StringWriter();
        Assert.True(await AdminCli.RunAsync([.. args, "--connection-string", azurite.ConnectionString, "--table-prefix", _prefix], new StringWriter(), error) == 0, error.ToString());
    }

    [Fact]
    public void Readers_of_a_deployment_are_built_from_its_endpoint_and_an_Entra_credential()
    {
        // "Reads the deployed service's table with an Entra ID credential": building sends nothing.
        var table = DirectoryReader.ResourceTable(new Uri("https://account.table.core.windows.net"), new DefaultAzureCredential());
        var directory = new DirectoryReader(table);
        var feed = new ChangeFeedReader(table);
        Assert.Equal("scimresources", table.Name);
        Assert.Equal("account", table.AccountName);
        Assert.NotNull(directory);
        Assert.NotNull(feed);
        Assert.NotNull(new DirectoryReader(new Uri("https://account.table.core.windows.net"), new DefaultAzureCredential()));
        Assert.NotNull(new ChangeFeedReader(new Uri("https://account.table.core.windows.net"), new DefaultAzureCredential(), "scim",
            new ChangeFeedOptions { SettleWindow = ChangeFeedReader.DefaultSettleWindow }));
    }

    [Fact]
    public async Task Every_documented_call_reads_what_the_service_wrote()
    {
        // What Entra and the import provisioned into the tenant "contoso" (deprovisioning: Disable).
        var contoso = await _host.CreateTenantAsync("contoso");
        await AdminAsync("tenant", "settings", "contoso", "--deprovision", "Disable");
        var aliceBody = new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"), ["userName"] = "alice@contoso.com", ["externalId"] = "ext-alice",
            ["displayName"] = "Alice", ["emails"] = new JsonArray(new JsonObject { ["value"] = "alice@contoso.com", ["type"] = "work", ["primary"] = true }),
            ["title"] = "Engineer",
        };
        var alice = await (await contoso.PostAsync("Users", aliceBody)).ReadJsonAsync();
        var bob = await contoso.CreateUserAsync("bob@contoso.com");
        var sales = await (await contoso.PostAsync("Groups", new JsonObject { ["displayName"] = "Sales", ["members"] = Refs(alice.Id(), bob.Id()) })).ReadJsonAsync();
        var csv = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(csv, "userName,emails,externalId,appKey\ncarol@contoso.com,carol@contoso.com,,CRM-1001\n");
            await AdminAsync("import", "contoso", csv, "--apply");
        }
        finally
        {
            File.Delete(csv);
        }
        Assert.True((await contoso.DeleteAsync($"Users/{bob.Id()}")).IsSuccessStatusCode);

        // Setup, as documented (the Azurite form, with this test's table prefix).
        var table = DirectoryReader.ResourceTable(azurite.ConnectionString, _prefix);
        var directory = new DirectoryReader(table);
        var feed = new ChangeFeedReader(table);
        Assert.Equal(1, DirectoryReader.ContractVersion);
        var tenant = "contoso";
        var ct = CancellationToken.None;

        // Read contract: every method, tenant first, CancellationToken last.
        var user = await directory.GetUserAsync(tenant, alice.Id());
        Assert.NotNull(user);
        Assert.Equal((alice.Id(), "alice@contoso.com", "ext-alice", "Alice", true, DirectoryStatus.Live, (string?)null, 1L),
            (user.Id, user.UserName, user.ExternalId, user.DisplayName, user.Active, user.Status, user.AppKey, user.Version));
        Assert.Equal([new DirectoryEmail("alice@contoso.com", "work", true)], user.Emails);
        Assert.True(user.Created <= user.LastModified);
        Assert.Equal("Engineer", user.Document["title"]!.GetValue<string>());
        Assert.Equal(alice.Id(), (await directory.GetUserAsync(tenant, alice.Id(), ct))!.Id);
        Assert.Equal(alice.Id(), (await directory.FindUserByUserNameAsync(tenant, "ALICE@contoso.com"))!.Id);
        Assert.Equal(alice.Id(), (await directory.FindUserByUserNameAsync(tenant, "alice@contoso.com", ct))!.Id);
        Assert.Equal([alice.Id()], (await directory.FindUsersByExternalIdAsync(tenant, "ext-alice")).Select(u => u.Id));
        Assert.Empty(await directory.FindUsersByExternalIdAsync(tenant, "EXT-ALICE", ct));
        Assert.Equal([alice.Id()], (await directory.FindUsersByEmailAsync(tenant, "Alice@Contoso.com")).Select(u => u.Id));
        Assert.Equal([alice.Id()], (await directory.FindUsersByEmailAsync(tenant, "alice@contoso.com", ct)).Select(u => u.Id));
        var carol = await directory.FindUserByAppKeyAsync(tenant, "CRM-1001");
        Assert.Equal(("carol@contoso.com", "CRM-1001"), (carol!.UserName, carol.AppKey));
        Assert.Null(await directory.FindUserByAppKeyAsync(tenant, "CRM-9999", ct));

        // Bob was deleted in Disable mode: kept, inactive, marked Deleted; his userName is free again.
        var deleted = await directory.GetUserAsync(tenant, bob.Id());
        Assert.Equal((DirectoryStatus.Deleted, false), (deleted!.Status, deleted.Active));
        Assert.Null(await directory.FindUserByUserNameAsync(tenant, "bob@contoso.com"));

        Assert.Equal(["alice@contoso.com", "carol@contoso.com"], (await directory.ListUsersAsync(tenant).ToListAsync()).Select(u => u.UserName).Order());
        Assert.Equal(3, await directory.ListUsersAsync(tenant, new DirectoryListOptions { IncludePending = true, IncludeDeleted = true }).CountAsync());
        Assert.Equal(3, await directory.ListUsersAsync(tenant, DirectoryListOptions.All, ct).CountAsync());

        var group = await directory.GetGroupAsync(tenant, sales.Id());
        Assert.Equal((sales.Id(), "Sales", (string?)null, DirectoryStatus.Live), (group!.Id, group.DisplayName, group.ExternalId, group.Status));
        Assert.True(group.Version >= 1 && group.Created <= group.LastModified && group.Document["displayName"] is not null);
        Assert.Equal(sales.Id(), (await directory.GetGroupAsync(tenant, sales.Id(), ct))!.Id);
        Assert.Equal(sales.Id(), (await directory.FindGroupByDisplayNameAsync(tenant, "sales"))!.Id);
        Assert.Equal(sales.Id(), (await directory.FindGroupByDisplayNameAsync(tenant, "Sales", ct))!.Id);
        Assert.Equal(["Sales"], await directory.ListGroupsAsync(tenant).Select(g => g.DisplayName).ToListAsync());
        Assert.Single(await directory.ListGroupsAsync(tenant, DirectoryListOptions.LiveOnly, ct).ToListAsync());
        Assert.Equal([alice.Id()], await directory.ListMemberIdsAsync(tenant, sales.Id()).ToListAsync());
        Assert.Equal([alice.Id()], await directory.ListMemberIdsAsync(tenant, sales.Id(), ct).ToListAsync());
        Assert.Equal(["Sales"], await directory.ListGroupsOfUserAsync(tenant, alice.Id()).Select(g => g.DisplayName).ToListAsync());
        Assert.Empty(await directory.ListGroupsOfUserAsync(tenant, bob.Id(), ct).ToListAsync());

        // Change feed. The default settle window (75 s) holds back what was written a moment ago.
        var fresh = await feed.ReadAsync("contoso", null, max: 100);
        Assert.Empty(fresh.Events);
        Assert.Null(fresh.Cursor);

        // The documented loop, with a reader whose settle window has passed; it stops when caught up where the
        // documented one waits (await Task.Delay(TimeSpan.FromSeconds(5))).
        var clock = new ManualTimeProvider();
        clock.Advance(TimeSpan.FromMinutes(1));
        feed = new ChangeFeedReader(table, new ChangeFeedOptions { SettleWindow = TimeSpan.Zero, Time = clock });
        var handled = new List<ChangeEvent>();
        var saved = new List<string?>();
        string? LoadCursor() => null;
        void SaveCursor(string? value) => saved.Add(value);
        // An application re-reads the tenant's settings on a settings event (here: the tenant's Disable deprovisioning).
        var settingsChanges = new List<ChangeEvent>();
        Task HandleAsync(ChangeEvent e)
        {
            (e.Type == FeedEventTypes.SettingsChanged ? settingsChanges : handled).Add(e);
            return Task.CompletedTask;
        }

        string? cursor = LoadCursor();                       // null the first time: from the oldest retained event
        while (true)
        {
            var page = await feed.ReadAsync("contoso", cursor, max: 100);
            foreach (var e in page.Events) await HandleAsync(e);   // idempotent: e.Id is unique, e.Version orders a resource's events
            SaveCursor(cursor = page.Cursor);                      // after handling: a crash replays the page, never skips it
            if (page.Events.Count == 0) break;
        }

        Assert.Equal(
        [
            FeedEventTypes.UserCreated, FeedEventTypes.UserCreated, FeedEventTypes.GroupCreated, FeedEventTypes.MemberAdded,
            FeedEventTypes.UserCreated, FeedEventTypes.MemberRemoved, FeedEventTypes.UserDeleted,
        ], handled.Select(e => e.Type));
        Assert.Equal(["Deprovision"], Assert.Single(settingsChanges).Changed);
        Assert.Equal(saved[0], saved[^1]);                          // nothing new: the cursor passed in comes back
        Assert.Equal(handled.Count, handled.Select(e => e.Id).Distinct().Count());
        Assert.All(handled, e => Assert.Equal((ChangeEvent.SchemaVersion, "contoso"), (e.V, e.Tenant)));
        Assert.All(handled, e => Assert.Equal(e.Type, e.Json["type"]!.GetValue<string>()));
        var created = handled[0];
        Assert.Equal((alice.Id(), "alice@contoso.com", 1L, false), (created.UserId, created.UserName, created.Version, created.Pending));
        Assert.False(string.IsNullOrEmpty(created.RequestId));
        Assert.True(created.Time > DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal((sales.Id(), "Sales", (string?)null), (handled[2].GroupId, handled[2].DisplayName, handled[2].PreviousDisplayName));
        Assert.Equal([(sales.Id(), alice.Id()), (sales.Id(), bob.Id())], handled[3].Members.Select(m => (m.GroupId, m.UserId)).Order());
        Assert.Equal(("carol@contoso.com", "CRM-1001"), (handled[4].UserName, handled[4].AppKey));
        Assert.Equal((bob.Id(), true), (handled[6].UserId, handled[6].SoftDeleted));
        Assert.Empty(handled[6].Changed);

        // CursorAt: start at an instant instead of the beginning.
        Assert.Empty((await feed.ReadAsync("contoso", ChangeFeedReader.CursorAt(clock.GetUtcNow()), max: 100)).Events);
        Assert.Equal(handled.Count + settingsChanges.Count, (await feed.ReadAsync("contoso", ChangeFeedReader.CursorAt(DateTimeOffset.UtcNow.AddHours(-1)), 1000, ct)).Events.Count);
        Assert.Equal(handled[0].Id, ChangeEvent.Parse(handled[0].Json.ToJsonString()).Id);

        // The 1.0 names that moved to ScimFunctions.Contract still compile, and mean the same, for one version.
#pragma warning disable CS0618
        static string Action(ChangeEvent e) => e.Type switch
        {
            ChangeEventTypes.UserCreated => "create",
            ChangeEventTypes.UserDeleted when e.SoftDeleted => "block",
            ChangeEventTypes.MemberAdded => "add",
            ChangeEventTypes.MemberRemoved => "remove",
            ChangeEventTypes.GroupCreated => "group",
            _ => "other",
        };
        Assert.Equal(["create", "create", "group", "add", "create", "remove", "block"], handled.Select(Action));
        MemberChange first = handled[3].Members[0];
        Assert.Equal(sales.Id(), first.GroupId);
#pragma warning restore CS0618
    }
}
