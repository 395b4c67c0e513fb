using Azure.Core;
using Azure.Core.Pipeline;

namespace ScimFunctions.Storage.Tables;

/// <summary>
/// Counts the storage requests (every HTTP attempt, retries included) sent by the Azure SDK clients
/// within the current async flow. The HTTP layer opens a scope per SCIM request, so each response can
/// say what it cost; tests and the load driver use the count to prove constant cost.
/// </summary>
public sealed class StorageRequestCounter : HttpPipelinePolicy
{
    static readonly AsyncLocal<Scope?> Current = new();

    long _total;

    /// <summary>All requests through this pipeline since start.</summary>
    public long Total => Interlocked.Read(ref _total);

    public sealed class Scope
    {
        int _count;
        public int Count => Volatile.Read(ref _count);
        internal void Increment() => Interlocked.Increment(ref _count);
    }

    /// <summary>Starts counting for the current async flow (a SCIM request).</summary>
    public static Scope BeginScope() => Current.Value = new Scope();

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count();
        return ProcessNextAsync(message, pipeline);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count();
        ProcessNext(message, pipeline);
    }

    void Count()
    {
        Interlocked.Increment(ref _total);
        Current.Value?.Increment();
    }
}
