using System.Text.Json.Nodes;

namespace ScimFunctions.Contract;

/// <summary>A group-to-role mapping of a tenant: members of the group get the application role.</summary>
/// <param name="Group">The group's id (a value shaped like one is taken as an id), or its displayName
/// (case-insensitive): a mapping by name follows the group holding that name today, so a renamed group keeps its
/// role only when mapped by id.</param>
/// <param name="Role">The application role's value.</param>
public sealed record GroupRoleMapping(string Group, string Role)
{
    /// <summary>The mappings as stored on the settings row: <c>[{ "group", "role" }]</c>.</summary>
    public static JsonArray ToJson(IReadOnlyList<GroupRoleMapping> mappings) =>
        new([.. mappings.Select(m => (JsonNode)new JsonObject { ["group"] = m.Group, ["role"] = m.Role })]);

    /// <summary>Reads stored mappings (entries without both members are skipped); empty when absent.</summary>
    public static IReadOnlyList<GroupRoleMapping> Parse(string? json) =>
        json is null || JsonNode.Parse(json) is not JsonArray array
            ? []
            : [.. array.OfType<JsonObject>()
                .Select(o => (Group: o["group"] is JsonValue g && g.TryGetValue<string>(out var group) ? group : null,
                    Role: o["role"] is JsonValue r && r.TryGetValue<string>(out var role) ? role : null))
                .Where(m => m.Group is { Length: > 0 } && m.Role is { Length: > 0 })
                .Select(m => new GroupRoleMapping(m.Group!, m.Role!))];
}

/// <summary>
/// The tenant settings row (<see cref="RowKeys.TenantSettings"/>, one per tenant partition): its property names,
/// which are also the names <see cref="FeedEventTypes.SettingsChanged"/> lists in <see cref="FeedEvent.Changed"/>,
/// and the stored values an application acts on. Values are the service's enum names, stored as strings.
/// </summary>
public static class TenantSettingsRow
{
    /// <summary><c>On</c> (default) or <c>Off</c>: Off refuses every SCIM request of the tenant.</summary>
    public const string Provisioning = "Provisioning";

    /// <summary><c>Sync</c> (default) or <c>DryRun</c>: DryRun stores arriving users and groups as pending.</summary>
    public const string Mode = "Mode";

    /// <summary><c>Delete</c> (default) or <c>Disable</c>: what DELETE /Users does.</summary>
    public const string Deprovision = "Deprovision";

    /// <summary><c>Automatic</c> (default) or <c>Manual</c>: Manual marks users created by SCIM
    /// <see cref="RowProperties.AwaitingActivation"/> until an admin activates them.</summary>
    public const string Activation = "Activation";

    /// <summary><c>On</c> (default) or <c>Off</c>: Off makes the tenant users-only.</summary>
    public const string GroupProvisioning = "GroupProvisioning";

    /// <summary>The group-to-role mappings, JSON (<see cref="GroupRoleMapping.ToJson"/>); absent when none.</summary>
    public const string GroupRoles = "GroupRoles";

    /// <summary>The tenant's declared schema (extensions, undeclared mode, available roles), JSON; absent when none.</summary>
    public const string Schema = "Schema";

    /// <summary>The deprovisioning brake's threshold: user deletes and deactivations per window past which they are
    /// held for the admin (<c>held|{user}</c> rows); 0 turns it off. Absent on older rows: the default, 100.</summary>
    public const string BrakeThreshold = "BrakeThreshold";

    /// <summary>The deprovisioning brake's window in minutes. Absent on older rows: the default, 60.</summary>
    public const string BrakeWindowMinutes = "BrakeWindowMinutes";

    /// <summary>When every user row of the tenant was known to keep its groups (<see cref="RowProperties.Groups"/>): set
    /// at creation, and on tenants created by earlier versions by the maintenance job once it has given each older
    /// row its copy; absent until then. Bookkeeping, not a setting.</summary>
    public const string UserGroupsKept = "UserGroupsKept";

    /// <summary>When the tenant was created.</summary>
    public const string Created = "Created";

    /// <summary>The stored value of an "off" switch (<see cref="Provisioning"/>, <see cref="GroupProvisioning"/>).</summary>
    public const string Off = "Off";

    /// <summary>The stored <see cref="Mode"/> of dry-run.</summary>
    public const string DryRun = "DryRun";

    /// <summary>The stored <see cref="Deprovision"/> that keeps deleted users disabled.</summary>
    public const string Disable = "Disable";

    /// <summary>The stored <see cref="Activation"/> that holds new users for an admin.</summary>
    public const string Manual = "Manual";
}
