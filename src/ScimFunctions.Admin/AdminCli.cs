using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScimFunctions.Administration;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.Admin;

/// <summary>
/// `scim-admin`: a thin shell over the admin core (<see cref="AdminCore"/>): parses the command line, calls one core
/// operation, prints a table (or JSON with --json) and maps the core's typed errors to one line and an exit code.
/// </summary>
public static partial class AdminCli
{
    /// <summary>Exit codes (README, Operating): 0 success; 1 the command ran and failed (unknown or malformed tenant,
    /// unknown token/user/group id, storage unreachable or refusing access, `check` found problems, an import was
    /// refused); 2 usage (unknown command or option, missing argument, a bad enum, date or number, a value out of range,
    /// a receiver URL that is not https or whose host is a private address).</summary>
    public const int Success = 0, Failure = 1, Usage = 2;

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
    /// <summary><c>events subscribe</c>'s switch for <see cref="ScimFunctions.Events.ReceiverAddressPolicy.AllowPrivateSetting"/>.</summary>
    static readonly Option<bool> AllowPrivateReceivers = new("--allow-private-receivers")
    {
        Description = "Accept a receiver on a private, loopback or link-local address (development only: the service delivers there only with the same setting). Env: Events__AllowPrivateReceivers.",
    };
    static readonly Argument<string> Tenant = new("tenant") { Description = "Tenant id: 1-63 lowercase letters, digits, hyphens." };

    /// <summary>The tenant argument as a <see cref="TenantId"/>: a malformed id names no tenant (exit code 1).</summary>
    static TenantId TenantOf(ParseResult parse) => TenantId.TryParse(parse.GetValue(Tenant), out var tenant)
        ? tenant
        : throw new AdminException(AdminErrorKind.TenantNotFound, $"'{parse.GetValue(Tenant)}' is not a tenant id. {TenantId.Rule}");

    /// <summary>Who made the change, for the audit log.</summary>
    static readonly AdminCaller Caller = AdminCaller.Cli;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("ScimFunctions administration: tenants, settings, tokens, dry-run review, audit, import, maintenance.");
        foreach (var option in new Option[] { ConnectionString, TableEndpoint, KeyVaultUri, TablePrefix, BaseUrl, Json })
        {
            option.Recursive = true;
            root.Options.Add(option);
        }
        root.Subcommands.Add(TenantCommands(output));
        root.Subcommands.Add(TokenCommands(output));
        root.Subcommands.Add(PendingCommands(output));
        root.Subcommands.Add(HeldCommands(output));
        root.Subcommands.Add(MaintenanceCommands(output));
        root.Subcommands.Add(AuditCommand(output));
        root.Subcommands.Add(ImportCommand(output, error));
        root.Subcommands.Add(CheckCommand(output));
        root.Subcommands.Add(EventsCommands(output));
        root.Subcommands.Add(SchemaCommand(output));
        root.Subcommands.Add(UsersCommands(output));
        root.Subcommands.Add(GroupRolesCommands(output));
        root.Subcommands.Add(PortalCommands(output));

        // Without the default handler an exception reaches the catch below: one line, never a stack trace.
        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        if (args.Length == 0)
        {
            await root.Parse("--help").InvokeAsync(new InvocationConfiguration { Output = error, Error = error });
            return Usage;
        }
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            await error.WriteLineAsync("usage: " + string.Join(" ", parse.Errors.Select(e => e.Message).Distinct()));
            await error.WriteLineAsync($"Run `scim-admin {string.Join(' ', CommandPath(parse.CommandResult))} --help` for the usage.".Replace("  ", " ", StringComparison.Ordinal));
            return Usage;
        }
        try
        {
            return await parse.InvokeAsync(invocation);
        }
        catch (AdminException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return e.Kind == AdminErrorKind.InvalidArgument ? Usage : Failure;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug, not a user error: still one line; the type says where to look.
            await error.WriteLineAsync($"error: unexpected {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            return Failure;
        }
    }

    static IEnumerable<string> CommandPath(CommandResult? result) =>
        result is null || result.Command is RootCommand ? [] : CommandPath(result.Parent as CommandResult).Append(result.Command.Name);

    static Command TenantCommands(TextWriter output)
    {
        var tenant = new Command("tenant", "Create, list and configure tenants.");

        var create = new Command("create", "Create a tenant (no token yet: use `token issue`).") { Tenant };
        create.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var id = TenantOf(parse);
            var created = await core.Tenants.CreateAsync(id, Caller, ct);
            await WriteAsync(output, parse, new { tenant = id, created }, created ? $"Tenant {id} created." : $"Tenant {id} already exists.");
            return Success;
        }));

        var list = new Command("list", "List tenants and their settings.");
        list.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var tenants = await core.Tenants.ListAsync(ct);
            await WriteAsync(output, parse, tenants.Select(Describe), Table(["TENANT", "DEPROVISION", "MODE", "PROVISIONING", "ACTIVATION", "GROUPS", "CREATED"],
                tenants.Select(t => new[] { t.Tenant.Value, t.Deprovision.ToString(), t.Mode.ToString(), t.Provisioning.ToString(), t.Activation.ToString(),
                    t.GroupProvisioning.ToString(), Time(t.Created) })));
            return Success;
        }));

        var show = new Command("show", "Show a tenant's settings and Tenant URL.") { Tenant };
        show.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var settings = await core.Tenants.GetAsync(TenantOf(parse), ct);
            await WriteAsync(output, parse, Describe(settings),
                $"Tenant URL: {TenantUrl(parse, settings.Tenant)}\n{SettingsText(settings)}\nCreated: {Time(settings.Created)}");
            return Success;
        }));

        var deprovision = EnumOption<DeprovisionMode>("--deprovision", "What DELETE /Users does");
        var mode = EnumOption<OperationMode>("--mode", "DryRun stores new users and groups as pending; Sync makes them live");
        var provisioning = EnumOption<ProvisioningState>("--provisioning", "Off refuses every SCIM request of the tenant (403), touching nothing");
        var activation = EnumOption<UserActivation>("--activation", "Manual holds users created by SCIM for an admin's activation (`users activate`)");
        var groups = EnumOption<GroupProvisioningState>("--group-provisioning", "Off makes the tenant users-only (/Groups refused with 403)");
        var brake = new Option<int?>("--brake") { Description = "Deprovisionings (user deletes and deactivations) per window past which they are held for review (`held list`); 0 turns the brake off. Default 100." };
        var brakeWindow = new Option<int?>("--brake-window") { Description = $"The brake's window in minutes (1-{TenantSettings.MaxBrakeWindowMinutes}). Default 60." };
        var settingsCommand = new Command("settings", "Change a tenant's settings (writes honour them at once on every instance, reads within 30 s).")
            { Tenant, deprovision, mode, provisioning, activation, groups, brake, brakeWindow };
        settingsCommand.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var change = new SettingsChange(parse.GetValue(deprovision), parse.GetValue(mode), parse.GetValue(provisioning), parse.GetValue(activation), parse.GetValue(groups),
                parse.GetValue(brake), parse.GetValue(brakeWindow));
            if (change == new SettingsChange())
                throw AdminException.Invalid("give at least one of --deprovision, --mode, --provisioning, --activation, --group-provisioning, --brake, --brake-window (see `tenant show`).");
            var tenantId = TenantOf(parse);
            var (settings, before, promoted) = await core.Tenants.ChangeSettingsAsync(tenantId, change, Caller, ct);
            var leftDryRun = before.Mode == OperationMode.DryRun && settings.Mode == OperationMode.Sync;
            await WriteAsync(output, parse, new { tenant = settings.Tenant, deprovision = settings.Deprovision.ToString(), mode = settings.Mode.ToString(),
                    provisioning = settings.Provisioning.ToString(), activation = settings.Activation.ToString(), groupProvisioning = settings.GroupProvisioning.ToString(),
                    brakeThreshold = settings.BrakeThreshold, brakeWindowMinutes = settings.BrakeWindowMinutes, promoted },
                SettingsText(settings) + (leftDryRun ? $"\n{promoted} pending users and groups are now live." : ""));
            return Success;
        }));

        tenant.Subcommands.Add(create);
        tenant.Subcommands.Add(list);
        tenant.Subcommands.Add(show);
        tenant.Subcommands.Add(settingsCommand);
        return tenant;
    }

    static Command TokenCommands(TextWriter output)
    {
        var token = new Command("token", "Issue, rotate, revoke and list a tenant's Secret Tokens (and with --application its application tokens).");
        var days = new Option<int>("--expires-in-days") { Description = "Lifetime of the new token in days (1-3650).", DefaultValueFactory = _ => 365 };
        var application = new Option<bool>("--application")
        {
            Description = "The application token instead of the Secret Token: SCIM reads and the events poll, refused on every write. Issued, rotated and revoked on its own.",
        };
        TokenKind KindOf(ParseResult parse) => parse.GetValue(application) ? TokenKind.Application : TokenKind.Secret;

        Command Issue(string name, string description, Option<int?> overlap, bool rotate)
        {
            var command = new Command(name, description) { Tenant, days, overlap, application };
            command.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
            {
                var id = TenantOf(parse);
                var kind = KindOf(parse);
                var minutes = parse.GetValue(overlap) is { } m ? TimeSpan.FromMinutes(m) : (TimeSpan?)null;
                var issued = rotate
                    ? await core.Tokens.RotateAsync(id, parse.GetValue(days), minutes, Caller, ct, kind)
                    : await core.Tokens.IssueAsync(id, parse.GetValue(days), minutes, Caller, ct, kind);
                var label = kind == TokenKind.Application ? "Application token" : "Secret Token";
                await WriteAsync(output, parse,
                    new { tenantUrl = TenantUrl(parse, id), secretToken = issued.SecretToken, expires = issued.Expires, id = issued.Id, previousUsableUntil = issued.PreviousUsableUntil, kind = kind.ToString() },
                    $"Tenant URL: {TenantUrl(parse, id)}\n{label}: {issued.SecretToken}\n\nThe token is shown once. It expires {Time(issued.Expires)}. "
                    + "Every running instance accepts it from its first request. "
                    + (issued.PreviousUsableUntil > DateTimeOffset.UtcNow ? $"Earlier tokens keep working until {Time(issued.PreviousUsableUntil)}." : "Earlier tokens no longer work."));
                return Success;
            }));
            return command;
        }

        var tokenId = new Option<string?>("--id") { Description = "Revoke only this token (see `token list`)." };
        var revoke = new Command("revoke", "Revoke the tenant's Secret Tokens (with --application its application tokens; one token of either kind with --id).")
        {
            Tenant, tokenId, application,
        };
        revoke.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var count = await core.Tokens.RevokeAsync(TenantOf(parse), parse.GetValue(tokenId), Caller, ct, KindOf(parse));
            await WriteAsync(output, parse, new { revoked = count },
                $"{count} token(s) revoked. Other running instances stop accepting them within the token cache window (Tokens__CacheSeconds, 60 s).");
            return Success;
        }));

        var list = new Command("list", "List the tenant's tokens with days left (metadata only: never the token or its hash).") { Tenant };
        list.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var tokens = await core.Tokens.ListAsync(TenantOf(parse), ct);
            await WriteAsync(output, parse, tokens, Table(["ID", "KIND", "PREFIX", "STATE", "CREATED", "EXPIRES", "DAYS LEFT"],
                tokens.Select(t => new[] { t.Id, t.Kind, t.Prefix + "…", t.State, Time(t.Created), Time(t.Expires),
                    t.DaysLeft.ToString(CultureInfo.InvariantCulture) + (t.ExpiryWarning is not null ? " (rotate soon)" : "") })));
            return Success;
        }));

        var expiring = new Command("expiring", "Active tokens of every tenant with 30 days or less left.");
        expiring.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var tokens = await core.Tokens.ExpiringAsync(ct);
            await WriteAsync(output, parse, tokens, Table(["TENANT", "ID", "PREFIX", "EXPIRES", "DAYS LEFT"],
                tokens.Select(t => new[] { t.Tenant.Value, t.Token.Id, t.Token.Prefix + "…", Time(t.Token.Expires), t.Token.DaysLeft.ToString(CultureInfo.InvariantCulture) })));
            return Success;
        }));

        token.Subcommands.Add(Issue("issue", "Issue a token; the previous ones stop working (after --overlap-minutes, default 0). Prints it once.",
            new Option<int?>("--overlap-minutes") { Description = "Keep the previous tokens working this long (default 0)." }, rotate: false));
        token.Subcommands.Add(Issue("rotate", "Issue a token; the previous ones keep working for --overlap-minutes (default 60) so you can paste the new one.",
            new Option<int?>("--overlap-minutes") { Description = "Keep the previous tokens working this long (default 60, at most 10080)." }, rotate: true));
        token.Subcommands.Add(revoke);
        token.Subcommands.Add(list);
        token.Subcommands.Add(expiring);
        return token;
    }

    static Command PendingCommands(TextWriter output)
    {
        var pending = new Command("pending", "Dry-run review: users and groups that arrived in DryRun mode, and making them live.");
        var list = new Command("list", "List the tenant's pending users and groups.") { Tenant };
        list.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var items = await core.Review.ListPendingAsync(TenantOf(parse), ct);
            await WriteAsync(output, parse, items.Select(i => new { type = i.Kind.ToString(), i.Id, i.Name, i.Created }),
                Table(["TYPE", "ID", "NAME", "CREATED"], items.Select(i => new[] { i.Kind.ToString(), i.Id, i.Name, Time(i.Created) })));
            return Success;
        }));

        var user = new Option<string?>("--user") { Description = "Make this pending user live." };
        var group = new Option<string?>("--group") { Description = "Make this pending group live." };
        var all = new Option<bool>("--all") { Description = "Make every pending user and group live." };
        var activate = new Command("activate", "Make one pending user or group live (--user / --group), or all (--all).") { Tenant, user, group, all };
        activate.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var chosen = new[] { parse.GetValue(user) is not null, parse.GetValue(group) is not null, parse.GetValue(all) }.Count(x => x);
            if (chosen != 1) throw AdminException.Invalid("give exactly one of --user <id>, --group <id>, --all.");
            var id = TenantOf(parse);
            var review = core.Review;
            if (parse.GetValue(all))
            {
                var count = await review.ActivateAllAsync(id, Caller, ct);
                await WriteAsync(output, parse, new { activated = count }, $"{count} pending users and groups are now live.");
                return Success;
            }
            var (kind, resource) = parse.GetValue(user) is { } u ? (ResourceKind.User, u) : (ResourceKind.Group, parse.GetValue(group)!);
            await review.ActivateAsync(id, kind, resource, Caller, ct);
            await WriteAsync(output, parse, new { activated = 1 }, $"{kind} {resource} is now live.");
            return Success;
        }));
        pending.Subcommands.Add(list);
        pending.Subcommands.Add(activate);
        return pending;
    }

    static Command MaintenanceCommands(TextWriter output)
    {
        var maintenance = new Command("maintenance", "The clean-up the timer function runs.");
        var run = new Command("run", "Disable expired and superseded tokens, delete long-dead ones, purge old audit and feed entries, warn about expiring tokens, retire superseded signing keys, give older user rows their groups, delete expired scan bookmarks.");
        run.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var summary = await core.Audit.RunMaintenanceAsync(ct);
            await WriteAsync(output, parse, summary,
                $"{summary.Tenants} tenants; {summary.TokensDisabled} token versions disabled; {summary.TokensDeleted} deleted; "
                + $"{summary.AuditEntriesPurged} audit entries and {summary.FeedEventsPurged} feed events purged; {summary.TokensExpiringSoon} tokens expire within 30 days; {summary.SigningKeysRetired} signing keys retired; "
                + $"{summary.UserGroupsBackfilled} user rows given their groups; {summary.ScanBookmarksPurged} expired scan bookmarks deleted.");
            return Success;
        }));
        maintenance.Subcommands.Add(run);
        return maintenance;
    }

    static Command AuditCommand(TextWriter output)
    {
        var since = DateOption("--since", "From this instant (ISO 8601, UTC unless an offset is given; default 24 hours ago).");
        var until = DateOption("--until", "Up to this instant (default now).");
        var resource = new Option<string?>("--resource") { Description = "Only entries for this resource id." };
        var outcome = new Option<string?>("--outcome") { Description = "Only this outcome: applied, or an HTTP status such as 409." };
        var top = new Option<int>("--top") { Description = "At most this many entries, newest first.", DefaultValueFactory = _ => 100 };
        var audit = new Command("audit", "What was changed, newest first: every SCIM write and every admin action (reads are not audited).")
            { Tenant, since, until, resource, outcome, top };
        audit.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var entries = await core.Audit.QueryAsync(TenantOf(parse),
                new AuditQuery(parse.GetValue(since), parse.GetValue(until), parse.GetValue(resource), parse.GetValue(outcome), parse.GetValue(top)), ct);
            await WriteAsync(output, parse, entries, Table(["TIME", "OPERATION", "RESOURCE", "OUTCOME", "CLIENT", "REQUEST"],
                entries.Select(e => new[] { Time(e.Time), e.Operation, $"{e.ResourceType} {e.ResourceId}", e.Outcome, e.Client, e.RequestId })));
            return Success;
        }));
        return audit;
    }

    static Command CheckCommand(TextWriter output)
    {
        var check = new Command("check", "Check a tenant's rows: index rows, resources and membership pairs agree. Exit code 1 when problems are found.") { Tenant };
        check.SetAction(async (parse, ct) =>
        {
            var tenant = TenantOf(parse);
            await using var services = await BuildAsync(parse);
            await services.GetRequiredService<AdminCore>().Tenants.GetAsync(tenant, ct);
            var report = await StorageGuard.RunAsync(() => new ConsistencyChecker(services.GetRequiredService<ScimTables>().Resources).CheckAsync(tenant, ct));
            var summary = $"{report.RowsScanned} rows, {report.Users} users, {report.Groups} groups: "
                + (report.IsConsistent ? "no problems found." : $"{report.Findings.Count} problem(s).");
            await WriteAsync(output, parse,
                new { tenant, rowsScanned = report.RowsScanned, users = report.Users, groups = report.Groups,
                    findings = report.Findings.Select(f => new { kind = f.Kind.ToString(), rowKey = f.RowKey, detail = f.Detail }) },
                string.Join(Environment.NewLine, report.Findings.Select(f => $"{f.Kind}\t{f.RowKey}\t{f.Detail}").Append(summary)));
            return report.IsConsistent ? Success : Failure;
        });
        return check;
    }

    /// <summary>The app's own storage registration plus the admin core, configured from options, then the environment.</summary>
    static async Task<ServiceProvider> BuildAsync(ParseResult parse)
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
        if (parse.GetResult(AllowPrivateReceivers) is not null && parse.GetValue(AllowPrivateReceivers)) Set(ScimFunctions.Events.ReceiverAddressPolicy.AllowPrivateSetting, "true");
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddInMemoryCollection(values).Build();
        if (string.IsNullOrEmpty(configuration["Storage:ConnectionString"]) && string.IsNullOrEmpty(configuration["Storage:TableEndpoint"]))
            throw new AdminException(AdminErrorKind.StorageUnavailable,
                "no storage given: pass --table-endpoint (Azure) or --connection-string (Azurite: UseDevelopmentStorage=true), or set Storage__TableEndpoint.");

        // Log lines (maintenance's expiry warnings) go to stderr, so --json output stays parseable.
        var services = new ServiceCollection()
            .AddLogging(b => b.AddSimpleConsole().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning))
            .AddScimStorage(configuration)
            .AddScimAdministration()
            .BuildServiceProvider();
        try
        {
            AdminCore core;
            try
            {
                core = services.GetRequiredService<AdminCore>();
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
            {
                // The SDK clients are made here, from the storage settings.
                throw new AdminException(AdminErrorKind.StorageUnavailable, $"the storage settings are not valid ({e.Message}): check --connection-string / --table-endpoint / --key-vault-uri.", e);
            }
            await core.EnsureStorageAsync();
        }
        catch
        {
            await services.DisposeAsync();
            throw;
        }
        return services;
    }

    /// <summary>Runs a command's body with the admin core, disposing the services afterwards.</summary>
    static async Task<int> WithCoreAsync(ParseResult parse, Func<AdminCore, Task<int>> body)
    {
        await using var services = await BuildAsync(parse);
        return await body(services.GetRequiredService<AdminCore>());
    }

    static string TenantUrl(ParseResult parse, TenantId tenant) => ScimRoutes.TenantUrl(parse.GetValue(BaseUrl)!, tenant);

    static object Describe(TenantSettings s) => new
    {
        tenant = s.Tenant, deprovision = s.Deprovision.ToString(), mode = s.Mode.ToString(), provisioning = s.Provisioning.ToString(),
        activation = s.Activation.ToString(), groupProvisioning = s.GroupProvisioning.ToString(), groupRoles = s.GroupRoles, created = s.Created,
        brakeThreshold = s.BrakeThreshold, brakeWindowMinutes = s.BrakeWindowMinutes,
    };

    static string SettingsText(TenantSettings s) =>
        $"Provisioning: {s.Provisioning}\nDeprovisioning: {s.Deprovision}\nMode: {s.Mode}\nUser activation: {s.Activation}\nGroup provisioning: {s.GroupProvisioning}\nBrake: {Brake(s)}";

    static string Brake(TenantSettings s) => s.BrakeThreshold == 0 ? "off" : $"{s.BrakeThreshold} deprovisionings per {s.BrakeWindowMinutes} min";

    static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Rows under a header, columns padded; "No entries." when there are none.</summary>
    static string Table(string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        if (all.Count == 0) return "No entries.";
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Max(r => r[i].Length))).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i])));
        return string.Join(Environment.NewLine, all.Select(Line).Prepend(Line(headers)));
    }

    /// <summary>An enum option whose bad value reads "--mode must be one of Sync, DryRun (got 'x')." (exit code 2).</summary>
    static Option<T?> EnumOption<T>(string name, string description) where T : struct, Enum => new(name)
    {
        Description = $"{description}: {string.Join(" or ", Enum.GetNames<T>())}.",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (!int.TryParse(text, out _) && Enum.TryParse<T>(text, ignoreCase: true, out var value)) return value;
            result.AddError($"{name} must be one of {string.Join(", ", Enum.GetNames<T>())} (got '{text}').");
            return null;
        },
    };

    /// <summary>A date option whose bad value reads as what to type instead (exit code 2).</summary>
    static Option<DateTimeOffset?> DateOption(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)) return value;
            result.AddError($"{name} must be an ISO 8601 date or time such as 2026-01-31 or 2026-01-31T08:00:00Z (got '{text}').");
            return null;
        },
    };

    static Task WriteAsync(TextWriter output, ParseResult parse, object json, string human) =>
        output.WriteLineAsync(parse.GetValue(Json)
            ? JsonSerializer.Serialize(json, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true })
            : human.ToString(CultureInfo.InvariantCulture));
}
