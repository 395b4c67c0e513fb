using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;

namespace ScimFunctions.Contract;

/// <summary>
/// The row-key layout of a tenant partition (partition key = tenant id). Every kind of row has its own prefix,
/// so a kind is one contiguous key range and a lookup by value is a point read or a short range query.
/// </summary>
public static class RowKeys
{
    const char Separator = '|';

    /// <summary>The tenant's settings row.</summary>
    public const string TenantSettings = "tenant";

    /// <summary>Prefix of the user rows.</summary>
    public const string UserPrefix = "user|";

    /// <summary>Prefix of the group rows.</summary>
    public const string GroupPrefix = "group|";

    /// <summary>Prefix of the change feed rows.</summary>
    public const string FeedPrefix = "feed|";

    /// <summary>Prefix of a tenant's event receivers (RFC 8935 push endpoints): <c>receiver|{id}</c>, holding the delivery state.</summary>
    public const string EventReceiverPrefix = "receiver|";

    /// <summary>The tenant's SET poll stream (RFC 8936): one row, its cursor and acknowledgements.</summary>
    public const string EventPoll = "eventpoll";

    /// <summary>The tenant's deprovisioning brake: one row, its window counts and whether it holds (see <see cref="HeldPrefix"/>).</summary>
    public const string DeprovisionBrake = "brake";

    /// <summary>Prefix of the deprovisionings held by the brake: <c>held|{user id}</c>, one per user, until the admin
    /// releases or discards it.</summary>
    public const string HeldPrefix = "held|";

    /// <summary>A partition no tenant can have: the failed authentication attempts of the whole app, one row per client
    /// address and per tenant and address (the service's, not for the application).</summary>
    public const string AuthFailuresPartition = "~auth-failures";

    /// <summary>A partition no tenant can have (tenant ids are lowercase letters, digits and hyphens): one row per
    /// event receiver of any tenant (<see cref="EventReceiverIndex"/>), so the delivery sweep finds them without scanning tenants.</summary>
    public const string EventReceiversPartition = "~event-receivers";

    /// <summary>A partition no tenant can have: one row per scanned index-paged listing (<see cref="ScanBookmark"/>), where the
    /// next page resumes, so any instance continues a listing another one served (the service's, not for the application).</summary>
    public const string ScanBookmarksPartition = "~scan-bookmarks";

    const string UserNameRows = "username|";
    const string GroupNameRows = "groupname|";
    const string UserExternalIdRows = "userext|";
    const string UserEmailRows = "useremail|";
    const string GroupExternalIdRows = "groupext|";
    const string UserAppKeyRows = "userappkey|";
    const string MemberRows = "member|";
    const string MemberOfRows = "memberof|";
    const string UserExtensionClaimRows = "userxclaim|";
    const string UserExtensionIndexRows = "userxindex|";
    const string GroupExtensionClaimRows = "groupxclaim|";
    const string GroupExtensionIndexRows = "groupxindex|";

    /// <summary>Looked up by a span of the key, so classifying a partition's rows allocates nothing.</summary>
    static readonly Dictionary<string, RowKind>.AlternateLookup<ReadOnlySpan<char>> Kinds = new Dictionary<string, RowKind>(StringComparer.Ordinal)
    {
        [UserPrefix] = RowKind.User, [GroupPrefix] = RowKind.Group,
        [UserNameRows] = RowKind.UserName, [GroupNameRows] = RowKind.GroupName,
        [UserExternalIdRows] = RowKind.UserExternalId, [UserEmailRows] = RowKind.UserEmail, [GroupExternalIdRows] = RowKind.GroupExternalId,
        [UserAppKeyRows] = RowKind.UserAppKey, [MemberRows] = RowKind.Member, [MemberOfRows] = RowKind.MemberOf, [FeedPrefix] = RowKind.Feed,
        [UserExtensionClaimRows] = RowKind.UserExtensionClaim, [UserExtensionIndexRows] = RowKind.UserExtensionIndex,
        [GroupExtensionClaimRows] = RowKind.GroupExtensionClaim, [GroupExtensionIndexRows] = RowKind.GroupExtensionIndex,
        [EventReceiverPrefix] = RowKind.EventReceiver, [EventPoll] = RowKind.EventPoll,
        [DeprovisionBrake] = RowKind.DeprovisionBrake, [HeldPrefix] = RowKind.Held,
    }.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The kind of a row, from its key: its prefix, or the whole key of a single-row kind.</summary>
    public static RowKind KindOf(string rowKey) =>
        Kinds.TryGetValue(rowKey.IndexOf(Separator) is var end and >= 0 ? rowKey.AsSpan(0, end + 1) : rowKey, out var kind) ? kind : RowKind.Other;

    /// <summary>The key of a user's row.</summary>
    public static string User(string id) => UserPrefix + id;

    /// <summary>The key of a group's row.</summary>
    public static string Group(string id) => GroupPrefix + id;

    /// <summary>The resource id in a user or group row's key.</summary>
    public static string IdOf(string resourceRowKey) => resourceRowKey[(resourceRowKey.IndexOf(Separator) + 1)..];

    /// <summary>Unique claim on a userName (case-insensitive): one row per value, so two concurrent
    /// creates cannot both commit.</summary>
    public static string UserName(string userName) => UserNameRows + Encode(userName.ToUpperInvariant());

    /// <summary>Unique claim on a group's displayName (case-insensitive).</summary>
    public static string GroupName(string displayName) => GroupNameRows + Encode(displayName.ToUpperInvariant());

    /// <summary>Non-unique index: value then id, so all ids for a value are one range query.</summary>
    public static string UserExternalIdPrefix(string externalId) => UserExternalIdRows + Encode(externalId) + Separator;

    /// <summary>Non-unique index of a user's emails (case-insensitive).</summary>
    public static string UserEmailPrefix(string email) => UserEmailRows + Encode(email.ToUpperInvariant()) + Separator;

    /// <summary>Non-unique index of a group's externalId.</summary>
    public static string GroupExternalIdPrefix(string externalId) => GroupExternalIdRows + Encode(externalId) + Separator;

    /// <summary>Unique claim on a tenant's declared unique extension attribute of a user, by its full name
    /// <c>urn:…:name</c> (case-insensitive) and its value as folded by the service (ExtensionIndex).</summary>
    public static string UserExtensionClaim(string attribute, string folded) => ExtensionKey(UserExtensionClaimRows, attribute, folded);

    /// <summary>Unique claim on a declared unique extension attribute of a group.</summary>
    public static string GroupExtensionClaim(string attribute, string folded) => ExtensionKey(GroupExtensionClaimRows, attribute, folded);

    /// <summary>Non-unique index of a user's declared indexed extension attribute: value then id.</summary>
    public static string UserExtensionIndexPrefix(string attribute, string folded) => ExtensionKey(UserExtensionIndexRows, attribute, folded) + Separator;

    /// <summary>Non-unique index of a group's declared indexed extension attribute: value then id.</summary>
    public static string GroupExtensionIndexPrefix(string attribute, string folded) => ExtensionKey(GroupExtensionIndexRows, attribute, folded) + Separator;

    static string ExtensionKey(string rows, string attribute, string folded) => rows + Encode(attribute.ToUpperInvariant()) + Separator + Encode(folded);

    /// <summary>Unique claim on an application user key (case-exact), written by the admin CLI import.</summary>
    public static string UserAppKey(string appKey) => UserAppKeyRows + Encode(appKey);

    /// <summary>Membership rows of a group (group → user).</summary>
    public static string MemberPrefix(string groupId) => MemberRows + groupId + Separator;

    /// <summary>One membership row, group → user.</summary>
    public static string Member(string groupId, string userId) => MemberPrefix(groupId) + userId;

    /// <summary>Membership rows of a user (user → group).</summary>
    public static string MemberOfPrefix(string userId) => MemberOfRows + userId + Separator;

    /// <summary>One membership row, user → group.</summary>
    public static string MemberOf(string userId, string groupId) => MemberOfPrefix(userId) + groupId;

    /// <summary>Sorts after every feed key stamped before <paramref name="instant"/> and before the others:
    /// feed keys are <c>feed|{utc ticks:D19}|{unique}</c>, so key order is stamp order.</summary>
    public static string FeedAt(DateTimeOffset instant) => FeedPrefix + instant.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The stamp of a feed key (or of a <see cref="FeedAt"/> bound).</summary>
    public static DateTimeOffset FeedStampOf(string feedKey) =>
        new(long.Parse(feedKey.AsSpan(FeedPrefix.Length, 19), CultureInfo.InvariantCulture), TimeSpan.Zero);

    /// <summary>The key of a feed event stamped <paramref name="stamp"/>.</summary>
    public static string Feed(DateTimeOffset stamp, string unique) => FeedAt(stamp) + Separator + unique;

    /// <summary>The key of a user's held deprovisioning.</summary>
    public static string Held(string userId) => HeldPrefix + userId;

    /// <summary>The key of a tenant's event receiver row.</summary>
    public static string EventReceiver(string id) => EventReceiverPrefix + id;

    /// <summary>The key of a listing's row in <see cref="ScanBookmarksPartition"/>: the tenant, then the listing (resource
    /// kind and canonical filter), encoded; one row per listing, so paging it again overwrites rather than adds.</summary>
    public static string ScanBookmark(string tenant, string listing) => ScanBookmarkPrefix(tenant) + Encode(listing);

    /// <summary>The keys of a tenant's rows in <see cref="ScanBookmarksPartition"/> start with this (for <see cref="RangeFilter"/>).</summary>
    public static string ScanBookmarkPrefix(string tenant) => tenant + Separator;

    /// <summary>The key of a receiver's row in <see cref="EventReceiversPartition"/>: <c>{tenant}|{id}</c>.</summary>
    public static string EventReceiverIndex(string tenant, string id) => tenant + Separator + id;

    /// <summary>The tenant and receiver id of an <see cref="EventReceiverIndex"/> key.</summary>
    public static (string Tenant, string Id) OfEventReceiverIndex(string indexKey) =>
        indexKey.IndexOf(Separator) is var bar ? (indexKey[..bar], indexKey[(bar + 1)..]) : default;

    /// <summary>The rows of a tenant (or of a partition no tenant can have) whose keys start with <paramref name="prefix"/>
    /// (a prefix ending in the separator): the range up to the separator's successor.</summary>
    public static string RangeFilter(string tenant, string prefix) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and RowKey ge {prefix} and RowKey lt {prefix[..^1] + (char)(prefix[^1] + 1)}");

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
                builder.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            else
                builder.Append(c);
        }
        if (builder.Length <= 256) return builder.ToString();
        return "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
    }
}
