namespace ScimFunctions.Events;

/// <summary>The event URIs of RFC 9967 (SCIM Profile for Security Event Tokens), §2.3–2.4 and its registry (§7.4).</summary>
public static class ScimEventUris
{
    const string Prov = "urn:ietf:params:scim:event:prov:";

    /// <summary>A resource was created; <c>attributes</c> lists what it was created with.</summary>
    public const string CreateNotice = Prov + "create:notice";

    /// <summary>A resource was changed by PATCH (or by the service itself: dry-run promotion, admin commands);
    /// <c>attributes</c> lists the changed paths (group membership changes are <c>["members"]</c> on the group,
    /// RFC 9967 figure 7).</summary>
    public const string PatchNotice = Prov + "patch:notice";

    /// <summary>A resource was replaced by PUT (RFC 9967 §2.4.3); <c>attributes</c> lists the paths whose values changed.</summary>
    public const string PutNotice = Prov + "put:notice";

    /// <summary>A resource was created; <c>data</c> is the resource as created (RFC 9967 §2.4.1), for receivers that
    /// asked for full events.</summary>
    public const string CreateFull = Prov + "create:full";

    /// <summary>A resource was changed by PATCH; <c>data</c> is a SCIM PatchOp message that takes the previous
    /// version to this one (RFC 9967 §2.4.2).</summary>
    public const string PatchFull = Prov + "patch:full";

    /// <summary>A resource was replaced by PUT; <c>data</c> is the resource as replaced (RFC 9967 §2.4.3).</summary>
    public const string PutFull = Prov + "put:full";

    /// <summary>A resource was deleted (no payload, no notice/full qualifier).</summary>
    public const string Delete = Prov + "delete";

    /// <summary>A resource (a user) became active.</summary>
    public const string Activate = Prov + "activate";

    /// <summary>A resource (a user) was deactivated.</summary>
    public const string Deactivate = Prov + "deactivate";

    /// <summary>The URIs this service issues: advertised as <c>securityEvents.eventUris</c> in
    /// ServiceProviderConfig (RFC 9967 §4).</summary>
    public static IReadOnlyList<string> Issued { get; } = [CreateNotice, PatchNotice, PutNotice, CreateFull, PatchFull, PutFull, Delete, Activate, Deactivate];
}
