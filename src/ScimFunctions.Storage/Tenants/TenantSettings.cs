using ScimFunctions.Protocol;

namespace ScimFunctions.Storage.Tenants;

public enum DeprovisionMode { Delete, Disable }

public enum OperationMode { Sync, DryRun }

/// <summary>Whether the tenant's SCIM endpoint answers at all: Off refuses every request (nothing stored is touched).</summary>
public enum ProvisioningState { On, Off }

public sealed record TenantSettings(TenantId Tenant, DeprovisionMode Deprovision, OperationMode Mode, DateTimeOffset Created)
{
    public ProvisioningState Provisioning { get; init; } = ProvisioningState.On;
}
