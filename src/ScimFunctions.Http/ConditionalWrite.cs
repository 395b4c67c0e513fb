using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Http;

/// <summary>
/// The one read-change-write loop of the user and group handlers. Each attempt reads the resource, decides,
/// and writes conditionally on the ETag it read; when another request changed the resource in between
/// (<see cref="ConcurrencyConflictException"/>) the attempt runs again on a fresh read, so concurrent PATCHes of
/// different attributes never lose an update. With If-Match the client asked for its version only, so a
/// conflict is its 412 (the pipeline's mapping), never a retry.
/// </summary>
public static class ConditionalWrite
{
    /// <summary>Enough for tens of concurrent writers to one resource.</summary>
    public const int MaxAttempts = 32;

    /// <param name="attempt">Given the attempt number (from 1): a delete that finds its resource gone after a
    /// conflict knows it was deleted (by itself, its response lost, or by a concurrent delete).</param>
    public static async Task<T> RunAsync<T>(ScimRequest request, Func<int, Task<T>> attempt)
    {
        for (var n = 1; ; n++)
        {
            try
            {
                return await attempt(n);
            }
            catch (ConcurrencyConflictException) when (n < MaxAttempts && !request.HasIfMatch)
            {
                // A short random wait, growing with each conflict, so concurrent writers spread out.
                await Task.Delay(Random.Shared.Next(1, 5 * n), request.Aborted);
            }
        }
    }
}
