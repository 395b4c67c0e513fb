using Azure;
using Azure.Data.Tables;
using ScimFunctions.Contract;

namespace ScimFunctions.Storage.Tokens;

/// <summary>
/// Failed authentication attempts counted in storage, so the limit holds for the whole app, not per instance: an
/// attacker spreading guesses over N instances gets the limit once, not N times. One row per limited key (client
/// address, or tenant and address) in <see cref="RowKeys.AuthFailuresPartition"/>, a fixed window, one read and one
/// conditional write per failed attempt; valid tokens never touch it. A key over the limit is then also exhausted in
/// the instance's own limiter, so later attempts on that instance cost no storage until the window ends.
/// </summary>
public sealed class SharedFailureCount(ScimTables tables, TimeProvider time)
{
    readonly TableClient _table = tables.Resources;

    /// <summary>Concurrent failures of one key retry the conditional write.</summary>
    const int MaxAttempts = 16;

    /// <summary>Counts one failure of <paramref name="key"/>; returns the failures in the current window, this one included.
    /// Under heavy contention for one key (a flood from one address) a count that cannot be written after
    /// <see cref="MaxAttempts"/> is returned unwritten: the instance's own limiter still holds, and the flood is
    /// throttled there.</summary>
    public async Task<int> AddAsync(string key, TimeSpan window, CancellationToken ct)
    {
        var rowKey = RowKeys.Encode(key);
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var start = new DateTimeOffset(now.UtcTicks - now.UtcTicks % window.Ticks, TimeSpan.Zero);
            var response = await _table.GetEntityIfExistsAsync<TableEntity>(RowKeys.AuthFailuresPartition, rowKey, cancellationToken: ct);
            var row = response.HasValue ? response.Value : null;
            var count = (row?.GetDateTimeOffset("WindowStart") == start ? row.GetInt32("Count") ?? 0 : 0) + 1;
            var next = new TableEntity(RowKeys.AuthFailuresPartition, rowKey) { ["WindowStart"] = start, ["Count"] = count };
            try
            {
                if (row is null) await _table.AddEntityAsync(next, ct);
                else await _table.UpdateEntityAsync(next, row.ETag, TableUpdateMode.Replace, ct);
                return count;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                if (attempt == MaxAttempts) return count;
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), ct);
            }
        }
    }
}
