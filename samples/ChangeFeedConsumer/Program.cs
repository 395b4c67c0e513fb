using System.Globalization;
using Azure.Data.Tables;
using Azure.Identity;
using ScimFunctions.Contract;
using ScimFunctions.Directory;

// Follows one tenant's change feed and prints what an application would do with each event. The cursor is saved
// to a file after every page, so a restart resumes where it stopped and sees every event once.
//
//   dotnet run --project samples/ChangeFeedConsumer -- --tenant demo --connection-string UseDevelopmentStorage=true
//   dotnet run --project samples/ChangeFeedConsumer -- --tenant contoso --table-endpoint https://<account>.table.core.windows.net

var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("""
        usage: ChangeFeedConsumer --tenant <tenant> (--connection-string <cs> | --table-endpoint <url>)
                                  [--table-prefix scim] [--cursor-file <path>] [--from-now]
                                  [--settle-seconds <s>] [--poll-seconds 5] [--once]
          --table-endpoint uses DefaultAzureCredential: give that identity only "Storage Table Data Reader".
          --once stops when the feed is caught up instead of polling.
        """);
    return 2;
}

TableClient table = options.ConnectionString is { } cs
    ? DirectoryReader.ResourceTable(cs, options.TablePrefix)
    : DirectoryReader.ResourceTable(new Uri(options.TableEndpoint!), new DefaultAzureCredential(), options.TablePrefix);
var feed = new ChangeFeedReader(table, new ChangeFeedOptions { SettleWindow = options.SettleWindow ?? ChangeFeedReader.DefaultSettleWindow });
var directory = new DirectoryReader(table);
var names = new Names(directory, options.Tenant);

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

var cursor = File.Exists(options.CursorFile) ? File.ReadAllText(options.CursorFile).Trim()
    : options.FromNow ? ChangeFeedReader.CursorAt(DateTimeOffset.UtcNow) : null;
Console.WriteLine($"Following tenant {options.Tenant} from {(cursor is null ? "the oldest retained event" : "the saved cursor")}; cursor file {options.CursorFile}.");
try
{
    while (!stop.IsCancellationRequested)
    {
        var page = await feed.ReadAsync(options.Tenant, cursor, 100, stop.Token);
        foreach (var e in page.Events) Console.WriteLine($"{e.Time:u}  {await names.DescribeAsync(e, stop.Token)}");
        if (page.Cursor != cursor)
        {
            // Saved only after the page is handled: a crash in between replays the page, so a real application
            // makes its handling idempotent (the event id, or the resource version, tells a replay apart).
            cursor = page.Cursor;
            var temporary = options.CursorFile + ".tmp";
            await File.WriteAllTextAsync(temporary, cursor, stop.Token);
            File.Move(temporary, options.CursorFile, overwrite: true);
        }
        if (page.Events.Count > 0) continue;
        if (options.Once) break;
        await Task.Delay(options.PollInterval, stop.Token);
    }
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
}
return 0;

/// <summary>What the application would do, in words. Names come from the events themselves, then from the
/// directory (a member event carries ids only), then fall back to the id of something already deleted.</summary>
sealed class Names(DirectoryReader directory, string tenant)
{
    readonly Dictionary<string, string> _users = [];
    readonly Dictionary<string, string> _groups = [];

    public async Task<string> DescribeAsync(ChangeEvent e, CancellationToken ct)
    {
        if (e.UserId is not null && e.UserName is not null) _users[e.UserId] = e.UserName;
        if (e.GroupId is not null && e.DisplayName is not null) _groups[e.GroupId] = e.DisplayName;
        var user = e.UserName;
        var group = e.DisplayName;
        var pending = e.Pending ? " [pending: dry-run, not live yet]" : "";
        return e.Type switch
        {
            FeedEventTypes.UserCreated when e.AppKey is not null => $"link {user} to existing account {e.AppKey}{pending}",
            FeedEventTypes.UserCreated => $"create account {user}{pending}",
            FeedEventTypes.UserUpdated => $"update {user}: {string.Join(", ", e.Changed)}{pending}",
            FeedEventTypes.UserDisabled => $"block {user}" + Also(e, "active"),
            FeedEventTypes.UserEnabled => $"unblock {user}" + Also(e, "active"),
            FeedEventTypes.UserDeleted when e.SoftDeleted => $"block {user} and keep its data (deleted in the identity provider)",
            FeedEventTypes.UserDeleted => $"delete account {user}",
            FeedEventTypes.UserPromoted => $"create account {user} (the tenant left dry-run)",
            FeedEventTypes.UserLinked => $"link {user} to existing account {e.AppKey}",
            FeedEventTypes.GroupCreated => $"create group {group}{pending}",
            FeedEventTypes.GroupRenamed => $"rename group {e.PreviousDisplayName} to {group}",
            FeedEventTypes.GroupUpdated => $"update group {group}: {string.Join(", ", e.Changed)}",
            FeedEventTypes.GroupDeleted => $"delete group {group}",
            FeedEventTypes.GroupPromoted => $"create group {group} (the tenant left dry-run)",
            FeedEventTypes.MemberAdded => string.Join("; ", await PairsAsync(e, "add {0} to {1}", ct)),
            FeedEventTypes.MemberRemoved => string.Join("; ", await PairsAsync(e, "remove {0} from {1}", ct)),
            _ => $"ignore {e.Type} (a newer event type: schema v{e.V})",
        };
    }

    static string Also(ChangeEvent e, string skip) =>
        e.Changed.Where(p => p != skip).ToList() is { Count: > 0 } other ? $" and update {string.Join(", ", other)}" : "";

    async Task<List<string>> PairsAsync(ChangeEvent e, string format, CancellationToken ct)
    {
        var lines = new List<string>();
        foreach (var m in e.Members)
            lines.Add(string.Format(CultureInfo.InvariantCulture, format, await UserAsync(m.UserId, ct), await GroupAsync(m.GroupId, ct)));
        return lines;
    }

    async Task<string> UserAsync(string id, CancellationToken ct) =>
        _users.TryGetValue(id, out var name) ? name
        : await directory.GetUserAsync(tenant, id, ct) is { } user ? _users[id] = user.UserName
        : $"user {id}";

    async Task<string> GroupAsync(string id, CancellationToken ct) =>
        _groups.TryGetValue(id, out var name) ? name
        : await directory.GetGroupAsync(tenant, id, ct) is { } group ? _groups[id] = group.DisplayName
        : $"group {id}";
}

sealed record Options(string Tenant, string? ConnectionString, string? TableEndpoint, string TablePrefix, string CursorFile,
    bool FromNow, TimeSpan? SettleWindow, TimeSpan PollInterval, bool Once)
{
    public static Options? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--from-now" or "--once") flags.Add(args[i]);
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length) values[args[i]] = args[++i];
            else return null;
        }
        if (!values.TryGetValue("--tenant", out var tenant)) return null;
        var connection = values.GetValueOrDefault("--connection-string");
        var endpoint = values.GetValueOrDefault("--table-endpoint");
        if ((connection is null) == (endpoint is null)) return null;
        static TimeSpan? Seconds(string? value) => value is null ? null : TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
        return new Options(tenant, connection, endpoint, values.GetValueOrDefault("--table-prefix") ?? DirectoryReader.DefaultTablePrefix,
            values.GetValueOrDefault("--cursor-file") ?? $".feed-cursor-{tenant}", flags.Contains("--from-now"),
            Seconds(values.GetValueOrDefault("--settle-seconds")), Seconds(values.GetValueOrDefault("--poll-seconds")) ?? TimeSpan.FromSeconds(5),
            flags.Contains("--once"));
    }
}
