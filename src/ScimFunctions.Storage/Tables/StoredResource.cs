using System.Text.Json.Nodes;
using Azure;
using ScimFunctions.Contract;

namespace ScimFunctions.Storage.Tables;

public enum ResourceKind { User, Group }

/// <summary>A resource as stored: the canonical document (see ScimJson) and the metadata the table row carries.
/// <see cref="Version"/> counts writes and becomes meta.version; <see cref="ETag"/> is the table's, used
/// for the conditional write that makes read-modify-write safe.</summary>
public sealed record StoredResource(
    ResourceKind Kind,
    string Id,
    JsonObject Document,
    long Version,
    DateTimeOffset Created,
    DateTimeOffset LastModified,
    ETag ETag)
{
    /// <summary>Created in dry-run mode and not yet made live (see TenantSettings).</summary>
    public bool Pending { get; init; }

    /// <summary>A user created while the tenant's user activation was Manual, not yet activated by an admin.</summary>
    public bool AwaitingActivation { get; init; }

    /// <summary>The application's own key for the user, set by the admin CLI import (a row property, not SCIM).</summary>
    public string? AppKey { get; init; }

    /// <summary>A user's groups as its row keeps them (<see cref="UserGroups"/>): empty for a user in no group, null
    /// when the row does not keep them (read the memberof rows then).</summary>
    public IReadOnlyList<GroupReference>? Groups { get; init; }

    /// <summary>A user known to be in no group: its <c>groups</c> and its deletion cost no membership read.</summary>
    public bool NoGroups => Groups is { Count: 0 };

    /// <summary>A group renamed whose members' <c>memberof</c> and user rows may still carry the old displayName
    /// (<see cref="MembershipStore.PropagateNameAsync"/> finishes the job and clears it).</summary>
    public bool RenamePending { get; init; }

    /// <summary>The row keys of the extension index rows this resource owns (see <see cref="ExtensionRows"/>).</summary>
    public IReadOnlyList<string> ExtensionIndexKeys { get; init; } = [];
}
