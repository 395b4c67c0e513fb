using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace ScimFunctions.Events;

public sealed record DeliveryOptions
{
    /// <summary>How old a feed event must be before it is sent (Events:SettleSeconds): transactions stamped
    /// earlier can commit later, and a cursor already past them would skip them (docs/integrating.md, "Settle
    /// window"). The feed's worst case is about 66 s during a storage incident.</summary>
    public TimeSpan SettleWindow { get; init; } = TimeSpan.FromSeconds(75);

    /// <summary>How long one push waits for the receiver's acknowledgement.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an instance owns a receiver's delivery once it has claimed it; a pass ends before.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Backoff after the first failure; it doubles per failure in a row up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Receivers delivered to at once by a sweep: a slow receiver holds one of them, never the others.</summary>
    public int Parallelism { get; init; } = 16;

    public int PageSize { get; init; } = 100;

    /// <summary>How often the local host's background service sweeps every receiver (Events:SweepSeconds).</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a poll without <c>returnImmediately</c> waits for an event (Events:LongPollSeconds). The HTTP
    /// layer keeps it 5 s under the request deadline (Limits:RequestTimeoutSeconds, 45 s), far below the Functions
    /// HTTP timeout (230 s).</summary>
    public TimeSpan LongPoll { get; init; } = TimeSpan.FromSeconds(20);
}

/// <summary>
/// Delivers each receiver's events: reads the tenant's change feed after the receiver's cursor, maps each event to
/// SETs, signs and pushes them in order, and moves the cursor past an event once all its SETs are acknowledged (or
/// refused for good). At least once: a SET is sent again until acknowledged, with the same jti. One instance at a
/// time per receiver: a pass claims the receiver's row with its ETag (a lease) and every cursor write is
/// conditional on it, so order holds with any number of instances.
/// </summary>
public sealed class EventDelivery(EventReceivers receivers, SecurityEventSigner signer, SetPushClient push, Azure.Data.Tables.TableClient resources,
    Func<string, string> issuerOf, DeliveryOptions options, TimeProvider time, ILogger<EventDelivery> logger)
{
    readonly string _instance = Guid.NewGuid().ToString("N");

    /// <summary>One pass over every receiver of every tenant (timer, background service).</summary>
    public async Task SweepAsync(CancellationToken ct)
    {
        var all = await receivers.ListAllAsync(ct);
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = ct },
            async (r, token) => await DeliverAsync(r.Tenant, r.Id, token));
    }

    /// <summary>One pass over one tenant's receivers (the kick after a write).</summary>
    public async Task DeliverTenantAsync(string tenant, CancellationToken ct)
    {
        foreach (var r in await receivers.ListAsync(tenant, ct)) await DeliverAsync(tenant, r.Id, ct);
    }

    /// <summary>Delivers what is due to one receiver; false when another instance holds it, it is backing off,
    /// or it failed this time.</summary>
    public async Task<bool> DeliverAsync(string tenant, string id, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var r = await receivers.GetAsync(tenant, id, ct);
        if (r is null || r.NextAttempt > now || (r.LeaseUntil > now && r.LeaseOwner != _instance)) return false;
        var until = now + options.Lease;
        if (await receivers.TryUpdateAsync(r with { LeaseOwner = _instance, LeaseUntil = until }, ct) is not { } etag) return false;
        r = r with { LeaseOwner = _instance, LeaseUntil = until, ETag = etag };

        var issuer = issuerOf(tenant);
        // Stop well before the lease ends, so no other instance can start while this one still sends.
        var stopAt = until - options.Lease / 4;
        while (time.GetUtcNow() < stopAt)
        {
            var page = await FeedReads.ReadAsync(resources, tenant, r.Cursor, time.GetUtcNow() - options.SettleWindow, options.PageSize, ct, snapshots: r.Full);
            if (page.Count == 0) break;
            var failed = false;
            foreach (var (key, json, snapshot) in page)
            {
                var result = await SendEventAsync(r, issuer, json, snapshot, ct);
                if (result.Outcome == PushOutcome.Retry)
                {
                    failed = true;
                    var attempts = r.Attempts + 1;
                    var backoff = TimeSpan.FromTicks(Math.Min(options.MaxBackoff.Ticks, options.FirstBackoff.Ticks << Math.Min(attempts - 1, 20)));
                    r = r with { Attempts = attempts, NextAttempt = time.GetUtcNow() + backoff, LastError = result.Error, LastErrorAt = time.GetUtcNow() };
                    logger.LogWarning("Events to receiver {Receiver} of tenant {Tenant} not acknowledged ({Error}); attempt {Attempts}, next in {Backoff}",
                        r.Id, tenant, result.Error, attempts, backoff);
                    break;
                }
                r = r with { Cursor = key, Attempts = 0, NextAttempt = null, LastDeliveredAt = time.GetUtcNow() };
                r = result.Outcome == PushOutcome.Rejected
                    ? r with { Refused = r.Refused + 1, LastError = result.Error, LastErrorAt = time.GetUtcNow() }
                    : r with { Delivered = r.Delivered + 1 };
            }
            // A failure gives the lease back at once: the next attempt is due after the backoff, on any instance.
            if (failed) r = r with { LeaseOwner = null, LeaseUntil = null };
            if (await receivers.TryUpdateAsync(r, ct) is not { } next) return false; // lost the lease or removed
            r = r with { ETag = next };
            if (failed) return false;
        }
        await receivers.TryUpdateAsync(r with { LeaseOwner = null, LeaseUntil = null }, ct);
        return true;
    }

    /// <summary>Sends every SET of one feed event: Retry as soon as one is not acknowledged (the event is sent
    /// again whole, with the same jti values); Rejected when one was refused for good.</summary>
    async Task<PushResult> SendEventAsync(EventReceiver r, string issuer, string json, string? snapshot, CancellationToken ct)
    {
        var outcome = new PushResult(PushOutcome.Delivered);
        foreach (var set in SecurityEventMapper.Map(JsonNode.Parse(json)!.AsObject(), issuer, r.Audience, r.Full, snapshot is null ? null : JsonNode.Parse(snapshot) as JsonObject))
        {
            var result = await push.PushAsync(r.Url, r.Secret, await signer.SignAsync(set, ct), options.AttemptTimeout, ct);
            if (result.Outcome == PushOutcome.Retry) return result;
            if (result.Outcome == PushOutcome.Rejected)
            {
                logger.LogWarning("Receiver {Receiver} of tenant {Tenant} refused SET {Jti}: {Error}", r.Id, r.Tenant, set.Jti, result.Error);
                outcome = result;
            }
        }
        return outcome;
    }
}
