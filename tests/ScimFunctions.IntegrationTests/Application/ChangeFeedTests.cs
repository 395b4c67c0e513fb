using Microsoft.Extensions.Logging.Abstractions;
using ScimFunctions.Admin;
using ScimFunctions.Contract;
using ScimFunctions.Directory;
using ScimFunctions.Events;
using ScimFunctions.IntegrationTests.Tokens;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Feed;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;
using static ScimFunctions.IntegrationTests.Application.FeedTestSupport;

namespace ScimFunctions.IntegrationTests.Application;

/// <summary>The change feed as an application reads it: every applied change once, in order, nothing for
/// requests that change nothing, resumable from a cursor, purged after retention.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ChangeFeedTests(AzuriteFixture azurite, ITestOutputHelper output) : HostTestBase(azurite)
{
    [Fact]
    public async Task Entra_like_sequence_produces_exactly_the_expected_events_in_order()
    {
        var tenant = await Host.CreateTenantAsync();
        var alice = await tenant.CreateUserAsync("alice@contoso.test", new JsonObject { ["externalId"] = "ext-alice" });
        var bobBody = new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"), ["userName"] = "bob@contoso.test", ["active"] = true,
            ["emails"] = new JsonArray(new JsonObject { ["value"] = "bob@contoso.test", ["type"] = "work", ["primary"] = true }),
        };
        var bob = await tenant.PostJsonAsync("Users", bobBody);
        var group = await tenant.PostJsonAsync("Groups", new JsonObject { ["displayName"] = "Sales" });
        var groupPath = $"Groups/{group.Id()}";
        async Task Ok(Task<HttpResponseMessage> request)
        {
            var response = await request;
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        await Ok(tenant.PatchAsync(groupPath, Patch(Op("Add", "members", Refs(alice.Id(), bob.Id())))));
        await Ok(tenant.PatchAsync(groupPath, Patch(Op("Add", "members", Refs(alice.Id())))));                 // already a member: no event
        var rename = Patch(Op("replace", "title", "Engineer"), Op("replace", "name.givenName", "Alice"));
        await Ok(tenant.PatchAsync($"Users/{alice.Id()}", rename));
        await Ok(tenant.PatchAsync($"Users/{alice.Id()}", rename));                                            // retried, changes nothing
        await Ok(tenant.PutAsync($"Users/{bob.Id()}", bobBody));                                               // PUT of the same values
        await Ok(tenant.PatchAsync($"Users/{alice.Id()}", Patch(Op("Replace", "active", "False"))));          // Entra's string boolean
        await Ok(tenant.PatchAsync($"Users/{alice.Id()}", Patch(Op("Replace", "active", "True"))));
        await Ok(tenant.PatchAsync(groupPath, Patch(Op("Replace", "displayName", "Sales EMEA"))));
        await Ok(tenant.PatchAsync(groupPath, Patch(Op("Remove", $"members[value eq \"{bob.Id()}\"]"))));
        await Ok(tenant.DeleteAsync($"Users/{alice.Id()}"));
        await Ok(tenant.DeleteAsync(groupPath));

        var events = await Host.EventsAsync(tenant.Tenant);
        var names = new Dictionary<string, string> { [alice.Id()] = "alice", [bob.Id()] = "bob", [group.Id()] = "sales" };
        Assert.Equal(
        [
            "user.created alice",
            "user.created bob",
            "group.created sales",
            "member.added sales/alice,sales/bob",
            "user.updated alice [name.givenName,title]",
            "user.disabled alice [active]",
            "user.enabled alice [active]",
            "group.renamed sales from Sales [displayName]",
            "member.removed sales/bob",
            "member.removed sales/alice",
            "user.deleted alice",
            "group.deleted sales",
        ], events.Select(e => Describe(e, names)));

        // The envelope: schema version, tenant, stamps in order, ids unique, versions, names, request ids.
        Assert.All(events, e => Assert.Equal(1, e.V));
        Assert.All(events, e => Assert.Equal(tenant.Tenant, e.Tenant));
        Assert.All(events, e => Assert.False(string.IsNullOrEmpty(e.RequestId)));
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Time <= p.Second.Time));
        Assert.Equal([1, 2, 3, 4, 5], events.Where(e => e.UserId == alice.Id() && e.Type.StartsWith("user.", StringComparison.Ordinal)).Select(e => e.Version ?? 0));
        Assert.Equal("alice@contoso.test", events[0].UserName);
        Assert.Equal("Sales EMEA", events[7].DisplayName);
        Assert.False(events[10].SoftDeleted);
        Assert.Equal(false, events[10].Json["softDeleted"]?.GetValue<bool>());
    }

    [Fact]
    public async Task Concurrent_writes_give_one_event_each_and_retries_that_change_nothing_give_none()
    {
        var tenant = await Host.CreateTenantAsync();
        var user = await tenant.CreateUserAsync("busy@contoso.test");
        string[] paths =
        [
            "title", "nickName", "profileUrl", "userType", "preferredLanguage", "locale", "timezone", "displayName", "externalId",
            "name.givenName", "name.familyName", "name.middleName", "name.honorificPrefix", "name.honorificSuffix", "name.formatted",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ];
        JsonObject PatchFor(int i) => Patch(Op("replace", paths[i], paths[i] switch
        {
            "profileUrl" => "https://example.test/busy",
            "preferredLanguage" => "en",
            "locale" => "en-US",
            "timezone" => "Europe/Paris",
            _ => $"value {i}",
        }));
        var members = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => tenant.CreateUserAsync($"member{i}@contoso.test")));
        var group = await tenant.PostJsonAsync("Groups", new JsonObject { ["displayName"] = "Busy" });

        // 20 PATCHes of one user and 10 member additions to one group, all at once.
        var responses = await Task.WhenAll(
            Enumerable.Range(0, paths.Length).Select(i => tenant.PatchAsync($"Users/{user.Id()}", PatchFor(i)))
            .Concat(members.Select(m => tenant.PatchAsync($"Groups/{group.Id()}", Patch(Op("add", "members", Refs(m.Id())))))));
        // The server retries a conflicting PATCH a bounded number of times, then answers 412: such a PATCH was
        // not applied and must have no event; every other one exactly one.
        var applied = responses.Take(paths.Length).Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent or HttpStatusCode.PreconditionFailed, r.StatusCode.ToString()));
        output.WriteLine($"{applied} of {paths.Length} concurrent PATCHes applied at once, {paths.Length - applied} answered 412.");
        Assert.Equal(applied, (await Host.EventsAsync(tenant.Tenant)).Count(e => e.Type == FeedEventTypes.UserUpdated));

        // Every request sent again, as a client retries: those that failed apply now, the others change nothing.
        foreach (var i in Enumerable.Range(0, paths.Length))
            Assert.Equal(HttpStatusCode.OK, (await tenant.PatchAsync($"Users/{user.Id()}", PatchFor(i))).StatusCode);
        Assert.All(await Task.WhenAll(members.Select(m => tenant.PatchAsync($"Groups/{group.Id()}", Patch(Op("add", "members", Refs(m.Id())))))),
            r => Assert.Equal(HttpStatusCode.NoContent, r.StatusCode));

        var events = await Host.EventsAsync(tenant.Tenant);
        var updates = events.Where(e => e.UserId == user.Id() && e.Type == FeedEventTypes.UserUpdated).ToList();
        Assert.Equal(paths.Length, updates.Count);
        Assert.Equal(paths.Order(StringComparer.Ordinal), updates.SelectMany(e => e.Changed).Order(StringComparer.Ordinal));
        // Each update applied on top of the one before: versions 2..21, in feed order, no gap, no repeat.
        Assert.Equal(Enumerable.Range(2, paths.Length).Select(v => (long)v), updates.Select(e => e.Version!.Value));
        var added = events.Where(e => e.Type == FeedEventTypes.MemberAdded).SelectMany(e => e.Members).ToList();
        Assert.Equal(members.Select(m => m.Id()).Order(), added.Select(m => m.UserId).Order());
        Assert.All(added, m => Assert.Equal(group.Id(), m.GroupId));
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task Consumer_resuming_from_its_cursor_sees_every_event_once_while_writes_go_on()
    {
        var tenant = await Host.CreateTenantAsync();
        // A short settle window: on Azurite a transaction commits within milliseconds of its stamp.
        var options = new ChangeFeedOptions { SettleWindow = TimeSpan.FromSeconds(1) };
        var seen = new List<ChangeEvent>();
        string? cursor = null;
        async Task ReadSomeAsync(int pages)
        {
            // A new reader each time: all the consumer keeps between runs is the cursor string.
            var reader = new ChangeFeedReader(Host.Resources(), options);
            for (var i = 0; i < pages; i++)
            {
                var page = await reader.ReadAsync(tenant.Tenant, cursor, max: 3);
                seen.AddRange(page.Events);
                cursor = page.Cursor;
            }
        }

        var writes = Task.WhenAll(Enumerable.Range(0, 4).Select(async worker =>
        {
            for (var i = 0; i < 8; i++)
            {
                var user = await tenant.CreateUserAsync($"w{worker}-{i}@contoso.test");
                await tenant.PatchAsync($"Users/{user.Id()}", Patch(Op("replace", "title", "T")));
            }
        }));
        while (!writes.IsCompleted)
        {
            await ReadSomeAsync(pages: 2);
            await Task.Delay(150);
        }
        await writes;
        await Task.Delay(options.SettleWindow + TimeSpan.FromMilliseconds(200));
        for (var before = -1; before != seen.Count;)
        {
            before = seen.Count;
            await ReadSomeAsync(pages: 5);
        }

        var all = await Host.EventsAsync(tenant.Tenant);
        Assert.Equal(64, all.Count);
        Assert.Equal(all.Select(e => e.Id), seen.Select(e => e.Id));
        Assert.Equal(32, seen.Count(e => e.Type == FeedEventTypes.UserCreated));
        Assert.Equal(32, seen.Count(e => e.Type == FeedEventTypes.UserUpdated));

        // A cursor at an instant starts there; anything else is not a cursor.
        var caughtUp = Host.CaughtUpReader();
        Assert.Equal(64, (await caughtUp.ReadAllAsync(tenant.Tenant, ChangeFeedReader.CursorAt(all[0].Time))).Count);
        Assert.Equal(all.Count(e => e.Time > all[32].Time), (await caughtUp.ReadAllAsync(tenant.Tenant, ChangeFeedReader.CursorAt(all[32].Time.AddTicks(1)))).Count);
        Assert.Empty(await caughtUp.ReadAllAsync(tenant.Tenant, ChangeFeedReader.CursorAt(DateTimeOffset.UtcNow.AddMinutes(5))));
        await Assert.ThrowsAsync<ArgumentException>(() => caughtUp.ReadAsync(tenant.Tenant, "not-a-cursor"));
    }

    [Fact]
    public async Task Settle_window_holds_back_recent_events()
    {
        var tenant = await Host.CreateTenantAsync();
        await tenant.CreateUserAsync("recent@contoso.test");
        var reader = new ChangeFeedReader(Host.Resources(), new ChangeFeedOptions { SettleWindow = TimeSpan.FromMinutes(10) });
        var page = await reader.ReadAsync(tenant.Tenant, null);
        Assert.Empty(page.Events);
        Assert.Null(page.Cursor);
        Assert.Single(await Host.EventsAsync(tenant.Tenant));
        Assert.Equal(TimeSpan.FromSeconds(75), new ChangeFeedOptions().SettleWindow);
    }

    [Fact]
    public async Task Pending_and_soft_deleted_users_are_marked_in_events_and_reads()
    {
        var dryRun = await Host.TenantWithAsync(DeprovisionMode.Disable, OperationMode.DryRun);
        var pending = await dryRun.CreateUserAsync("pending@contoso.test");
        var directory = new DirectoryReader(Host.Resources());

        Assert.Equal(DirectoryStatus.Pending, (await directory.GetUserAsync(dryRun.Tenant, pending.Id()))!.Status);
        Assert.Empty(await directory.ListUsersAsync(dryRun.Tenant).ToListAsync());
        Assert.Equal(DirectoryStatus.Pending, Assert.Single(await directory.ListUsersAsync(dryRun.Tenant, new DirectoryListOptions { IncludePending = true }).ToListAsync()).Status);

        // Leaving dry-run with the admin CLI: a promoted event, and the user is live.
        Assert.Equal(0, await AdminCli.RunAsync(["tenant", "settings", dryRun.Tenant, "--mode", "Sync", .. StorageArgs],
            new StringWriter(), new StringWriter()));
        Assert.Equal(DirectoryStatus.Live, Assert.Single(await directory.ListUsersAsync(dryRun.Tenant).ToListAsync()).Status);

        // "Disable" deprovisioning: the user is kept, disabled and marked deleted.
        Assert.Equal(HttpStatusCode.NoContent, (await dryRun.DeleteAsync($"Users/{pending.Id()}")).StatusCode);
        var kept = (await directory.GetUserAsync(dryRun.Tenant, pending.Id()))!;
        Assert.Equal(DirectoryStatus.Deleted, kept.Status);
        Assert.False(kept.Active);
        Assert.Null(await directory.FindUserByUserNameAsync(dryRun.Tenant, "pending@contoso.test"));
        Assert.Empty(await directory.ListUsersAsync(dryRun.Tenant).ToListAsync());
        Assert.Single(await directory.ListUsersAsync(dryRun.Tenant, DirectoryListOptions.All).ToListAsync());

        var names = new Dictionary<string, string> { [pending.Id()] = "p" };
        // The settings changes (the tenant's setup, then leaving dry-run) are events too, in order with the users'.
        Assert.Equal(["tenant.settings.changed [Mode,Deprovision]", "user.created p pending", "tenant.settings.changed [Mode]", "user.promoted p", "user.deleted p soft"],
            (await Host.EventsAsync(dryRun.Tenant)).Select(e => Describe(e, names)));
    }

    [Fact]
    public async Task Maintenance_purges_events_past_retention()
    {
        var tenant = await Host.CreateTenantAsync();
        await tenant.CreateUserAsync("old@contoso.test");
        var tables = Service<ScimTables>();
        var time = new ManualTimeProvider();
        var job = new MaintenanceJob(Service<TenantStore>(), Service<ITokenStore>(),
            new AuditLog(tables, time), new AuditOptions(), new FeedRows(tables), new FeedOptions { Retention = TimeSpan.FromDays(30) },
            Service<SigningKeyRing>(), Service<UserGroupsBackfill>(), Service<ScanBookmarkStore>(), time, NullLogger<MaintenanceJob>.Instance);

        time.Advance(TimeSpan.FromDays(29));
        await job.RunAsync(CancellationToken.None);
        Assert.Single(await Host.EventsAsync(tenant.Tenant));
        time.Advance(TimeSpan.FromDays(2));
        var summary = await job.RunAsync(CancellationToken.None);
        Assert.True(summary.FeedEventsPurged >= 1);
        Assert.Empty(await Host.EventsAsync(tenant.Tenant));

        // The app's own job (the timer's and the CLI's) gets the feed and Feed:RetentionDays from configuration.
        await using var zeroRetention = await ScimHost.StartAsync(Azurite, new Dictionary<string, string?>
        {
            ["Storage:TablePrefix"] = TablePrefix,
            ["Feed:RetentionDays"] = "0",
        });
        await tenant.CreateUserAsync("new@contoso.test");
        Assert.True((await zeroRetention.Services.GetRequiredService<MaintenanceJob>().RunAsync(CancellationToken.None)).FeedEventsPurged >= 1);
        Assert.Empty(await Host.EventsAsync(tenant.Tenant));
    }

    /// <summary>The service and the library share one layout (ScimFunctions.Contract), so they cannot disagree;
    /// what can still drift is the layout itself, away from what deployed tables hold. These are version 1's keys.</summary>
    [Fact]
    public void Stored_key_layout_is_that_of_version_1()
    {
        Assert.Equal("username|ALICE@CONTOSO.TEST", RowKeys.UserName("Alice@Contoso.test"));
        Assert.Equal("groupname|A%2FB%5CC%23D%3FE%7CF%27G%25H", RowKeys.GroupName("a/b\\c#d?e|f'g%h"));
        Assert.Equal("userext|a%2Fb%5Cc%23d%3Fe%7Cf%27g%25h|", RowKeys.UserExternalIdPrefix("a/b\\c#d?e|f'g%h"));
        Assert.Equal("useremail|\u00c9L\u00c8VE|", RowKeys.UserEmailPrefix("\u00e9l\u00e8ve"));
        Assert.Equal("userappkey|sha256:0D4E2CA9E9CBCED7A7A5380EB29E1A3783B9B6D0DB72DE36A1051038E1C1FBC7", RowKeys.UserAppKey(new string('x', 300)));
        Assert.Equal("userappkey|CRM-1001", RowKeys.UserAppKey("CRM-1001"));
        var id = ResourceIds.New();
        Assert.Equal("user|" + id, RowKeys.User(id));
        Assert.Equal("group|" + id, RowKeys.Group(id));
        Assert.Equal("member|" + id + "|", RowKeys.MemberPrefix(id));
        Assert.Equal("memberof|" + id + "|", RowKeys.MemberOfPrefix(id));
        Assert.Equal("feed|0638724438020000000", RowKeys.FeedAt(new DateTimeOffset(2025, 1, 14, 10, 30, 2, TimeSpan.FromHours(1))));
        Assert.Equal("AppKey", RowProperties.AppKey);
        Assert.Equal("Pending", RowProperties.Pending);
        Assert.Equal("Deleted", RowProperties.Deleted);
    }
}
