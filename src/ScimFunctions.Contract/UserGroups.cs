using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace ScimFunctions.Contract;

/// <summary>A user's group: its id and displayName (null when not known).</summary>
public sealed record GroupReference(string GroupId, string? DisplayName);

/// <summary>
/// A user row's own copy of its memberships (<see cref="RowProperties.Groups"/>): a JSON array
/// <c>[{ "value": groupId, "display": displayName }]</c> in group id order, written in every transaction that writes
/// the user's membership rows (conditional on the user row's ETag), so a user's <c>groups</c> cost the point read of
/// its row whatever their number. Bounded: past <see cref="MaxLength"/> characters (about 300 groups of 50-character
/// names) the column says "not kept" ("") from then on and the groups are read from the user's <c>memberof</c> rows.
/// </summary>
public static class UserGroups
{
    /// <summary>Under a table string property's 32K characters, with room for the row's other columns.</summary>
    public const int MaxLength = 30_000;

    /// <summary>The user's groups as its row keeps them, in group id order; null when the row does not keep them
    /// (past the bound, or a row written before the column existed): read the memberof rows then.</summary>
    public static IReadOnlyList<GroupReference>? Read(TableEntity row)
    {
        if (row.GetString(RowProperties.Groups) is not { } json)
            return row.GetBoolean(RowProperties.NoGroups) == true ? [] : null;
        if (json.Length == 0) return null;
        return [.. JsonNode.Parse(json)!.AsArray().Select(g => new GroupReference((string)g!["value"]!, (string?)g["display"]))];
    }

    /// <summary>The column's value for <paramref name="groups"/> (sorted here): "" when past the bound.</summary>
    public static string Write(IEnumerable<GroupReference> groups)
    {
        var array = new JsonArray();
        foreach (var group in groups.OrderBy(g => g.GroupId, StringComparer.Ordinal))
        {
            var item = new JsonObject { ["value"] = group.GroupId };
            if (group.DisplayName is not null) item["display"] = group.DisplayName;
            array.Add(item);
        }
        var json = array.ToJsonString();
        return json.Length <= MaxLength ? json : "";
    }

    /// <summary>Whether <paramref name="groups"/> (as <see cref="Read"/> returns them) include <paramref name="groupId"/>.</summary>
    public static bool Contains(IReadOnlyList<GroupReference> groups, string groupId) => groups.Any(g => g.GroupId == groupId);
}
