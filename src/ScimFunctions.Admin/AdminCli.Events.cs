using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Administration;
using ScimFunctions.Events;

namespace ScimFunctions.Admin;

public static partial class AdminCli
{
    /// <summary><c>events subscribe|list|status|unsubscribe|rotate-key</c>: the tenant's SET receivers (RFC 8935
    /// push, through the admin core's <see cref="EventsAdmin"/>) and the signing keys.</summary>
    static Command EventsCommands(TextWriter output)
    {
        var events = new Command("events", "Provisioning events as signed RFC 9967 SETs: receivers, delivery state, signing keys.");
        var url = new Option<string>("--url") { Description = "The receiver's endpoint (RFC 8935 push): an absolute https URL on a public address.", Required = true };
        var audience = new Option<string?>("--audience") { Description = "The aud claim the receiver expects (default: its URL)." };
        var full = new Option<bool>("--full") { Description = "Full events: the resource's attributes in each SET (create/patch/put:full, RFC 9967 §2.4) instead of notices." };
        var receiverId = new Option<string>("--id") { Description = "The receiver's id (see `events list`).", Required = true };

        var subscribe = new Command("subscribe", "Push the tenant's events to a receiver, from now on. Prints what the receiver needs to verify them.") { Tenant, url, audience, full, AllowPrivateReceivers };
        subscribe.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var tenant = TenantOf(parse);
            var s = await core.Events.SubscribeAsync(tenant, parse.GetValue(url)!, parse.GetValue(audience), parse.GetValue(full), Caller, ct);
            var receiver = s.Receiver;
            await WriteAsync(output, parse,
                new { id = receiver.Id, url = receiver.Url, audience = receiver.Audience, full = receiver.Full, issuer = s.Issuer, jwksUrl = s.JwksUrl, bearer = s.Bearer, jwks = s.Jwks },
                $"""
                Receiver: {receiver.Id}
                URL: {receiver.Url}
                Events: {(receiver.Full ? "full (the resource's attributes in each SET)" : "notices")}
                The receiver verifies each SET (typ secevent+jwt, ES256) with:
                  Issuer (iss): {s.Issuer}
                  Audience (aud): {receiver.Audience}
                  Keys (JWKS): {s.JwksUrl}
                  Bearer secret the transmitter sends: {s.Bearer}
                Current keys: {s.Jwks.ToJsonString()}
                """);
            return Success;
        }));

        var list = new Command("list", "List the tenant's receivers.") { Tenant };
        list.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var rows = (await core.Events.ListAsync(TenantOf(parse), ct))
                .Select(r => new { id = r.Id, url = r.Url, audience = r.Audience, full = r.Full, created = r.Created, delivered = r.Delivered, backlog = r.Backlog, lastError = r.LastError }).ToList();
            await WriteAsync(output, parse, rows, string.Join(Environment.NewLine, rows.Select(r => $"{r.id}\t{r.url}\taudience {r.audience}\t{(r.full ? "full" : "notices")}\tdelivered {r.delivered}\tbacklog {r.backlog}")));
            return Success;
        }));

        var status = new Command("status", "Delivery state of the tenant's receivers: cursor, backlog, oldest undelivered, last error.") { Tenant };
        status.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            var receivers = await core.Events.ListAsync(TenantOf(parse), ct);
            var rows = receivers.Select(r => new
            {
                id = r.Id, url = r.Url, cursor = r.Cursor, backlog = r.Backlog, oldestUndeliveredAgeSeconds = r.OldestUndeliveredAge?.TotalSeconds,
                delivered = r.Delivered, refused = r.Refused, attempts = r.Attempts, nextAttempt = r.NextAttempt, lastError = r.LastError, lastErrorAt = r.LastErrorAt,
            });
            var lines = receivers.Select(r => $"{r.Id}\t{r.Url}\n  cursor {r.Cursor:u}, backlog {r.Backlog}, oldest undelivered {(r.OldestUndeliveredAge is { } age ? $"{age.TotalSeconds:0} s ago" : "none")}\n" +
                $"  delivered {r.Delivered}, refused {r.Refused}, failed attempts in a row {r.Attempts}" +
                (r.LastError is null ? "" : $"\n  last error {r.LastErrorAt:u}: {r.LastError}"));
            await WriteAsync(output, parse, rows, string.Join(Environment.NewLine, lines));
            return Success;
        }));

        var unsubscribe = new Command("unsubscribe", "Stop pushing to a receiver and remove it.") { Tenant, receiverId };
        unsubscribe.SetAction((parse, ct) => WithCoreAsync(parse, async core =>
        {
            await core.Events.UnsubscribeAsync(TenantOf(parse), parse.GetValue(receiverId)!, Caller, ct);
            await WriteAsync(output, parse, new { removed = true }, "Receiver removed.");
            return Success;
        }));

        var rotate = new Command("rotate-key", "Add a new signing key: published at once, signing after 2 minutes; the previous keys stay published (30 days).");
        rotate.SetAction(async (parse, ct) =>
        {
            await using var services = await BuildAsync(parse);
            var key = await services.GetRequiredService<SigningKeyRing>().RotateAsync(ct);
            await WriteAsync(output, parse, new { kid = key.Kid, created = key.Created }, $"New signing key {key.Kid}, created {key.Created:u}.");
            return 0;
        });

        foreach (var c in new[] { subscribe, list, status, unsubscribe, rotate }) events.Subcommands.Add(c);
        return events;
    }
}
