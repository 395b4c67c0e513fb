using System.Text.Json;
using Azure.Data.Tables;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Storage.Tables;

/// <summary>One index row of a declared unique or indexed extension attribute (see <see cref="ExtensionIndex"/>).</summary>
public sealed record ExtensionRow(string RowKey, string Attribute, bool Unique);

/// <summary>
/// The extension index rows of a resource. Which rows a resource owns is recorded on its row
/// (<see cref="Property"/>): a declaration may change between two writes, and the rows to delete must be those
/// written, not those today's declaration would write (deleting a row that does not exist fails a transaction).
/// </summary>
public static class ExtensionRows
{
    public const string Property = "Indexed";

    public static IReadOnlyList<ExtensionRow> For(ResourceKind kind, string id, IReadOnlyList<IndexedValue> values) =>
        [.. values.Select(v => v.Unique
            ? new ExtensionRow(RowKeys.ExtensionClaim(kind, v.Attribute, v.Value), v.Attribute, true)
            : new ExtensionRow(RowKeys.ExtensionLookupPrefix(kind, v.Attribute, v.Value) + id, v.Attribute, false))
          .DistinctBy(r => r.RowKey)];

    public static IReadOnlyList<string> Recorded(TableEntity entity) =>
        entity.GetString(Property) is { Length: > 0 } json ? JsonSerializer.Deserialize<string[]>(json) ?? [] : [];

    public static void Record(TableEntity entity, IEnumerable<string> rowKeys)
    {
        var keys = rowKeys.ToArray();
        if (keys.Length > 0) entity[Property] = JsonSerializer.Serialize(keys);
    }
}
