using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Administration;
using ScimFunctions.Events;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Admin;

public static partial class AdminCli
{
    /// <summary><c>events subscribe|list|status|unsubscribe|rotate-key</c>: the tenant's SET receivers (RFC 8935
    /// push) and the signing keys.</summary>
    static Command EventsCommands(TextWriter output)
    {
        var events = new Command("events", "Provisioning events as signed RFC 9967 SETs: receivers, delivery state, signing keys.");
        var url = new Option<string>("--url") { Description = "The receiver's endpoint (RFC 8935 push): an absolute http(s) URL.", Required = true };
        var audience = new Option<string?>("--audience") { Description = "The aud claim the receiver expects (default: its URL)." };
        var full = new Option<bool>("--full") { Description = "Full events: the resource's attributes in each SET (create/patch/put:full, RFC 9967 §2.4) instead of notices." };
        var receiverId = new Option<string>("--id") { Description = "The receiver's id (see `events list`).", Required = true };

        var subscribe = new Command("subscribe", "Push the tenant's events to a receiver, from now on. Prints what the receiver needs to verify them.") { Tenant, url, audience, full };
        subscribe.SetAction(async (parse, ct) =>
        {
            var tenant = TenantOf(parse);
            await using var services = await BuildAsync(parse);
            if (await services.GetRequiredService<TenantStore>().GetAsync(tenant, ct) is null) throw AdminException.TenantNotFound(tenant);
            var receiver = await services.GetRequiredService<EventReceivers>().SubscribeAsync(tenant, Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var receiverUrl) ? receiverUrl : throw AdminException.Invalid("--url is an absolute http(s) URL."), parse.GetValue(audience), parse.GetValue(full), ct);
            var issuer = services.GetRequiredService<EventIssuer>();
            var jwks = await services.GetRequiredService<SigningKeyRing>().GetJwksAsync(ct);
            await WriteAsync(output, parse,
                new { id = receiver.Id, url = receiver.Url, audience = receiver.Audience, full = receiver.Full, issuer = issuer.For(tenant), jwksUrl = issuer.JwksUrl, bearer = receiver.Secret, jwks },
                $"""
                Receiver: {receiver.Id}
                URL: {receiver.Url}
                Events: {(receiver.Full ? "full (the resource's attributes in each SET)" : "notices")}
                The receiver verifies each SET (typ secevent+jwt, ES256) with:
                  Issuer (iss): {issuer.For(tenant)}
                  Audience (aud): {receiver.Audience}
                  Keys (JWKS): {issuer.JwksUrl}
                  Bearer secret the transmitter sends: {receiver.Secret}
                Current keys: {jwks.ToJsonString()}
                """);
            return 0;
        });

        var list = new Command("list", "List the tenant's receivers.") { Tenant };
        list.SetAction(async (parse, ct) =>
        {
            await using var services = await BuildAsync(parse);
            var rows = (await services.GetRequiredService<EventReceivers>().ListAsync(TenantOf(parse), ct))
                .Select(r => new { id = r.Id, url = r.Url, audience = r.Audience, full = r.Full, created = r.Created, delivered = r.Delivered, lastError = r.LastError }).ToList();
            await WriteAsync(output, parse, rows, string.Join(Environment.NewLine, rows.Select(r => $"{r.id}\t{r.url}\taudience {r.audience}\t{(r.full ? "full" : "notices")}\tdelivered {r.delivered}")));
            return 0;
        });

        var status = new Command("status", "Delivery state of the tenant's receivers: cursor, backlog, oldest undelivered, last error.") { Tenant };
        status.SetAction(async (parse, ct) =>
        {
            await using var services = await BuildAsync(parse);
            var store = services.GetRequiredService<EventReceivers>();
            var now = DateTimeOffset.UtcNow;
            var rows = new List<object>();
            var lines = new List<string>();
            foreach (var r in await store.ListAsync(TenantOf(parse), ct))
            {
                var s = await store.StatusAsync(r, ct);
                var oldestAge = s.OldestUndelivered is { } oldest ? now - oldest : (TimeSpan?)null;
                rows.Add(new
                {
                    id = r.Id, url = r.Url, cursor = s.CursorTime, backlog = s.Backlog, oldestUndeliveredAgeSeconds = oldestAge?.TotalSeconds,
                    delivered = r.Delivered, refused = r.Refused, attempts = r.Attempts, nextAttempt = r.NextAttempt, lastError = r.LastError, lastErrorAt = r.LastErrorAt,
                });
                lines.Add($"{r.Id}\t{r.Url}\n  cursor {s.CursorTime:u}, backlog {s.Backlog}, oldest undelivered {(oldestAge is { } age ? $"{age.TotalSeconds:0} s ago" : "none")}\n" +
                    $"  delivered {r.Delivered}, refused {r.Refused}, failed attempts in a row {r.Attempts}" +
                    (r.LastError is null ? "" : $"\n  last error {r.LastErrorAt:u}: {r.LastError}"));
            }
            await WriteAsync(output, parse, rows, string.Join(Environment.NewLine, lines));
            return 0;
        });

        var unsubscribe = new Command("unsubscribe", "Stop pushing to a receiver and remove it.") { Tenant, receiverId };
        unsubscribe.SetAction(async (parse, ct) =>
        {
            await using var services = await BuildAsync(parse);
            var removed = await services.GetRequiredService<EventReceivers>().UnsubscribeAsync(TenantOf(parse), parse.GetValue(receiverId)!, ct);
            await WriteAsync(output, parse, new { removed }, removed ? "Receiver removed." : "No such receiver.");
            return removed ? 0 : 1;
        });

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
