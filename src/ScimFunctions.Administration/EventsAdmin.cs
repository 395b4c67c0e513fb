using System.Text.Json.Nodes;
using ScimFunctions.Events;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Administration;

/// <summary>A receiver and where its delivery stands; never its bearer secret (shown once, at subscription).</summary>
/// <param name="Cursor">Stamp of the last change delivered.</param>
/// <param name="Backlog">Changes after the cursor, settled or not.</param>
/// <param name="OldestUndeliveredAge">Age of the first of them, if any.</param>
/// <param name="Attempts">Failed attempts in a row (0 when delivery is healthy).</param>
/// <param name="Full">Full events (the resource's attributes in each SET), not notices.</param>
public sealed record ReceiverView(string Id, Uri Url, string Audience, bool Full, DateTimeOffset Created, DateTimeOffset Cursor, int Backlog,
    TimeSpan? OldestUndeliveredAge, long Delivered, long Refused, int Attempts, DateTimeOffset? NextAttempt, string? LastError,
    DateTimeOffset? LastErrorAt, DateTimeOffset? LastDeliveredAt);

/// <summary>A new receiver and what it needs to verify the SETs it will get: shown once (the bearer secret is not shown again).</summary>
/// <param name="Bearer">The secret the transmitter sends as <c>Authorization: Bearer</c>; the receiver checks it.</param>
public sealed record SubscribedReceiver(ReceiverView Receiver, string Issuer, string JwksUrl, string Bearer, JsonObject Jwks);

/// <summary>
/// A tenant's push receivers of provisioning events (RFC 8935, on <see cref="EventReceivers"/>): subscribe, list with
/// their delivery state, unsubscribe. Each change is audited with its caller (<c>SUBSCRIBE Receiver</c>,
/// <c>UNSUBSCRIBE Receiver</c>). A receiver URL is https; plain http only to this machine (loopback, for development),
/// since the bearer secret and the users' data travel in each push. Its host must resolve to public addresses only
/// (<see cref="ReceiverAddressPolicy"/>, unless the deployment allows private receivers): refused here, readably,
/// and again at every connection.
/// </summary>
public sealed class EventsAdmin(EventReceivers receivers, EventIssuer issuer, SigningKeyRing keys, TenantStore tenants, AuditLog audit, TimeProvider time,
    ReceiverAddressPolicy addresses)
{
    public const int MaxAudienceLength = 512;

    /// <param name="full">Full events (RFC 9967 §2.4: the resource's attributes in each SET) instead of notices.</param>
    public async Task<SubscribedReceiver> SubscribeAsync(TenantId tenant, string url, string? audience, bool full, AdminCaller caller, CancellationToken ct)
    {
        var endpoint = ReceiverUrl(url);
        if (string.IsNullOrWhiteSpace(audience)) audience = null;
        else if (audience.Length > MaxAudienceLength) throw AdminException.Invalid($"The audience is at most {MaxAudienceLength} characters.");
        if (await addresses.RefusalAsync(endpoint, ct) is { } refusal) throw AdminException.Invalid(refusal);
        return await StorageGuard.RunAsync(async () =>
        {
            await RequireTenantAsync(tenant, ct);
            var receiver = await receivers.SubscribeAsync(tenant, endpoint, audience, full, ct);
            await audit.RecordAppliedAsync(tenant, caller.Write("SUBSCRIBE Receiver"), "Receiver", receiver.Id, ct);
            return new SubscribedReceiver(await ViewAsync(receiver, ct), issuer.For(tenant), issuer.JwksUrl, receiver.Secret, await keys.GetJwksAsync(ct));
        });
    }

    /// <summary>The tenant's receivers with their delivery state (the backlog costs one storage request per 1,000 events).</summary>
    public Task<IReadOnlyList<ReceiverView>> ListAsync(TenantId tenant, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        await RequireTenantAsync(tenant, ct);
        var views = new List<ReceiverView>();
        foreach (var r in (await receivers.ListAsync(tenant, ct)).OrderBy(r => r.Created)) views.Add(await ViewAsync(r, ct));
        return (IReadOnlyList<ReceiverView>)views;
    });

    /// <summary>Stops pushing to the receiver and removes it; <see cref="AdminErrorKind.NotFound"/> when the tenant has no such receiver.</summary>
    public Task UnsubscribeAsync(TenantId tenant, string id, AdminCaller caller, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        await RequireTenantAsync(tenant, ct);
        // Receiver ids are 32 hex digits; anything else (a '/' would be refused by storage) names no receiver.
        if (!Guid.TryParseExact(id, "N", out _) || !await receivers.UnsubscribeAsync(tenant, id, ct))
            throw AdminException.NotFound($"Tenant {tenant} has no receiver {id}: see `events list {tenant}`.");
        await audit.RecordAppliedAsync(tenant, caller.Write("UNSUBSCRIBE Receiver"), "Receiver", id, ct);
    });

    async Task<ReceiverView> ViewAsync(EventReceiver r, CancellationToken ct)
    {
        var s = await receivers.StatusAsync(r, ct);
        return new ReceiverView(r.Id, r.Url, r.Audience, r.Full, r.Created, s.CursorTime, s.Backlog, time.GetUtcNow() - s.OldestUndelivered,
            r.Delivered, r.Refused, r.Attempts, r.NextAttempt, r.LastError, r.LastErrorAt, r.LastDeliveredAt);
    }

    static Uri ReceiverUrl(string? url) =>
        Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var u) && u.UserInfo.Length == 0
            && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp && u.IsLoopback)
            ? u
            : throw AdminException.Invalid("A receiver URL is an absolute https URL (plain http only to this machine, for development).");

    async Task RequireTenantAsync(TenantId tenant, CancellationToken ct)
    {
        if (await tenants.GetAsync(tenant, ct) is null) throw AdminException.TenantNotFound(tenant);
    }
}
