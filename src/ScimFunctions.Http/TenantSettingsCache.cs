using System.Collections.Concurrent;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Http;

/// <summary>Tenant settings with a short in-memory cache: one point read per tenant per window, not per
/// request. A settings change reaches every instance within the window.</summary>
public sealed class TenantSettingsCache(TenantStore store, TimeProvider time)
{
    static readonly TimeSpan Window = TimeSpan.FromSeconds(30);
    readonly ConcurrentDictionary<TenantId, (DateTimeOffset Until, TenantSettings? Settings)> _cache = new();

    public async Task<TenantSettings?> GetAsync(TenantId tenant, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(tenant, out var hit) && hit.Until > now) return hit.Settings;
        var settings = await store.GetAsync(tenant, ct);
        _cache[tenant] = (now + Window, settings);
        return settings;
    }
}
