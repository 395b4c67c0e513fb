using System.Security.Cryptography;
using System.Text;

namespace ScimFunctions.Storage.Tables;

/// <summary>
/// The row-key layout of a tenant partition. Every kind of row has its own prefix, so a kind is one
/// contiguous key range and a lookup by value is a point read or a short range query.
/// </summary>
public static class RowKeys
{
    const char Separator = '|';

    public const string TenantSettings = "tenant";

    public static string User(string id) => "user|" + id;
    public static string Group(string id) => "group|" + id;
    public const string UserPrefix = "user|";
    public const string GroupPrefix = "group|";

    /// <summary>Unique claim on a userName (case-insensitive): one row per value, so two concurrent
    /// creates cannot both commit.</summary>
    public static string UserName(string userName) => "username|" + Encode(userName.ToUpperInvariant());
    public static string GroupName(string displayName) => "groupname|" + Encode(displayName.ToUpperInvariant());

    /// <summary>Non-unique indexes: value then id, so all ids for a value are one range query.</summary>
    public static string UserExternalIdPrefix(string externalId) => "userext|" + Encode(externalId) + Separator;
    public static string UserEmailPrefix(string email) => "useremail|" + Encode(email.ToUpperInvariant()) + Separator;
    public static string GroupExternalIdPrefix(string externalId) => "groupext|" + Encode(externalId) + Separator;

    /// <summary>A tenant's declared unique (claim: one row per value) or indexed (lookup: value then id) extension
    /// attribute, by its full name <c>urn:…:name</c> and its value folded by <c>ExtensionIndex</c>.</summary>
    public static string ExtensionClaim(ResourceKind kind, string attribute, string folded) =>
        ExtensionPrefix(kind, "claim") + Encode(attribute.ToUpperInvariant()) + Separator + Encode(folded);
    public static string ExtensionLookupPrefix(ResourceKind kind, string attribute, string folded) =>
        ExtensionPrefix(kind, "index") + Encode(attribute.ToUpperInvariant()) + Separator + Encode(folded) + Separator;

    /// <summary>"userxclaim|", "groupxindex|" …: where a resource's extension index rows start.</summary>
    public static string ExtensionPrefix(ResourceKind kind, string what) => (kind == ResourceKind.User ? "userx" : "groupx") + what + Separator;

    /// <summary>Unique claim on an application user key (case-exact), written by the admin CLI import.</summary>
    public static string UserAppKey(string appKey) => "userappkey|" + Encode(appKey);

    /// <summary>Membership, both directions: group → user and user → group.</summary>
    public static string MemberPrefix(string groupId) => "member|" + groupId + Separator;
    public static string Member(string groupId, string userId) => MemberPrefix(groupId) + userId;
    public static string MemberOfPrefix(string userId) => "memberof|" + userId + Separator;
    public static string MemberOf(string userId, string groupId) => MemberOfPrefix(userId) + groupId;

    /// <summary>Upper bound of a prefix range: the separator's successor ends every key that starts with the prefix.</summary>
    public static string PrefixEnd(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);

    /// <summary>
    /// Makes any attribute value safe inside a row key: Table keys forbid '/', '\', '#', '?' and control
    /// characters, and '|' separates our key parts. Long values are replaced by their SHA-256 so keys
    /// stay under the 1 KiB limit; equal values still give equal keys.
    /// </summary>
    public static string Encode(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '%' or '/' or '\\' or '#' or '?' or '|' or '\'' || char.IsControl(c))
                builder.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            else
                builder.Append(c);
        }
        if (builder.Length <= 256) return builder.ToString();
        return "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
    }
}
