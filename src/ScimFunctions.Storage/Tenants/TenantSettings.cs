using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Storage.Tenants;

public enum DeprovisionMode { Delete, Disable }

public enum OperationMode { Sync, DryRun }

/// <summary>Whether the tenant's SCIM endpoint answers at all: Off refuses every request (nothing stored is touched).</summary>
public enum ProvisioningState { On, Off }

public sealed record TenantSettings(TenantId Tenant, DeprovisionMode Deprovision, OperationMode Mode, DateTimeOffset Created)
{
    public ProvisioningState Provisioning { get; init; } = ProvisioningState.On;

    /// <summary>The tenant's declared extensions, undeclared-extension mode and roles (on the same row, so the
    /// request's one cached settings read brings it).</summary>
    public TenantSchema Schema { get; init; } = TenantSchema.Default;
}
