using System.Collections.Concurrent;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Http;

/// <summary>Tenant settings with a short in-memory cache: reads use one point read per tenant per
/// <see cref="Window"/>, so a settings change reaches reads on every instance within it. Writes ask for the row
/// fresh (one point read), so a change toward keeping data (Disable, DryRun, provisioning off) applies to every
/// write that starts after the admin was told it was saved, on every instance.</summary>
public sealed class TenantSettingsCache(TenantStore store, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);
    readonly ConcurrentDictionary<TenantId, (DateTimeOffset Until, TenantSettings? Settings)> _cache = new();

    public async Task<TenantSettings?> GetAsync(TenantId tenant, bool fresh, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (!fresh && _cache.TryGetValue(tenant, out var hit) && hit.Until > now) return hit.Settings;
        var settings = await store.GetAsync(tenant, ct);
        _cache[tenant] = (now + Window, settings);
        return settings;
    }
}
