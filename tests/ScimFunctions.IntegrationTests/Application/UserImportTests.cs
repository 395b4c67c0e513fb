using ScimFunctions.Admin;
using ScimFunctions.Contract;
using ScimFunctions.Directory;
using static ScimFunctions.IntegrationTests.Application.FeedTestSupport;

namespace ScimFunctions.IntegrationTests.Application;

/// <summary>`scim-admin import`: the dry-run report, the refusal on conflicts, and what matters in the end:
/// Entra's query-then-create finds the imported users instead of creating duplicates, and the application
/// reads its own key back through the Directory library.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class UserImportTests(AzuriteFixture azurite) : HostTestBase(azurite)
{
    readonly string _folder = Path.Combine(Path.GetTempPath(), "scim-import-" + Guid.NewGuid().ToString("N")[..8]);

    public override async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_folder);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        System.IO.Directory.Delete(_folder, recursive: true);
    }

    async Task<(int Exit, JsonObject Report)> ImportAsync(string tenant, string fileName, string content, bool apply = false)
    {
        var path = Path.Combine(_folder, fileName);
        await File.WriteAllTextAsync(path, content);
        var output = new StringWriter();
        var error = new StringWriter();
        string[] args = ["import", tenant, path, "--json", .. StorageArgs];
        var exit = await AdminCli.RunAsync(apply ? [.. args, "--apply"] : args, output, error);
        Assert.True(output.ToString().Length > 0, error.ToString());
        return (exit, JsonNode.Parse(output.ToString())!.AsObject());
    }

    static Dictionary<int, (string Action, string? Detail)> Rows(JsonObject report) =>
        report.GetArray("rows").ToDictionary(r => r!.GetInt32("line"), r => (r!.GetString("action"), r!["detail"]?.GetValue<string>()));

    /// <summary>Thousands of rows through the CLI against real storage: progress on stderr every 500 rows, in order,
    /// before the summary, and stdout stays one JSON report. 2,000 rows: several progress lines (about 25 s on the shared
    /// 2-core machine: planning reads 16 rows at a time, applying writes 8 rows at a time, one transaction each).</summary>
    [Fact]
    public async Task Importing_thousands_of_rows_shows_progress()
    {
        const int Count = 2_000;
        var tenant = (await Host.CreateTenantAsync()).Tenant;
        var path = Path.Combine(_folder, "many.csv");
        await File.WriteAllLinesAsync(path, Enumerable.Range(0, Count).Select(i => $"user{i}@contoso.test,user{i}@contoso.test,,app-{i}").Prepend("userName,emails,externalId,appKey"));
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(0, await AdminCli.RunAsync(["import", tenant, path, "--apply", "--json", .. StorageArgs], output, error));

        Assert.Equal(["imported 500 of 2000 rows", "imported 1000 of 2000 rows", "imported 1500 of 2000 rows", "imported 2000 of 2000 rows"],
            error.ToString().Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        var report = JsonNode.Parse(output.ToString())!.AsObject();
        Assert.Equal(Count, Rows(report).Count);
        Assert.Equal(Count, report.GetInt32("create"));
        Assert.Equal("app-1999", (await new DirectoryReader(Host.Resources()).FindUserByUserNameAsync(tenant, "user1999@contoso.test"))!.AppKey);
    }

    [Fact]
    public async Task Dry_run_reports_creates_matches_conflicts_and_invalid_rows_and_apply_is_refused()
    {
        var tenant = await Host.CreateTenantAsync();
        var existing = await tenant.CreateUserAsync("Carol@Contoso.test");
        var other = await tenant.CreateUserAsync("dave@contoso.test", new JsonObject
        {
            ["emails"] = new JsonArray(new JsonObject { ["value"] = "dave@contoso.test", ["type"] = "work" }),
        });
        var csv = """
            userName,emails,externalId,appKey
            alice@contoso.test,alice@contoso.test;a.smith@contoso.test,,1001
            carol@contoso.test,carol@contoso.test,,1002
            d.smith@contoso.test,dave@contoso.test,,1003
            erin@contoso.test,shared@contoso.test,,1004
            frank@contoso.test,shared@contoso.test,,1005
            carol@contoso.test,,,1006
            grace@contoso.test,grace@contoso.test,,
            heidi@contoso.test,not-an-email,,1008
            "ivan, jr@contoso.test","ivan@contoso.test",ext-ivan,1009
            """;
        var (exit, report) = await ImportAsync(tenant.Tenant, "users.csv", csv);
        Assert.Equal(1, exit);
        Assert.False(report.GetBoolean("applied"));
        var rows = Rows(report);
        Assert.Equal("create", rows[2].Action);
        Assert.Equal("conflict", rows[3].Action);   // carol twice in the file (lines 3 and 7)
        Assert.Contains("line(s) 7", rows[3].Detail);
        Assert.Equal("match", rows[4].Action);      // by dave's email
        Assert.Equal("conflict", rows[5].Action);   // the same email on two rows
        Assert.Equal("conflict", rows[6].Action);
        Assert.Equal("conflict", rows[7].Action);
        Assert.Equal("invalid", rows[8].Action);    // no appKey
        Assert.Equal("invalid", rows[9].Action);    // not an email
        Assert.Equal("create", rows[10].Action);    // quoted field with a comma
        Assert.Equal(other.Id(), report.GetArray("rows").Single(r => r!.GetInt32("line") == 4)!.GetString("userId"));

        // An email owned by another existing user than the one the userName matches.
        var (conflictExit, conflict) = await ImportAsync(tenant.Tenant, "owned.json", """[{ "userName": "carol@contoso.test", "emails": ["dave@contoso.test"], "appKey": "2001" }]""");
        Assert.Equal(1, conflictExit);
        Assert.Contains($"another existing user {other.Id()}", Rows(conflict)[1].Detail);
        Assert.Contains(existing.Id(), Rows(conflict)[1].Detail);

        // --apply writes nothing while any row conflicts.
        var (applyExit, applied) = await ImportAsync(tenant.Tenant, "users.csv", csv, apply: true);
        Assert.Equal(1, applyExit);
        Assert.False(applied.GetBoolean("applied"));
        Assert.Equal(2, await tenant.TotalResultsAsync("Users"));
    }

    [Fact]
    public async Task Imported_users_are_found_by_entras_queries_and_keep_their_application_key()
    {
        var tenant = await Host.CreateTenantAsync();
        var scimCreated = await tenant.CreateUserAsync("bob@contoso.test");   // provisioned before the import: linked, not duplicated
        var json = """
            [
              { "userName": "alice@contoso.test", "emails": ["alice@contoso.test"], "appKey": "A-1" },
              { "userName": "BOB@contoso.test", "emails": "bob@contoso.test", "appKey": "A-2" },
              { "userName": "legacy-carol", "emails": ["carol@contoso.test"], "externalId": "c-1", "appKey": "A-3" }
            ]
            """;
        var (dryExit, dry) = await ImportAsync(tenant.Tenant, "users.json", json);
        Assert.Equal(0, dryExit);
        Assert.Equal((2, 1), (dry.GetInt32("create"), dry.GetInt32("match")));
        Assert.Equal(1, await tenant.TotalResultsAsync("Users"));   // nothing written

        var (exit, report) = await ImportAsync(tenant.Tenant, "users.json", json, apply: true);
        Assert.Equal(0, exit);
        Assert.True(report.GetBoolean("applied"));

        // Entra's first cycle: query by userName (its own casing), or by work email for carol (matched on mail),
        // and create only when nothing is found; then update what it found.
        var ids = new Dictionary<string, string>();
        foreach (var (userName, filter) in new[]
        {
            ("Alice@Contoso.test", "userName eq \"Alice@Contoso.test\""),
            ("bob@contoso.test", "userName eq \"bob@contoso.test\""),
            ("carol@contoso.test", "emails[type eq \"work\"].value eq \"carol@contoso.test\""),
            ("dave@contoso.test", "userName eq \"dave@contoso.test\""),
        })
        {
            var found = await tenant.GetJsonAsync("Users?filter=" + Uri.EscapeDataString(filter));
            if (found.GetInt32("totalResults") == 1)
            {
                ids[userName] = found.GetArray("Resources")[0]!.AsObject().Id();
                var patched = await tenant.PatchAsync($"Users/{ids[userName]}", Patch(Op("replace", "displayName", userName)));
                Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
            }
            else
            {
                ids[userName] = (await tenant.CreateUserAsync(userName)).Id();
            }
        }
        Assert.Equal(4, await tenant.TotalResultsAsync("Users"));
        Assert.Equal(scimCreated.Id(), ids["bob@contoso.test"]);

        // The application finds each of its accounts by its own key, after Entra's updates too.
        var directory = new DirectoryReader(Host.Resources());
        foreach (var (key, userName) in new[] { ("A-1", "Alice@Contoso.test"), ("A-2", "bob@contoso.test"), ("A-3", "carol@contoso.test") })
        {
            var user = await directory.FindUserByAppKeyAsync(tenant.Tenant, key);
            Assert.NotNull(user);
            Assert.Equal(ids[userName], user.Id);
            Assert.Equal(key, user.AppKey);
            Assert.Equal(userName, user.DisplayName);
            Assert.Equal(DirectoryStatus.Live, user.Status);
        }
        Assert.Null((await directory.FindUserByUserNameAsync(tenant.Tenant, "dave@contoso.test"))!.AppKey);
        Assert.Equal("work", Assert.Single((await directory.FindUsersByEmailAsync(tenant.Tenant, "CAROL@contoso.test")).Single().Emails).Type);
        Assert.Equal(ids["carol@contoso.test"], Assert.Single(await directory.FindUsersByExternalIdAsync(tenant.Tenant, "c-1")).Id);

        // The feed tells the application which accounts it already has.
        var events = await Host.EventsAsync(tenant.Tenant);
        Assert.Equal(["A-1", "A-3"], events.Where(e => e.Type == FeedEventTypes.UserCreated && e.AppKey is not null).Select(e => e.AppKey!));
        Assert.Equal("A-2", Assert.Single(events, e => e.Type == FeedEventTypes.UserLinked).AppKey);
        Assert.All(events.Where(e => e.Type == FeedEventTypes.UserUpdated && e.UserId != ids["dave@contoso.test"]), e => Assert.NotNull(e.AppKey));

        // Running the same import again changes nothing.
        var (again, second) = await ImportAsync(tenant.Tenant, "users.json", json, apply: true);
        Assert.Equal(0, again);
        Assert.Equal(3, second.GetInt32("match"));
        Assert.All(second.GetArray("rows"), r => Assert.True(r!.GetBoolean("alreadyLinked")));
        Assert.Equal(events.Count, (await Host.EventsAsync(tenant.Tenant)).Count);
    }
}
