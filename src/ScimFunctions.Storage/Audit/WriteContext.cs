namespace ScimFunctions.Storage.Audit;

/// <summary>
/// Who is writing and why, handed to every store write: the HTTP layer makes one per SCIM write request,
/// the admin CLI one per command. The stores put an audit row (and the request id of the change feed
/// events) into each transaction they submit, so an applied change and its record commit together or not
/// at all, and count here the transactions that committed.
/// </summary>
public sealed class WriteContext(string requestId, string operation, string client)
{
    int _sequence;
    int _committed;

    public string RequestId => requestId;

    /// <summary>What was asked, e.g. <c>PATCH User</c> or <c>IMPORT Users</c>.</summary>
    public string Operation => operation;

    /// <summary>PUT or PATCH when a SCIM request of that method is writing (its operation starts with it), else null:
    /// the change feed tells a replacement from a patch by it.</summary>
    public string? Method => operation.Split(' ', 2)[0] is var method && method is "PUT" or "PATCH" ? method : null;

    /// <summary>Which kind of client asked (entra/…, okta, other, admin).</summary>
    public string Client => client;

    /// <summary>How many audited transactions committed for this context.</summary>
    public int Committed => Volatile.Read(ref _committed);

    /// <summary>The next audit row's sequence number: unique within the request, so its key is too.</summary>
    internal int Next() => Interlocked.Increment(ref _sequence);

    /// <summary>Called by a store after a transaction carrying an audit row of this context committed.</summary>
    internal void MarkCommitted() => Interlocked.Increment(ref _committed);
}
