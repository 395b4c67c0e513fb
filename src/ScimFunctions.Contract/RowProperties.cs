using System.Globalization;
using Azure.Data.Tables;

namespace ScimFunctions.Contract;

/// <summary>The properties of the rows: the resource rows' flags and document, the index rows' id, the feed
/// rows' event. The flags are what the application reads besides the document (see the README's Operating).</summary>
public static class RowProperties
{
    /// <summary>Index and membership rows: the id of the resource the row points at.</summary>
    public const string Id = "Id";

    /// <summary>Resource rows: counts the writes to the document (SCIM meta.version).</summary>
    public const string Version = "Version";

    /// <summary>Resource rows: when the resource was created.</summary>
    public const string Created = "Created";

    /// <summary>Resource rows: the last change to the resource (or a group's membership).</summary>
    public const string LastModified = "LastModified";

    /// <summary>Resource rows: created in dry-run mode, not yet live for the application.</summary>
    public const string Pending = "Pending";

    /// <summary>User rows: deleted in "disable" deprovisioning mode, kept for the application.</summary>
    public const string Deleted = "Deleted";

    /// <summary>User rows: created by SCIM while the tenant's user activation was Manual, and not yet activated by an
    /// admin. SCIM clients see the user normally; the application should not let it in until the flag is gone.</summary>
    public const string AwaitingActivation = "AwaitingActivation";

    /// <summary>User rows: the application's own key for the user (import).</summary>
    public const string AppKey = "AppKey";

    /// <summary>User rows: the user's app roles, parsed from the SCIM <c>roles</c> whichever Entra mapping sent them
    /// (<see cref="DirectoryRole.ToJson"/>: <c>[{ "id", "value", "displayName" }]</c>); absent when it has none.</summary>
    public const string Roles = "Roles";

    /// <summary>Resource rows: the keys of the extension index rows the resource owns (a JSON array), so a later
    /// write deletes the rows written, not those a changed declaration would write (the service's, not for the application).</summary>
    public const string Indexed = "Indexed";

    /// <summary>User rows: the user's groups, ids and displayNames (<see cref="UserGroups"/>), kept with every
    /// membership change; "" when the user is in too many groups to keep them there.</summary>
    public const string Groups = "Groups";

    /// <summary>User rows written before <see cref="Groups"/> existed: true when the user was in no group (read only).</summary>
    public const string NoGroups = "NoGroups";

    /// <summary><c>memberof</c> rows: the group's displayName, kept with the membership so the groups of a user whose row
    /// does not keep them (<see cref="UserGroups"/>) cost one range query whatever their number. Written with the membership; a rename rewrites it (see <see cref="RenamePending"/>).
    /// Absent on rows written before it existed: read the group row then.</summary>
    public const string Display = "Display";

    /// <summary>Group rows: the displayName changed and the group's <c>memberof</c> rows may still carry the old one
    /// (the service's, not for the application; cleared when every row has the new name).</summary>
    public const string RenamePending = "RenamePending";

    /// <summary>Feed rows: the event's type.</summary>
    public const string EventType = "Type";

    /// <summary>Feed rows: the event's JSON (<see cref="FeedEvent.ToJson()"/>).</summary>
    public const string Event = "Event";

    /// <summary>A table string property holds at most 32K characters; a document spans Doc, Doc1, … of this many.</summary>
    const int ChunkLength = 30_000;

    /// <summary>At most this many chunks, so a resource row stays under the 1 MiB entity limit.</summary>
    const int MaxChunks = 15;

    static string Chunk(int index) => index == 0 ? "Doc" : "Doc" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Every column a document may span: a query's <c>select</c> that reads documents. Feed rows of an
    /// event about one version of a resource (created, replaced, patched, promoted) carry that version's document in
    /// them too, written in the change's transaction: RFC 9967 full events are built from it.</summary>
    public static IReadOnlyList<string> DocumentColumns { get; } = [.. Enumerable.Range(0, MaxChunks).Select(Chunk)];

    /// <summary>Whether a resource row is a user deleted in "disable" mode.</summary>
    public static bool IsDeleted(TableEntity row) => row.GetBoolean(Deleted) == true;

    /// <summary>The resource document's JSON, reassembled from its chunks ("{}" when there is none).</summary>
    public static string ReadDocument(TableEntity row)
    {
        var json = row.GetString(Chunk(0)) ?? "{}";
        for (var i = 1; row.GetString(Chunk(i)) is { } more; i++) json += more;
        return json;
    }

    /// <summary>Stores the document's JSON in <paramref name="row"/>, in chunks; false when it is too large to store.</summary>
    public static bool TryWriteDocument(TableEntity row, string json)
    {
        var chunks = (json.Length + ChunkLength - 1) / ChunkLength;
        if (chunks > MaxChunks) return false;
        for (var i = 0; i < Math.Max(chunks, 1); i++)
            row[Chunk(i)] = json.Substring(i * ChunkLength, Math.Min(ChunkLength, json.Length - i * ChunkLength));
        return true;
    }
}
