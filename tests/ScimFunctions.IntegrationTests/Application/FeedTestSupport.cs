using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Directory;
using ScimFunctions.IntegrationTests.Tokens;
using ScimFunctions.Storage;
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

    /// <summary>A tenant whose settings are set before its first request (the host caches settings briefly).</summary>
    public static async Task<TenantClient> TenantWithAsync(this ScimHost host, DeprovisionMode deprovision, OperationMode mode)
    {
        var tenant = await host.CreateTenantAsync();
        var store = host.Services.GetRequiredService<TenantStore>();
        var settings = (await store.GetAsync(tenant.Tenant, CancellationToken.None))!;
        await store.UpdateAsync(settings with { Deprovision = deprovision, Mode = mode }, CancellationToken.None);
        return tenant;
    }

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

    public static JsonObject Patch(params JsonObject[] operations) =>
        new() { ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:PatchOp"), ["Operations"] = new JsonArray(operations) };

    public static JsonObject Op(string op, string path, JsonNode? value = null)
    {
        var o = new JsonObject { ["op"] = op, ["path"] = path };
        if (value is not null) o["value"] = value;
        return o;
    }

    public static JsonArray Refs(params string[] ids) => new([.. ids.Select(id => (JsonNode)new JsonObject { ["value"] = id })]);

    public static string Id(this JsonObject resource) => resource["id"]!.GetValue<string>();
}
