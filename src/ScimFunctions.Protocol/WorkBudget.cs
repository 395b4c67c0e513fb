namespace ScimFunctions.Protocol;

/// <summary>
/// The CPU work one request may make the protocol core do (filter evaluation, value-filter matching in
/// PATCH, element scans), counted in steps where the work happens, and the request's deadline, checked
/// at each step. A body inside every size limit can still ask for billions of comparisons (a PATCH of
/// hundreds of long <c>or</c>-filtered paths over thousands of values); past the budget the request is
/// refused as the client's own doing (400 tooMany), past the deadline it is cancelled (503 upstream).
/// One budget is shared by everything a request does, retries of a conflicting write included.
/// </summary>
public sealed class WorkBudget(long maxSteps, CancellationToken deadline = default)
{
    /// <summary>Default steps per request: one step is one comparison or one element visited, 0.2–0.5 µs
    /// measured, so the whole budget is about a second of CPU at worst (docs/security.md).</summary>
    public const long DefaultMaxSteps = 2_000_000;

    /// <summary>Most distinct names an <c>attributes</c> or <c>excludedAttributes</c> list may hold: the
    /// User schema and its extensions have fewer than 100 attributes and sub-attributes together.</summary>
    public const int MaxAttributeNames = 200;

    long _spent;

    /// <summary>No step limit and no deadline: tools and tests that run trusted input.</summary>
    public static WorkBudget Unlimited => new(long.MaxValue);

    public long MaxSteps => maxSteps;

    /// <summary>Steps spent so far (for tests and measurements).</summary>
    public long Spent => Interlocked.Read(ref _spent);

    /// <summary>Counts <paramref name="steps"/> units of work; throws when the budget or the deadline is spent.</summary>
    public void Spend(long steps = 1)
    {
        deadline.ThrowIfCancellationRequested();
        if (Interlocked.Add(ref _spent, steps) > maxSteps)
            throw ScimException.BadRequest(ScimType.TooMany,
                $"The request needs more than {maxSteps} evaluation steps (filters × values × operations); split it or use simpler filters.");
    }
}
