using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace ScimFunctions.Directory;

/// <summary>
/// The few row keys and row properties this library reads, so applications never see them. They mirror
/// ScimFunctions.Storage.Tables.RowKeys and ResourceStore, which this library cannot reference (it ships
/// to applications without the service's dependencies); an integration test compares the two.
/// </summary>
internal static class TableLayout
{
    public const string UserPrefix = "user|";
    public const string GroupPrefix = "group|";
    public static string User(string id) => UserPrefix + id;
    public static string Group(string id) => GroupPrefix + id;
    public static string UserName(string userName) => "username|" + Encode(userName.ToUpperInvariant());
    public static string GroupName(string displayName) => "groupname|" + Encode(displayName.ToUpperInvariant());
    public static string UserExternalIdPrefix(string externalId) => "userext|" + Encode(externalId) + "|";
    public static string UserEmailPrefix(string email) => "useremail|" + Encode(email.ToUpperInvariant()) + "|";
    public static string UserAppKey(string appKey) => "userappkey|" + Encode(appKey);
    public static string MemberPrefix(string groupId) => "member|" + groupId + "|";
    public static string MemberOfPrefix(string userId) => "memberof|" + userId + "|";

    public const string Pending = "Pending";
    public const string Deleted = "Deleted";
    public const string AppKey = "AppKey";

    /// <summary>A user row's parsed app roles: <c>[{ "id", "value", "displayName" }]</c> (ResourceStore.RolesProperty).</summary>
    public const string Roles = "Roles";

    /// <summary>Upper bound of a prefix range: the last character's successor.</summary>
    public static string PrefixEnd(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);

    public static string RangeFilter(string tenant, string prefix) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and RowKey ge {prefix} and RowKey lt {PrefixEnd(prefix)}");

    /// <summary>Same encoding as the service's RowKeys.Encode: key-unsafe characters escaped, long values hashed.</summary>
    public static string Encode(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '%' or '/' or '\\' or '#' or '?' or '|' or '\'' || char.IsControl(c))
                builder.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            else
                builder.Append(c);
        }
        if (builder.Length <= 256) return builder.ToString();
        return "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
    }

    /// <summary>The SCIM document, stored in one or more string properties (Doc, Doc1, …) because a table
    /// string property holds at most 32K characters.</summary>
    public static JsonObject Document(TableEntity entity)
    {
        var json = entity.GetString("Doc") ?? "{}";
        for (var i = 1; entity.GetString("Doc" + i.ToString(CultureInfo.InvariantCulture)) is { } more; i++) json += more;
        return JsonNode.Parse(json) as JsonObject ?? [];
    }

    public static string IdOf(TableEntity entity) => entity.RowKey[(entity.RowKey.IndexOf('|') + 1)..];
}

/// <summary>Keys of the change feed rows: <c>feed|{utc ticks:D19}|{unique}</c>, so key order is stamp order.</summary>
internal static class FeedKeys
{
    public const string Prefix = "feed|";

    public static string Key(DateTimeOffset stamp, string unique) => At(stamp) + "|" + unique;

    /// <summary>Sorts before every key stamped at or after <paramref name="instant"/> and after every earlier one.</summary>
    public static string At(DateTimeOffset instant) => Prefix + instant.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    public static string EncodeCursor(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(key)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string DecodeCursor(string cursor)
    {
        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
        string key;
        try
        {
            key = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw new ArgumentException("Not a change feed cursor.", nameof(cursor));
        }
        return key.StartsWith(Prefix, StringComparison.Ordinal) ? key : throw new ArgumentException("Not a change feed cursor.", nameof(cursor));
    }
}
