using System.Text.Json;
using Azure.Data.Tables;
using ScimFunctions.Contract;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Storage.Tables;

/// <summary>One index row of a declared unique or indexed extension attribute (see <see cref="ExtensionIndex"/>).</summary>
public sealed record ExtensionRow(string RowKey, string Attribute, bool Unique);

/// <summary>
/// The extension index rows of a resource. Which rows a resource owns is recorded on its row
/// (<see cref="RowProperties.Indexed"/>): a declaration may change between two writes, and the rows to delete must be those
/// written, not those today's declaration would write (deleting a row that does not exist fails a transaction).
/// </summary>
public static class ExtensionRows
{
    public static IReadOnlyList<ExtensionRow> For(ResourceKind kind, string id, IReadOnlyList<IndexedValue> values) =>
        [.. values.Select(v => v.Unique
            ? new ExtensionRow(Claim(kind, v.Attribute, v.Value), v.Attribute, true)
            : new ExtensionRow(LookupPrefix(kind, v.Attribute, v.Value) + id, v.Attribute, false))
          .DistinctBy(r => r.RowKey)];

    /// <summary>The claim row of a declared unique extension attribute's folded value.</summary>
    public static string Claim(ResourceKind kind, string attribute, string folded) =>
        kind == ResourceKind.User ? RowKeys.UserExtensionClaim(attribute, folded) : RowKeys.GroupExtensionClaim(attribute, folded);

    /// <summary>Where the index rows of a declared indexed extension attribute's folded value start.</summary>
    public static string LookupPrefix(ResourceKind kind, string attribute, string folded) =>
        kind == ResourceKind.User ? RowKeys.UserExtensionIndexPrefix(attribute, folded) : RowKeys.GroupExtensionIndexPrefix(attribute, folded);

    public static IReadOnlyList<string> Recorded(TableEntity entity) =>
        entity.GetString(RowProperties.Indexed) is { Length: > 0 } json ? JsonSerializer.Deserialize<string[]>(json) ?? [] : [];

    public static void Record(TableEntity entity, IEnumerable<string> rowKeys)
    {
        var keys = rowKeys.ToArray();
        if (keys.Length > 0) entity[RowProperties.Indexed] = JsonSerializer.Serialize(keys);
    }
}
