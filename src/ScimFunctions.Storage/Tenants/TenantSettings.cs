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

    /// <summary>The deprovisioning brake (<see cref="DeprovisionBrake"/>): more user deletes and deactivations than this
    /// within <see cref="BrakeWindowMinutes"/> are held for the admin; 0 turns the brake off.</summary>
    public int BrakeThreshold { get; init; } = DefaultBrakeThreshold;

    /// <summary>The brake's sliding window, in minutes.</summary>
    public int BrakeWindowMinutes { get; init; } = DefaultBrakeWindowMinutes;

    /// <summary>On by default: a wrong scoping change in Entra deprovisions thousands in one cycle; 100 an hour is
    /// far above what joiners and leavers of an ordinary tenant produce and far below such a mistake.</summary>
    public const int DefaultBrakeThreshold = 100, DefaultBrakeWindowMinutes = 60;

    /// <summary>When every user row was known to keep its groups (<see cref="ScimFunctions.Contract.TenantSettingsRow.UserGroupsKept"/>):
    /// null on a tenant created before rows kept them, until maintenance has given them their copy.</summary>
    public DateTimeOffset? UserGroupsKept { get; init; }

    /// <summary>The longest brake window: a week.</summary>
    public const int MaxBrakeWindowMinutes = 10_080;
}
