using System.Text.Json;
using System.Text.Json.Nodes;

namespace ScimFunctions.Protocol.Resources;

/// <summary>An app role assignment as the application sees it. <see cref="Id"/> is Entra's app role id
/// when the client sent one (AppRoleAssignmentsComplex), else null.</summary>
public sealed record AppRole(string? Id, string Value, string? DisplayName);

/// <summary>
/// Reads a user's <c>roles</c> the two ways Entra sends them, without changing what is stored (roles are
/// kept as sent): <c>SingleAppRoleAssignment</c> targets <c>roles[primary eq "True"].value</c> with the
/// role's plain value; <c>AppRoleAssignmentsComplex</c> sends elements whose <c>value</c> is a JSON-encoded
/// object <c>{"id","value","displayName"}</c>. Anything else is a plain value whose display name is the
/// element's <c>display</c>.
/// </summary>
public static class AppRoles
{
    public static IReadOnlyList<AppRole> Parse(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (ScimJson.Get(document, "roles") is not JsonArray roles) return [];
        var result = new List<AppRole>();
        foreach (var element in roles.OfType<JsonObject>())
        {
            if (ScimJson.GetString(element, "value") is not { Length: > 0 } value) continue;
            result.Add(Encoded(value) ?? new AppRole(null, value, ScimJson.GetString(element, "display")));
        }
        return result;
    }

    /// <summary>The role inside a JSON-encoded value, or null when the value is not one.</summary>
    static AppRole? Encoded(string value)
    {
        if (!value.TrimStart().StartsWith('{')) return null;
        try
        {
            if (JsonNode.Parse(value) is not JsonObject role) return null;
            var inner = Scalar(ScimJson.Get(role, "value"));
            var id = Scalar(ScimJson.Get(role, "id"));
            if (inner is null && id is null) return null;
            return new AppRole(id, inner ?? id!, Scalar(ScimJson.Get(role, "displayName")));
        }
        catch (JsonException)
        {
            return null; // a plain value that happens to start with '{'
        }
    }

    // Entra's app role values are strings; a number sent instead keeps its JSON text.
    static string? Scalar(JsonNode? node) => node is JsonValue v
        ? v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
            _ => null,
        }
        : null;
}
