using Azure.Data.Tables;
using ScimFunctions.Directory;
using ScimFunctions.IntegrationTests.Tokens;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.IntegrationTests.Application;

/// <summary>Reading a tenant's feed and directory in tests, through the application's library only.</summary>
public static class FeedTestSupport
{
    public static TableClient Resources(this ScimHost host) => host.Services.GetRequiredService<ScimTables>().Resources;

    /// <summary>A reader whose clock is a minute ahead with no settle window: once every request has answered,
    /// nothing is in flight, so everything committed is readable at once.</summary>
    public static ChangeFeedReader CaughtUpReader(this ScimHost host)
    {
        var clock = new ManualTimeProvider();
        clock.Advance(TimeSpan.FromMinutes(1));
        return new ChangeFeedReader(host.Resources(), new ChangeFeedOptions { SettleWindow = TimeSpan.Zero, Time = clock });
    }

    /// <summary>Every retained event of the tenant, oldest first, in pages of <paramref name="page"/>.</summary>
    public static async Task<List<ChangeEvent>> ReadAllAsync(this ChangeFeedReader reader, string tenant, string? cursor = null, int page = 100)
    {
        var events = new List<ChangeEvent>();
        while (true)
        {
            var next = await reader.ReadAsync(tenant, cursor, page);
            events.AddRange(next.Events);
            if (next.Events.Count == 0) return events;
            cursor = next.Cursor;
        }
    }

    public static Task<List<ChangeEvent>> EventsAsync(this ScimHost host, string tenant) => host.CaughtUpReader().ReadAllAsync(tenant);

    /// <summary>One line per event, with ids replaced by names, for exact comparisons.</summary>
    public static string Describe(ChangeEvent e, IReadOnlyDictionary<string, string> names)
    {
        string N(string? id) => id is not null && names.TryGetValue(id, out var n) ? n : id ?? "";
        var subject = e.UserId ?? e.GroupId;
        var text = subject is null ? e.Type : $"{e.Type} {N(subject)}";
        if (e.PreviousDisplayName is not null) text += $" from {e.PreviousDisplayName}";
        if (e.Changed.Count > 0) text += $" [{string.Join(",", e.Changed)}]";
        if (e.Members.Count > 0) text += " " + string.Join(",", e.Members.Select(m => $"{N(m.GroupId)}/{N(m.UserId)}"));
        if (e.SoftDeleted) text += " soft";
        if (e.Pending) text += " pending";
        if (e.AppKey is not null) text += $" appKey={e.AppKey}";
        return text;
    }
}
