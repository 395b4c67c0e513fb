using System.Text.Json.Nodes;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Schema;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Storage.Tenants;

/// <summary>
/// Declares and reads a tenant's schema (extensions, undeclared-extension mode, available roles), stored on the
/// tenant's settings row. Called by the admin core's SchemaAdmin (which audits each change). A change reaches the SCIM
/// endpoint on every instance within the settings cache window (30 s). Declarations never touch stored resources.
/// </summary>
public sealed class TenantSchemaService(TenantStore tenants, ResourceStore resources)
{
    /// <summary>The tenant's schema, or null when the tenant does not exist.</summary>
    public async Task<TenantSchema?> GetAsync(TenantId tenant, CancellationToken ct) =>
        (await tenants.GetAsync(tenant, ct))?.Schema;

    /// <summary>Applies a declaration file (see <see cref="TenantSchema.Apply"/>) and saves the result.</summary>
    /// <param name="requestId">The admin action's (its audit entry's), for the settings change event.</param>
    public Task<TenantSchema?> DeclareAsync(TenantId tenant, JsonNode file, string? resourceType, CancellationToken ct, string? requestId = null) =>
        ChangeAsync(tenant, schema => schema.Apply(file, resourceType), ct, requestId);

    public Task<TenantSchema?> SetUndeclaredAsync(TenantId tenant, UndeclaredExtensions undeclared, CancellationToken ct, string? requestId = null) =>
        ChangeAsync(tenant, schema => schema.With(undeclared), ct, requestId);

    public Task<TenantSchema?> SetRolesAsync(TenantId tenant, IReadOnlyList<AvailableRole> roles, CancellationToken ct, string? requestId = null) =>
        ChangeAsync(tenant, schema => schema.With(roles), ct, requestId);

    /// <summary>Writes the index rows the declaration asks for on users and groups written before it (see
    /// <see cref="ResourceStore.ReindexAsync"/>). Null when the tenant does not exist.</summary>
    public async Task<(int Updated, IReadOnlyList<string> Conflicts)?> ReindexAsync(TenantId tenant, CancellationToken ct)
    {
        if (await GetAsync(tenant, ct) is not { } schema) return null;
        var users = await resources.ReindexAsync(tenant, ResourceKind.User, schema.User, ct);
        var groups = await resources.ReindexAsync(tenant, ResourceKind.Group, schema.Group, ct);
        return (users.Updated + groups.Updated, [.. users.Conflicts, .. groups.Conflicts]);
    }

    async Task<TenantSchema?> ChangeAsync(TenantId tenant, Func<TenantSchema, TenantSchema> change, CancellationToken ct, string? requestId)
    {
        if (await tenants.GetAsync(tenant, ct) is not { } settings) return null;
        var updated = settings with { Schema = change(settings.Schema) };
        await tenants.UpdateAsync(updated, ct, requestId);
        return updated.Schema;
    }
}
