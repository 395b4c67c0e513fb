using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Contract;

namespace ScimFunctions.Events;

/// <summary>An RFC 8936 poll request: acknowledgements and errors for SETs received before, and how many new ones
/// to return.</summary>
public sealed record PollRequest(int MaxEvents, bool ReturnImmediately, IReadOnlyList<string> Ack, IReadOnlyDictionary<string, string> SetErrs)
{
    public const int DefaultMaxEvents = 100, MaxMaxEvents = 1000;

    /// <summary>Reads the request body (RFC 8936 §2.2); null with a reason when it is malformed.</summary>
    public static (PollRequest? Request, string? Error) Parse(JsonNode? body)
    {
        if (body is not JsonObject o) return (null, "The poll request is a JSON object.");
        var max = DefaultMaxEvents;
        if (o["maxEvents"] is { } m && (m is not JsonValue mv || !mv.TryGetValue(out max) || max < 0)) return (null, "maxEvents is a non-negative integer.");
        var immediately = false;
        if (o["returnImmediately"] is { } r && (r is not JsonValue rv || !rv.TryGetValue(out immediately))) return (null, "returnImmediately is a boolean.");
        var ack = new List<string>();
        if (o["ack"] is { } a)
        {
            if (a is not JsonArray array || array.Any(j => j is not JsonValue v || !v.TryGetValue<string>(out _))) return (null, "ack is an array of jti strings.");
            ack.AddRange(array.Select(j => j!.GetValue<string>()));
        }
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        if (o["setErrs"] is { } e)
        {
            if (e is not JsonObject errs) return (null, "setErrs is an object of jti to error.");
            foreach (var (jti, error) in errs)
                errors[jti] = error?["err"] is JsonValue ev && ev.TryGetValue<string>(out var err) ? err + ": " + (error["description"]?.ToString() ?? "") : "error";
        }
        return (new PollRequest(Math.Min(max, MaxMaxEvents), immediately, ack, errors), null);
    }
}

/// <summary>
/// The poll side of delivery (RFC 8936): one poll stream per tenant, kept as the tenant's <c>eventpoll</c> row.
/// A poll returns the SETs after the stream's cursor that are not acknowledged yet, in feed order; acknowledged (or
/// errored) SETs are remembered until every SET of their feed event is, and then the cursor moves past the event.
/// A SET is returned again in every poll until acknowledged, with the same jti.
/// </summary>
public sealed class SetPolling(TableClient resources, SecurityEventSigner signer, Func<string, string> issuerOf, DeliveryOptions options, TimeProvider time)
{
    /// <summary>The audience of polled SETs: the poll endpoint itself.</summary>
    public static string Audience(string issuer) => issuer.TrimEnd('/') + "/Events/poll";

    public async Task<JsonObject> PollAsync(string tenant, PollRequest request, TimeSpan longPoll, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + longPoll;
        while (true)
        {
            var (sets, more) = await PollOnceAsync(tenant, request, ct);
            if (sets.Count > 0 || request.ReturnImmediately || request.MaxEvents == 0 || time.GetUtcNow() >= deadline)
                return new JsonObject { ["sets"] = new JsonObject(sets.Select(s => KeyValuePair.Create(s.Jti, (JsonNode?)s.Token))), ["moreAvailable"] = more };
            request = request with { Ack = [], SetErrs = new Dictionary<string, string>() }; // applied by the first pass
            await Task.Delay(options.SweepInterval, time, ct);
        }
    }

    async Task<(List<(string Jti, string Token)> Sets, bool More)> PollOnceAsync(string tenant, PollRequest request, CancellationToken ct)
    {
        var issuer = issuerOf(tenant);
        for (var attempt = 0; ; attempt++)
        {
            var row = await LoadAsync(tenant, ct);
            var acked = new HashSet<string>(JsonNode.Parse(row.GetString("Acked") ?? "[]")!.AsArray().Select(j => j!.GetValue<string>()), StringComparer.Ordinal);
            acked.UnionWith(request.Ack);
            acked.UnionWith(request.SetErrs.Keys);
            var cursor = row.GetString("Cursor")!;
            var window = await FeedReads.ReadAsync(resources, tenant, cursor, time.GetUtcNow() - options.SettleWindow, request.MaxEvents + acked.Count + 1, ct); // one more tells whether more is available

            var sets = new List<(string, string)>();
            var inWindow = new HashSet<string>(StringComparer.Ordinal);
            var movable = true;
            var more = false;
            foreach (var (key, json, _) in window)
            {
                var mapped = SecurityEventMapper.Map(JsonNode.Parse(json)!.AsObject(), issuer, Audience(issuer));
                inWindow.UnionWith(mapped.Select(s => s.Jti));
                if (movable && mapped.All(s => acked.Contains(s.Jti)))
                {
                    cursor = key;
                    acked.ExceptWith(mapped.Select(s => s.Jti));
                    continue;
                }
                movable = false;
                foreach (var set in mapped.Where(s => !acked.Contains(s.Jti)))
                {
                    if (sets.Count < request.MaxEvents) sets.Add((set.Jti, await signer.SignAsync(set, ct)));
                    else more = true;
                }
            }
            // Only acknowledgements of SETs still ahead are kept: a client cannot grow the row with made-up jtis.
            acked.IntersectWith(inWindow);
            row["Cursor"] = cursor;
            row["Acked"] = new JsonArray([.. acked.Order(StringComparer.Ordinal).Select(j => (JsonNode)j)]).ToJsonString();
            if (request.SetErrs.Count > 0)
            {
                row["Refused"] = (row.GetInt64("Refused") ?? 0) + request.SetErrs.Count;
                row["LastError"] = request.SetErrs.First().Value;
                row["LastErrorAt"] = time.GetUtcNow();
            }
            row["LastDeliveredAt"] = time.GetUtcNow();
            try
            {
                await resources.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct);
                return (sets, more);
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < 3)
            {
                // Another poll of the same stream moved it: apply this one's acknowledgements to its result.
            }
        }
    }

    /// <summary>The stream's row, made at the first poll: it starts with the events committed from then on.</summary>
    async Task<TableEntity> LoadAsync(string tenant, CancellationToken ct)
    {
        var found = await resources.GetEntityIfExistsAsync<TableEntity>(tenant, RowKeys.EventPoll, cancellationToken: ct);
        if (found.HasValue) return found.Value!;
        try
        {
            await resources.AddEntityAsync(new TableEntity(tenant, RowKeys.EventPoll) { ["Cursor"] = RowKeys.FeedAt(time.GetUtcNow()), ["Acked"] = "[]", ["Created"] = time.GetUtcNow() }, ct);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Made by a concurrent first poll.
        }
        return (await resources.GetEntityAsync<TableEntity>(tenant, RowKeys.EventPoll, cancellationToken: ct)).Value;
    }
}
