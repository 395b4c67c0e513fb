using System.Text.Json.Nodes;
using ScimFunctions.Contract;

namespace ScimFunctions.Directory;

/// <summary>Where a user or group stands for the application.</summary>
public enum DirectoryStatus
{
    /// <summary>Provisioned and live: act on it.</summary>
    Live,

    /// <summary>Arrived while the tenant was in dry-run mode: visible to the identity provider, not yet live for
    /// the application. It becomes live (a <c>user.promoted</c> / <c>group.promoted</c> event) when the tenant
    /// switches to sync mode.</summary>
    Pending,

    /// <summary>Deleted by the identity provider in a tenant whose deprovisioning mode is "disable": kept, with
    /// <c>active: false</c>, so the application can block the account and keep its data. Users only.</summary>
    Deleted,
}

/// <summary>An email address of a user, as the identity provider sent it.</summary>
/// <param name="Value">The address.</param>
/// <param name="Type">"work", "home", "other" or absent.</param>
/// <param name="Primary">Whether the identity provider marked it primary.</param>
public sealed record DirectoryEmail(string Value, string? Type, bool Primary);

/// <summary>A provisioned user.</summary>
/// <param name="Id">The SCIM id (a GUID), stable for the user's lifetime; use it as the link to your account.</param>
/// <param name="UserName">The SCIM userName (unique per tenant, case-insensitively, among users not deleted).</param>
/// <param name="ExternalId">The identity provider's own id for the user, if it sent one.</param>
/// <param name="DisplayName">displayName, if sent.</param>
/// <param name="Emails">The emails, in the order sent.</param>
/// <param name="Active">False when the identity provider disabled the user (or deleted it, see <see cref="Status"/>).</param>
/// <param name="Status">Live, Pending (dry-run) or Deleted (kept in "disable" deprovisioning mode).</param>
/// <param name="AppKey">The application's own key for the user, when the user was imported or linked by
/// <c>scim-admin import</c>; otherwise null.</param>
/// <param name="Version">Counts the writes to the user's document; events carry the version they produced.</param>
/// <param name="Created">When the user was provisioned.</param>
/// <param name="LastModified">The last change (never moves backwards).</param>
/// <param name="Document">The SCIM document for every other attribute (name, phoneNumbers, the enterprise
/// extension under its URN, …), without id and meta. A copy: changing it changes nothing stored.</param>
public sealed record DirectoryUser(
    string Id,
    string UserName,
    string? ExternalId,
    string? DisplayName,
    IReadOnlyList<DirectoryEmail> Emails,
    bool Active,
    DirectoryStatus Status,
    string? AppKey,
    long Version,
    DateTimeOffset Created,
    DateTimeOffset LastModified,
    JsonObject Document)
{
    /// <summary>The user's app roles, parsed (the SCIM document keeps them as sent, under <c>roles</c>). Roles the
    /// user gets from its groups are not here: see <see cref="DirectoryReader.GetEffectiveRolesAsync"/>.</summary>
    public IReadOnlyList<DirectoryRole> Roles { get; init; } = [];

    /// <summary>The user arrived while the tenant's user activation was Manual and an admin has not activated it yet:
    /// the identity provider sees it normally, but do not let it in. A <c>user.activated</c> event clears it.</summary>
    public bool AwaitingActivation { get; init; }

    /// <summary>The groups the user is in (id and displayName), as its row keeps them: no further read. Null for a user
    /// in so many groups that its row does not keep them (about 300): use <see cref="DirectoryReader.ListGroupsOfUserAsync"/>.</summary>
    public IReadOnlyList<GroupReference>? Groups { get; init; }
}

/// <summary>A tenant's provisioning settings, as the service applies them (README, Operating). A change is a
/// <c>tenant.settings.changed</c> event in the change feed, naming what changed.</summary>
/// <param name="Provisioning">False: the tenant's admin turned provisioning off; the identity provider's requests are refused.</param>
/// <param name="DryRun">True: arriving users and groups are stored <see cref="DirectoryStatus.Pending"/>.</param>
/// <param name="ManualActivation">True: new users arrive <see cref="DirectoryUser.AwaitingActivation"/>.</param>
/// <param name="GroupProvisioning">False: the tenant is users-only; no groups arrive.</param>
/// <param name="DisableOnDelete">True: deleted users are kept, disabled (<see cref="DirectoryStatus.Deleted"/>); false: removed.</param>
/// <param name="GroupRoles">Groups (by id or displayName) whose members get an application role.</param>
public sealed record DirectoryTenantSettings(
    bool Provisioning,
    bool DryRun,
    bool ManualActivation,
    bool GroupProvisioning,
    bool DisableOnDelete,
    IReadOnlyList<GroupRoleMapping> GroupRoles);

/// <summary>A provisioned group. Members are rows, read with <see cref="DirectoryReader.ListMemberIdsAsync"/>.</summary>
/// <param name="Id">The SCIM id (a GUID).</param>
/// <param name="DisplayName">The group's name (unique per tenant, case-insensitively).</param>
/// <param name="ExternalId">The identity provider's own id for the group, if sent.</param>
/// <param name="Status">Live or Pending (dry-run). Deleted groups are gone.</param>
/// <param name="Version">Counts the writes to the group's document.</param>
/// <param name="Created">When the group was provisioned.</param>
/// <param name="LastModified">The last change to the group or its membership.</param>
/// <param name="Document">The SCIM document (without members, id and meta). A copy.</param>
public sealed record DirectoryGroup(
    string Id,
    string DisplayName,
    string? ExternalId,
    DirectoryStatus Status,
    long Version,
    DateTimeOffset Created,
    DateTimeOffset LastModified,
    JsonObject Document);

/// <summary>Which users and groups the list methods return. The default is live ones only.</summary>
public sealed record DirectoryListOptions
{
    /// <summary>Live users and groups only (the default).</summary>
    public static readonly DirectoryListOptions LiveOnly = new();

    /// <summary>Everything, each marked with its <see cref="DirectoryStatus"/>.</summary>
    public static readonly DirectoryListOptions All = new() { IncludePending = true, IncludeDeleted = true };

    /// <summary>Also return pending (dry-run) users and groups.</summary>
    public bool IncludePending { get; init; }

    /// <summary>Also return users deleted in "disable" deprovisioning mode.</summary>
    public bool IncludeDeleted { get; init; }

    internal bool Includes(DirectoryStatus status) => status switch
    {
        DirectoryStatus.Pending => IncludePending,
        DirectoryStatus.Deleted => IncludeDeleted,
        _ => true,
    };
}
