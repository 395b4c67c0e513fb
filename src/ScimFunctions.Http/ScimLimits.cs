namespace ScimFunctions.Http;

/// <summary>Request limits; each is configurable (Limits:*) and answered with a SCIM error.</summary>
public sealed record ScimLimits
{
    /// <summary>Largest request body (413 beyond).</summary>
    public int MaxBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Largest page a list may return; larger <c>count</c> values are lowered to it (RFC 7644 §3.4.2.4).</summary>
    public int MaxPageSize { get; init; } = 1000;

    /// <summary>Page size when the client gives no <c>count</c>.</summary>
    public int DefaultPageSize { get; init; } = 100;

    /// <summary>Seconds an RFC 9865 paging cursor stays valid after the response that issued it (400 expiredCursor
    /// beyond); advertised as <c>pagination.cursorTimeout</c>.</summary>
    public int CursorTimeoutSeconds { get; init; } = 3600;

    /// <summary>Longest filter accepted (400 invalidFilter beyond).</summary>
    public int MaxFilterLength { get; init; } = 4096;

    /// <summary>Deepest nesting of parentheses, <c>not</c> and value paths in a filter (400 invalidFilter beyond).</summary>
    public int MaxFilterDepth { get; init; } = 32;

    /// <summary>Deepest JSON nesting accepted in a body (400 invalidSyntax beyond).</summary>
    public int MaxJsonDepth { get; init; } = 32;

    /// <summary>Most operations in one PATCH request (400 invalidValue beyond).</summary>
    public int MaxPatchOperations { get; init; } = 1000;

    /// <summary>Most operations in one /Bulk request (413 beyond); advertised as <c>bulk.maxOperations</c>. The
    /// Bulk body is bounded by <see cref="MaxBodyBytes"/> (advertised as <c>bulk.maxPayloadSize</c>) and the whole
    /// request by <see cref="RequestTimeoutSeconds"/>.</summary>
    public int MaxBulkOperations { get; init; } = 100;

    /// <summary>Seconds a request may run; a request storage has slowed past it answers 503 with Retry-After.</summary>
    public int RequestTimeoutSeconds { get; init; } = 45;

    /// <summary>Most member ids one group PATCH may add or remove (400 invalidValue beyond). Entra sends
    /// at most about 100; each id costs a point read.</summary>
    public int MaxMembersPerPatch { get; init; } = 1000;

    /// <summary>CPU work one request may cause in filter and PATCH evaluation, in steps (one comparison or
    /// one element visited; see <see cref="Protocol.WorkBudget"/>). 400 tooMany beyond.</summary>
    public long MaxWorkSteps { get; init; } = Protocol.WorkBudget.DefaultMaxSteps;

    /// <summary>Requests of one tenant served at once; more wait in a queue of <see cref="MaxQueuedRequestsPerTenant"/>,
    /// and past it answer 429 with Retry-After. One tenant's burst cannot take every worker from the others.</summary>
    public int MaxConcurrentRequestsPerTenant { get; init; } = 4;

    /// <summary>Requests of one tenant that may wait for a slot (429 beyond).</summary>
    public int MaxQueuedRequestsPerTenant { get; init; } = 32;
}
