using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.Admin;

/// <summary>
/// `scim-admin`: create tenants, issue / rotate / revoke / list tokens, change tenant settings, run
/// maintenance. It builds the same storage services the app uses (AddScimStorage), from options or the environment.
/// Exit codes: 0 success, 1 failure, 2 usage error.
/// </summary>
public static partial class AdminCli
{
    static readonly Option<string?> ConnectionString = new("--connection-string")
    {
        Description = "Storage connection string (Azurite: UseDevelopmentStorage=true). Env: Storage__ConnectionString.",
    };
    static readonly Option<string?> TableEndpoint = new("--table-endpoint")
    {
        Description = "Table endpoint of the deployed storage account, reached with DefaultAzureCredential. Env: Storage__TableEndpoint.",
    };
    static readonly Option<string?> KeyVaultUri = new("--key-vault-uri")
    {
        Description = "Key Vault holding token hashes (omit for the local table store). Env: KeyVault__Uri.",
    };
    static readonly Option<string?> TablePrefix = new("--table-prefix") { Description = "Table name prefix (default scim)." };
    static readonly Option<string> BaseUrl = new("--base-url")
    {
        Description = "Origin of the SCIM endpoint, for the printed Tenant URL.",
        DefaultValueFactory = _ => "http://localhost:7071",
    };
    static readonly Option<bool> Json = new("--json") { Description = "Machine-readable JSON output." };
    static readonly Argument<string> Tenant = new("tenant") { Description = "Tenant id: 1-63 lowercase letters, digits, hyphens." };

    /// <summary>The tenant argument as a <see cref="TenantId"/>: the CLI's one check of it (an invalid id is an error, exit code 1).</summary>
    static TenantId TenantOf(ParseResult parse) =>
        TenantId.TryParse(parse.GetValue(Tenant), out var tenant) ? tenant : throw new ArgumentException(TenantId.Rule);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("ScimFunctions administration: tenants, tokens, settings, audit, maintenance.");
        foreach (var option in new Option[] { ConnectionString, TableEndpoint, KeyVaultUri, TablePrefix, BaseUrl, Json })
        {
            option.Recursive = true;
            root.Options.Add(option);
        }
        root.Subcommands.Add(TenantCommands(output));
        root.Subcommands.Add(TokenCommands(output));
        root.Subcommands.Add(MaintenanceCommands(output));
        root.Subcommands.Add(AuditCommand(output));
        root.Subcommands.Add(ImportCommand(output));
        root.Subcommands.Add(CheckCommand(output));
        root.Subcommands.Add(EventsCommands(output));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) await error.WriteLineAsync(e.Message);
            return 2;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or Azure.RequestFailedException)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }

    static Command TenantCommands(TextWriter output)
    {
        var tenant = new Command("tenant", "Create, list and configure tenants.");

        var create = new Command("create", "Create a tenant (no token yet: use `token issue`).") { Tenant };
        create.SetAction(async (parse, ct) =>
        {
            var tenant = TenantOf(parse);
            await using var services = Build(parse);
            var created = await services.GetRequiredService<TenantStore>().CreateAsync(tenant, ct);
            await WriteAsync(output, parse, new { tenant, created }, created ? $"Tenant {tenant} created." : $"Tenant {tenant} already exists.");
            return 0;
        });

        var list = new Command("list", "List tenants and their settings.");
        list.SetAction(async (parse, ct) =>
        {
            await using var services = Build(parse);
            var tenants = await services.GetRequiredService<TenantStore>().ListAsync(ct);
            await WriteAsync(output, parse, tenants.Select(Describe),
                string.Join(Environment.NewLine, tenants.Select(t => $"{t.Tenant}\tdelete: {t.Deprovision}\tmode: {t.Mode}\tcreated: {t.Created:u}")));
            return 0;
        });

        var show = new Command("show", "Show a tenant's settings and Tenant URL.") { Tenant };
        show.SetAction(async (parse, ct) =>
        {
            await using var services = Build(parse);
            if (await services.GetRequiredService<TenantStore>().GetAsync(TenantOf(parse), ct) is not { } settings)
                return await NotFoundAsync(output, parse);
            await WriteAsync(output, parse, Describe(settings),
                $"Tenant URL: {TenantUrl(parse, settings.Tenant)}\nDeprovisioning: {settings.Deprovision}\nMode: {settings.Mode}\nCreated: {settings.Created:u}");
            return 0;
        });

        var deprovision = new Option<DeprovisionMode?>("--deprovision") { Description = "What DELETE /Users does: Delete or Disable." };
        var mode = new Option<OperationMode?>("--mode") { Description = "Sync, or DryRun (new users and groups stored as pending)." };
        var settingsCommand = new Command("settings", "Change a tenant's settings.") { Tenant, deprovision, mode };
        settingsCommand.SetAction(async (parse, ct) =>
        {
            await using var services = Build(parse);
            var store = services.GetRequiredService<TenantStore>();
            if (await store.GetAsync(TenantOf(parse), ct) is not { } settings) return await NotFoundAsync(output, parse);
            var wasDryRun = settings.Mode == OperationMode.DryRun;
            settings = settings with
            {
                Deprovision = parse.GetValue(deprovision) ?? settings.Deprovision,
                Mode = parse.GetValue(mode) ?? settings.Mode,
            };
            await store.UpdateAsync(settings, ct);
            // Leaving dry-run makes everything provisioned meanwhile live.
            var promoted = wasDryRun && settings.Mode == OperationMode.Sync
                ? await services.GetRequiredService<ResourceStore>().PromotePendingAsync(settings.Tenant, ct)
                : 0;
            await WriteAsync(output, parse, new { tenant = settings.Tenant, deprovision = settings.Deprovision.ToString(), mode = settings.Mode.ToString(), promoted },
                $"Deprovisioning: {settings.Deprovision}\nMode: {settings.Mode}" + (promoted > 0 ? $"\n{promoted} pending users and groups are now live." : ""));
            return 0;
        });

        tenant.Subcommands.Add(create);
        tenant.Subcommands.Add(list);
        tenant.Subcommands.Add(show);
        tenant.Subcommands.Add(settingsCommand);
        return tenant;
    }

    static Command TokenCommands(TextWriter output)
    {
        var token = new Command("token", "Issue, rotate, revoke and list a tenant's Secret Tokens.");
        var days = new Option<int>("--expires-in-days") { Description = "Lifetime of the new token in days.", DefaultValueFactory = _ => 365 };
        var overlap = new Option<int>("--overlap-minutes")
        {
            Description = "Keep the previous token working this long (zero-downtime rotation).",
            DefaultValueFactory = _ => 0,
        };

        Command Issue(string name, string description)
        {
            var command = new Command(name, description) { Tenant, days, overlap };
            command.SetAction(async (parse, ct) =>
            {
                var tenant = TenantOf(parse);
                if (parse.GetValue(days) is < 1 or > 3650) throw new ArgumentException("--expires-in-days must be between 1 and 3650.");
                await using var services = Build(parse);
                if (await services.GetRequiredService<TenantStore>().GetAsync(tenant, ct) is null) return await NotFoundAsync(output, parse);
                var issued = await services.GetRequiredService<TokenService>().IssueAsync(tenant,
                    TimeSpan.FromDays(parse.GetValue(days)), TimeSpan.FromMinutes(Math.Max(0, parse.GetValue(overlap))), ct);
                await WriteAsync(output, parse,
                    new { tenantUrl = TenantUrl(parse, tenant), secretToken = issued.Token, expires = issued.Record.Expires, id = issued.Record.Id },
                    $"Tenant URL: {TenantUrl(parse, tenant)}\nSecret Token: {issued.Token}\n\nThe token is shown once. It expires {issued.Record.Expires:u}.");
                return 0;
            });
            return command;
        }

        var tokenId = new Option<string?>("--id") { Description = "Revoke only this token (see `token list`)." };
        var revoke = new Command("revoke", "Revoke the tenant's tokens (all, or one with --id).") { Tenant, tokenId };
        revoke.SetAction(async (parse, ct) =>
        {
            await using var services = Build(parse);
            var count = await services.GetRequiredService<TokenService>().RevokeAsync(TenantOf(parse), parse.GetValue(tokenId), ct);
            await WriteAsync(output, parse, new { revoked = count },
                $"{count} token(s) revoked. Running instances stop accepting them within the token cache window.");
            return 0;
        });

        var list = new Command("list", "List the tenant's tokens (metadata only: never the token or its hash).") { Tenant };
        list.SetAction(async (parse, ct) =>
        {
            await using var services = Build(parse);
            var now = DateTimeOffset.UtcNow;
            var records = await services.GetRequiredService<TokenService>().ListAsync(TenantOf(parse), ct);
            var rows = records.Select(r => new
            {
                id = r.Id,
                prefix = r.Prefix,
                created = r.Created,
                expires = r.Expires,
                state = r.IsUsableAt(now) ? r.State.ToString() : r.State == TokenState.Revoked ? "Revoked" : "Expired",
            }).ToList();
            await WriteAsync(output, parse, rows,
                string.Join(Environment.NewLine, rows.Select(r => $"{r.id}\t{r.prefix}…\t{r.state}\tcreated {r.created:u}\texpires {r.expires:u}")));
            return 0;
        });

        token.Subcommands.Add(Issue("issue", "Issue a token (voids the previous one, unless --overlap-minutes). Prints it once."));
        token.Subcommands.Add(Issue("rotate", "Same as issue: a new token, the old one stops working (after --overlap-minutes)."));
        token.Subcommands.Add(revoke);
        token.Subcommands.Add(list);
        return token;
    }

    static Command MaintenanceCommands(TextWriter output)
    {
        var maintenance = new Command("maintenance", "The clean-up the timer function runs.");
        var run = new Command("run", "Disable expired and superseded tokens, delete long-dead ones, purge old audit and feed entries, retire superseded signing keys.");
        run.SetAction(async (parse, ct) =>
        {
            await using var services = Build(parse);
            var summary = await services.GetRequiredService<MaintenanceJob>().RunAsync(ct);
            await WriteAsync(output, parse, summary,
                $"{summary.Tenants} tenants; {summary.TokensDisabled} token versions disabled; {summary.TokensDeleted} deleted; {summary.AuditEntriesPurged} audit entries purged; {summary.FeedEventsPurged} feed events purged; {summary.SigningKeysRetired} signing keys retired.");
            return 0;
        });
        maintenance.Subcommands.Add(run);
        return maintenance;
    }

    static Command AuditCommand(TextWriter output)
    {
        var since = new Option<DateTimeOffset?>("--since") { Description = "From this instant (ISO 8601; default 24 hours ago)." };
        var until = new Option<DateTimeOffset?>("--until") { Description = "Up to this instant (default now)." };
        var resource = new Option<string?>("--resource") { Description = "Only entries for this resource id." };
        var outcome = new Option<string?>("--outcome") { Description = "Only this outcome: applied, or an HTTP status such as 409." };
        var top = new Option<int>("--top") { Description = "At most this many entries, newest first.", DefaultValueFactory = _ => 100 };
        var audit = new Command("audit", "What provisioning did: every SCIM write, newest first.") { Tenant, since, until, resource, outcome, top };
        audit.SetAction(async (parse, ct) =>
        {
            await using var services = Build(parse);
            var now = DateTimeOffset.UtcNow;
            var entries = new List<AuditEntry>();
            await foreach (var entry in services.GetRequiredService<AuditLog>().QueryAsync(TenantOf(parse),
                parse.GetValue(since) ?? now.AddDays(-1), parse.GetValue(until) ?? now, parse.GetValue(resource), parse.GetValue(outcome), ct))
            {
                entries.Add(entry);
                if (entries.Count >= parse.GetValue(top)) break;
            }
            await WriteAsync(output, parse, entries, string.Join(Environment.NewLine,
                entries.Select(e => $"{e.Time:u}\t{e.Operation}\t{e.ResourceType} {e.ResourceId}\t{e.Outcome}\t{e.Client}\t{e.RequestId}")));
            return 0;
        });
        return audit;
    }

    static Command CheckCommand(TextWriter output)
    {
        var check = new Command("check", "Check a tenant's rows: index rows, resources and membership pairs agree. Exit code 1 when problems are found.") { Tenant };
        check.SetAction(async (parse, ct) =>
        {
            await using var services = Build(parse);
            var tenant = TenantOf(parse);
            if (await services.GetRequiredService<TenantStore>().GetAsync(tenant, ct) is null) return await NotFoundAsync(output, parse);
            var report = await new ConsistencyChecker(services.GetRequiredService<ScimTables>().Resources).CheckAsync(tenant, ct);
            var summary = $"{report.RowsScanned} rows, {report.Users} users, {report.Groups} groups: "
                + (report.IsConsistent ? "no problems found." : $"{report.Findings.Count} problem(s).");
            await WriteAsync(output, parse,
                new { tenant, rowsScanned = report.RowsScanned, users = report.Users, groups = report.Groups,
                    findings = report.Findings.Select(f => new { kind = f.Kind.ToString(), rowKey = f.RowKey, detail = f.Detail }) },
                string.Join(Environment.NewLine, report.Findings.Select(f => $"{f.Kind}\t{f.RowKey}\t{f.Detail}").Append(summary)));
            return report.IsConsistent ? 0 : 1;
        });
        return check;
    }

    /// <summary>The app's own service registration, configured from options, then the environment.</summary>
    static ServiceProvider Build(ParseResult parse)
    {
        var values = new Dictionary<string, string?>();
        void Set(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value)) values[key] = value;
        }
        Set("Storage:ConnectionString", parse.GetValue(ConnectionString));
        Set("Storage:TableEndpoint", parse.GetValue(TableEndpoint));
        Set("Storage:TablePrefix", parse.GetValue(TablePrefix));
        Set("KeyVault:Uri", parse.GetValue(KeyVaultUri));
        Set("Events:Origin", parse.GetValue(BaseUrl));
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddInMemoryCollection(values).Build();
        if (string.IsNullOrEmpty(configuration["Storage:ConnectionString"]) && string.IsNullOrEmpty(configuration["Storage:TableEndpoint"]))
            throw new InvalidOperationException("Give --table-endpoint (Azure) or --connection-string (Azurite: UseDevelopmentStorage=true).");

        var services = new ServiceCollection().AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning)).AddScimStorage(configuration).BuildServiceProvider();
        services.GetRequiredService<ScimTables>().EnsureCreatedAsync().GetAwaiter().GetResult();
        return services;
    }

    static string TenantUrl(ParseResult parse, TenantId tenant) => ScimRoutes.TenantUrl(parse.GetValue(BaseUrl)!, tenant);

    static object Describe(TenantSettings s) => new { tenant = s.Tenant, deprovision = s.Deprovision.ToString(), mode = s.Mode.ToString(), created = s.Created };

    static async Task<int> NotFoundAsync(TextWriter output, ParseResult parse)
    {
        await output.WriteLineAsync(parse.GetValue(Json)
            ? JsonSerializer.Serialize(new { error = "tenant not found", tenant = parse.GetValue(Tenant) })
            : $"Tenant {parse.GetValue(Tenant)} not found: create it with `tenant create`.");
        return 1;
    }

    static Task WriteAsync(TextWriter output, ParseResult parse, object json, string human) =>
        output.WriteLineAsync(parse.GetValue(Json)
            ? JsonSerializer.Serialize(json, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true })
            : human.ToString(CultureInfo.InvariantCulture));
}
