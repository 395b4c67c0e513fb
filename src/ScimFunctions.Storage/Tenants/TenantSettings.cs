using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Storage.Tenants;

public enum DeprovisionMode { Delete, Disable }

public enum OperationMode { Sync, DryRun }

/// <summary>Whether the tenant's SCIM endpoint answers at all: Off refuses every request (nothing stored is touched).</summary>
public enum ProvisioningState { On, Off }

/// <summary>Whether users created by SCIM are live for the application at once (Automatic) or await an admin's
/// activation (Manual). SCIM clients see no difference.</summary>
public enum UserActivation { Automatic, Manual }

/// <summary>Whether the tenant provisions groups: Off makes it users-only (no /Groups, group requests refused).</summary>
public enum GroupProvisioningState { On, Off }

public sealed record TenantSettings(TenantId Tenant, DeprovisionMode Deprovision, OperationMode Mode, DateTimeOffset Created)
{
    public ProvisioningState Provisioning { get; init; } = ProvisioningState.On;

    public UserActivation Activation { get; init; } = UserActivation.Automatic;

    public GroupProvisioningState GroupProvisioning { get; init; } = GroupProvisioningState.On;

    /// <summary>Groups (by id or displayName) whose members get an application role; the read library adds them to
    /// each member's effective roles.</summary>
    public IReadOnlyList<ScimFunctions.Contract.GroupRoleMapping> GroupRoles { get; init; } = [];

    /// <summary>The tenant's declared extensions, undeclared-extension mode and roles (on the same row, so the
    /// request's one cached settings read brings it).</summary>
    public TenantSchema Schema { get; init; } = TenantSchema.Default;
}
