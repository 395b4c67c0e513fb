using System.Text.Json.Nodes;

namespace ScimFunctions.Contract;

/// <summary>An app role of a user, parsed from the SCIM <c>roles</c> the identity provider sent, whichever Entra
/// mapping it used (<c>SingleAppRoleAssignment</c>: the plain value; <c>AppRoleAssignmentsComplex</c>: the JSON
/// object each value encodes). Stored on the user row (<see cref="RowProperties.Roles"/>) and in user events
/// (<see cref="FeedEvent.Roles"/>) as <c>[{ "id", "value", "displayName" }]</c>.</summary>
/// <param name="Id">Entra's app role id, when sent (AppRoleAssignmentsComplex); otherwise null.</param>
/// <param name="Value">The role's value (the app role's "value" claim).</param>
/// <param name="DisplayName">Its display name, when sent.</param>
public sealed record DirectoryRole(string? Id, string Value, string? DisplayName)
{
    /// <summary>The roles as stored: absent members omitted.</summary>
    public static JsonArray ToJson(IReadOnlyList<DirectoryRole> roles) => new([.. roles.Select(r =>
    {
        var role = new JsonObject();
        if (r.Id is not null) role["id"] = r.Id;
        role["value"] = r.Value;
        if (r.DisplayName is not null) role["displayName"] = r.DisplayName;
        return (JsonNode)role;
    })]);

    /// <summary>Reads stored roles; null when <paramref name="node"/> is not an array.</summary>
    public static IReadOnlyList<DirectoryRole>? Parse(JsonNode? node) => node is JsonArray roles
        ? [.. roles.OfType<JsonObject>().Select(r => new DirectoryRole(Text(r, "id"), Text(r, "value") ?? "", Text(r, "displayName")))]
        : null;

    static string? Text(JsonObject role, string name) => role[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
