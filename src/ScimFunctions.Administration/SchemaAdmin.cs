using System.Text.Json.Nodes;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Schema;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Administration;

/// <summary>
/// A tenant's schema: declared extensions, undeclared-extension mode and the roles it offers (through
/// <see cref="TenantSchemaService"/>). Writes honour a change at once on every instance, reads within the settings
/// cache window (30 s); declaring never rewrites stored resources. A declaration that does not parse or validate is
/// refused whole with <see cref="AdminErrorKind.InvalidDeclaration"/>, nothing saved.
/// </summary>
public sealed class SchemaAdmin(TenantSchemaService schemas, AuditLog audit)
{
    public Task<TenantSchema> GetAsync(TenantId tenant, CancellationToken ct) => StorageGuard.RunAsync(async () =>
        await schemas.GetAsync(tenant, ct) ?? throw AdminException.TenantNotFound(tenant));

    /// <summary>Applies a declaration file (see <see cref="TenantSchema.Apply"/>): schemas added or replaced by URN, or a
    /// whole declaration document replacing everything.</summary>
    public Task<TenantSchema> DeclareAsync(TenantId tenant, JsonNode file, string? resourceType, AdminCaller caller, CancellationToken ct) =>
        ChangeAsync(tenant, "DECLARE Schema", caller, ct, requestId => schemas.DeclareAsync(tenant, file, resourceType, ct, requestId));

    public Task<TenantSchema> SetUndeclaredAsync(TenantId tenant, UndeclaredExtensions undeclared, AdminCaller caller, CancellationToken ct) =>
        ChangeAsync(tenant, "SET UndeclaredExtensions", caller, ct, requestId => schemas.SetUndeclaredAsync(tenant, undeclared, ct, requestId));

    /// <summary>Replaces the roles listed at /Roles.</summary>
    public Task<TenantSchema> SetRolesAsync(TenantId tenant, IReadOnlyList<AvailableRole> roles, AdminCaller caller, CancellationToken ct) =>
        ChangeAsync(tenant, "SET Roles", caller, ct, requestId => schemas.SetRolesAsync(tenant, roles, ct, requestId));

    /// <summary>Writes the index rows of declared unique/indexed attributes for resources written before the declaration;
    /// returns how many resources were updated and the values claimed twice (not written).</summary>
    public Task<(int Updated, IReadOnlyList<string> Conflicts)> ReindexAsync(TenantId tenant, AdminCaller caller, CancellationToken ct) => StorageGuard.RunAsync(async () =>
    {
        var result = await schemas.ReindexAsync(tenant, ct) ?? throw AdminException.TenantNotFound(tenant);
        await audit.RecordAppliedAsync(tenant, caller.Write("REINDEX Schema"), "Schema", result.Updated.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
        return result;
    });

    /// <summary>A roles file's content (a JSON array of <c>{ "value", "display", "type" }</c>) as roles.</summary>
    public static IReadOnlyList<AvailableRole> ReadRoles(JsonNode file) => Validated(() => TenantSchema.Read(new JsonObject { ["roles"] = file.DeepClone() }).Roles);

    Task<TenantSchema> ChangeAsync(TenantId tenant, string operation, AdminCaller caller, CancellationToken ct, Func<string, Task<TenantSchema?>> change) =>
        StorageGuard.RunAsync(async () =>
        {
            var write = caller.Write(operation);
            var schema = await Validated(() => change(write.RequestId)) ?? throw AdminException.TenantNotFound(tenant);
            await audit.RecordAppliedAsync(tenant, write, "Schema", string.Join(",", schema.Extensions.Select(e => e.Schema.Id)), ct);
            return schema;
        });

    /// <summary>The protocol's validation errors (a declaration that does not parse or check) as the admin core's.</summary>
    static T Validated<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ScimException e)
        {
            throw new AdminException(AdminErrorKind.InvalidDeclaration, $"the declaration was refused, nothing saved: {e.Detail}", e);
        }
    }

    static async Task<T> Validated<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (ScimException e)
        {
            throw new AdminException(AdminErrorKind.InvalidDeclaration, $"the declaration was refused, nothing saved: {e.Detail}", e);
        }
    }
}
