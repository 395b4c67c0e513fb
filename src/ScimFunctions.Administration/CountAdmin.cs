using System.Collections.Concurrent;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Administration;

/// <summary>A tenant's users and groups by state, and when they were counted.</summary>
public sealed record TenantCounts(ResourceCounts Users, ResourceCounts Groups, DateTimeOffset CountedAt);

/// <summary>
/// Health at a glance: how many users and groups a tenant has, live, pending (dry run), awaiting activation and kept
/// disabled. A count reads every user and group row's flags (<see cref="ResourceStore.CountAsync"/>: one storage request
/// per 1,000 rows), so it is cached per tenant and instance for <see cref="CacheFor"/>; an admin action of this
/// instance that moves rows between states forgets the tenant's count (<see cref="Forget"/>).
/// </summary>
public sealed class CountAdmin(ResourceStore resources, TimeProvider time)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(60);

    readonly ConcurrentDictionary<TenantId, TenantCounts> _cache = new();

    public Task<TenantCounts> GetAsync(TenantId tenant, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(tenant, out var hit) && hit.CountedAt + CacheFor > now) return hit;
        var users = resources.CountAsync(tenant, ResourceKind.User, ct);
        var groups = resources.CountAsync(tenant, ResourceKind.Group, ct);
        return _cache[tenant] = new TenantCounts(await users, await groups, now);
    });

    public void Forget(TenantId tenant) => _cache.TryRemove(tenant, out _);
}
