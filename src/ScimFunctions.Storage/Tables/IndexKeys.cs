using System.Text.Json.Nodes;
using ScimFunctions.Contract;
using ScimFunctions.Protocol.Resources;

namespace ScimFunctions.Storage.Tables;

/// <summary>The index rows a resource document needs: one unique claim (userName or group displayName)
/// and the non-unique lookups Entra queries by (externalId, emails). Written and removed in the same
/// transaction as the resource row, so they never disagree with it.</summary>
public sealed record IndexKeys(string UniqueClaim, IReadOnlySet<string> Lookups)
{
    /// <summary>Emails beyond this many are not indexed: keeps a user's write inside one 100-row transaction.</summary>
    const int MaxIndexedEmails = 20;

    public static IndexKeys For(ResourceKind kind, string id, JsonObject document)
    {
        var lookups = new HashSet<string>(StringComparer.Ordinal);
        var externalId = ScimJson.GetString(document, "externalId");
        if (kind == ResourceKind.User)
        {
            if (externalId is not null) lookups.Add(RowKeys.UserExternalIdPrefix(externalId) + id);
            if (ScimJson.Get(document, "emails") is JsonArray emails)
            {
                foreach (var email in emails.OfType<JsonObject>().Take(MaxIndexedEmails))
                {
                    if (ScimJson.GetString(email, "value") is { Length: > 0 } value)
                        lookups.Add(RowKeys.UserEmailPrefix(value) + id);
                }
            }
            return new IndexKeys(RowKeys.UserName(Required(document, "userName")), lookups);
        }
        if (externalId is not null) lookups.Add(RowKeys.GroupExternalIdPrefix(externalId) + id);
        return new IndexKeys(RowKeys.GroupName(Required(document, "displayName")), lookups);
    }

    static string Required(JsonObject document, string name) =>
        ScimJson.GetString(document, name) is { Length: > 0 } value
            ? value
            : throw new RequiredAttributeMissingException(name);
}
