using Azure.Core;
using System.Text;
using Azure.Data.Tables;
using ScimFunctions.Contract;

namespace ScimFunctions.Directory;

/// <summary>Options of a <see cref="ChangeFeedReader"/>.</summary>
public sealed record ChangeFeedOptions
{
    /// <summary>
    /// How old an event must be before it is read (default <see cref="ChangeFeedReader.DefaultSettleWindow"/>).
    ///
    /// Why: each event is keyed by the instant its transaction was stamped, just before it was sent, but
    /// transactions do not commit in stamp order. One stamped earlier can commit later (a slow or retried
    /// request, another instance, a clock a little ahead), and a reader that had already moved past its key
    /// would never see it. Reading only events older than the window means every transaction that could
    /// still land behind the cursor has landed. The window must exceed the longest time from stamp to commit
    /// plus the clock skew between the service's instances and the reader: normally milliseconds, but with the
    /// service's storage retry policy (4 attempts, 10 s network timeout, 30 s server-side timeout) a commit
    /// can land about a minute late during a storage incident. The default covers that; a shorter window
    /// delivers sooner and trades away that guarantee.
    /// </summary>
    public TimeSpan SettleWindow { get; init; } = ChangeFeedReader.DefaultSettleWindow;

    /// <summary>The reader's clock (tests replace it).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>A page of events and the cursor to continue from.</summary>
/// <param name="Events">The events, oldest first; empty when there is nothing new yet.</param>
/// <param name="Cursor">Persist it and pass it to the next read. Equal to the cursor passed in when nothing was read.</param>
public sealed record ChangeFeedPage(IReadOnlyList<ChangeEvent> Events, string? Cursor);

/// <summary>
/// Reads a tenant's change feed: provisioning events in commit-stamp order, each exactly once, resumable
/// from an opaque cursor. Events are written by the service in the same storage transaction as the change
/// they describe, so an event exists if and only if its change was applied. They are kept for the service's
/// <c>Feed__RetentionDays</c> (default 30): read at least that often, or resynchronise with
/// <see cref="DirectoryReader"/>'s list methods. Read-only, like <see cref="DirectoryReader"/>.
/// </summary>
public sealed class ChangeFeedReader
{
    /// <summary>The default settle window (see <see cref="ChangeFeedOptions.SettleWindow"/>): the service's worst
    /// case from stamp to commit (about 66 s) plus a margin for clock skew.</summary>
    public static readonly TimeSpan DefaultSettleWindow = TimeSpan.FromSeconds(75);

    /// <summary>Largest page a read returns.</summary>
    public const int MaxPageSize = 1000;

    readonly TableClient _table;
    readonly ChangeFeedOptions _options;

    /// <summary>Reads through an existing client of the service's resource table.</summary>
    public ChangeFeedReader(TableClient resources, ChangeFeedOptions? options = null)
    {
        _table = resources;
        _options = options ?? new ChangeFeedOptions();
    }

    /// <summary>Reads the deployed service's table with an Entra ID credential.</summary>
    public ChangeFeedReader(Uri tableEndpoint, TokenCredential credential, string tablePrefix = DirectoryReader.DefaultTablePrefix, ChangeFeedOptions? options = null)
        : this(DirectoryReader.ResourceTable(tableEndpoint, credential, tablePrefix), options)
    {
    }

    /// <summary>A cursor that starts reading at <paramref name="instant"/>: events stamped earlier are skipped.
    /// Pass <c>null</c> instead to read from the oldest retained event.</summary>
    public static string CursorAt(DateTimeOffset instant) => EncodeCursor(RowKeys.FeedAt(instant));

    /// <summary>Reads up to <paramref name="max"/> events after <paramref name="cursor"/> (null: from the oldest
    /// retained event) that are older than the settle window.</summary>
    public async Task<ChangeFeedPage> ReadAsync(string tenant, string? cursor, int max = 100, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        max = Math.Min(max, MaxPageSize);
        var after = cursor is null ? RowKeys.FeedPrefix : DecodeCursor(cursor);
        var horizon = RowKeys.FeedAt(_options.Time.GetUtcNow() - _options.SettleWindow);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and RowKey gt {after} and RowKey lt {horizon}");

        var events = new List<ChangeEvent>();
        string? last = null;
        // Rows come in key order; the query may return short or empty pages before the last one, so keep
        // paging until the page is full or the range is exhausted.
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: max, select: ["RowKey", RowProperties.Event], cancellationToken: ct))
        {
            events.Add(ChangeEvent.Parse(row.GetString(RowProperties.Event) ?? "{}"));
            last = row.RowKey;
            if (events.Count == max) break;
        }
        return new ChangeFeedPage(events, last is null ? cursor : EncodeCursor(last));
    }

    /// <summary>A cursor is the last key read, base64url-encoded so applications treat it as opaque.</summary>
    static string EncodeCursor(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(key)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    static string DecodeCursor(string cursor)
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
        return RowKeys.KindOf(key) == RowKind.Feed ? key : throw new ArgumentException("Not a change feed cursor.", nameof(cursor));
    }
}
