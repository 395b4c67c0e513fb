using ScimFunctions.Protocol;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Administration;

/// <summary>A user created while the tenant's user activation was Manual, not yet activated.</summary>
public sealed record AwaitingUser(string Id, string UserName, DateTimeOffset Created);

/// <summary>
/// Manual user activation: with the tenant's <see cref="UserActivation"/> Manual, users created by SCIM arrive
/// awaiting an admin (SCIM clients see them normally; the application sees <c>AwaitingActivation</c>). List them and
/// activate one or all: each activation is one transaction with its <c>user.activated</c> event and audit entry.
/// </summary>
public sealed class ActivationAdmin(ResourceStore resources, TenantStore tenants)
{
    public Task<IReadOnlyList<AwaitingUser>> ListAwaitingUsersAsync(TenantId tenant, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        await RequireTenantAsync(tenant, ct);
        var users = new List<AwaitingUser>();
        await foreach (var user in resources.ListAwaitingActivationAsync(tenant, ct))
            users.Add(new AwaitingUser(user.Id, user.Document["userName"]?.ToString() ?? "", user.Created));
        return (IReadOnlyList<AwaitingUser>)users;
    });

    /// <summary>Activates one user awaiting activation; <see cref="AdminErrorKind.NotFound"/> when it is not awaiting.</summary>
    public Task ActivateUserAsync(TenantId tenant, string userId, AdminCaller caller, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        await RequireTenantAsync(tenant, ct);
        if (await resources.ActivateUsersAsync(tenant, userId, caller.Write("ACTIVATE User"), ct) == 0)
            throw AdminException.NotFound($"Tenant {tenant} has no user {userId} awaiting activation: see `users awaiting {tenant}`.");
    });

    /// <summary>Activates every user awaiting activation. Returns how many.</summary>
    public Task<int> ActivateAllUsersAsync(TenantId tenant, AdminCaller caller, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        await RequireTenantAsync(tenant, ct);
        return await resources.ActivateUsersAsync(tenant, null, caller.Write("ACTIVATE Users"), ct);
    });

    async Task RequireTenantAsync(TenantId tenant, CancellationToken ct)
    {
        if (await tenants.GetAsync(tenant, ct) is null) throw AdminException.TenantNotFound(tenant);
    }
}
