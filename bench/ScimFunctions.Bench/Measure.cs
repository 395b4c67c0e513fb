using System.Text.Json;

namespace ScimFunctions.Bench;

/// <summary>Memory during one request, relative to a baseline taken right after a full blocking GC.
/// Host and client share the process, so this is the server's cost plus the (small, buffer-reusing) client's.</summary>
public sealed record MemoryUse(long ManagedPeak, long GcHeapPeak, long WorkingSetPeak, long Allocated, int Collections, int Gen2Collections, IReadOnlyList<long> LiveAtCheckpoints);

/// <summary>
/// Samples the heap every 10 ms on a dedicated thread (not the thread pool, which the request itself
/// keeps busy) and keeps the maxima. GC.GetTotalMemory(false) includes garbage not yet collected, so its
/// peak is bounded by the GC budgets plus what is really live; GCMemoryInfo.HeapSizeBytes is the heap
/// after the latest GC (live data plus promoted garbage not yet collected). Memory that grew with the
/// group would show in both.
/// With <c>checkpoints</c>, it also forces a full GC each time another tenth of the members has arrived
/// (10% … 90%) and records the live heap then: the direct proof that what is retained mid-stream does not
/// grow with N. That perturbs timing, so it is meant for a separate, untimed run.
/// </summary>
public sealed class MemoryProbe
{
    readonly long _baseManaged, _baseGcHeap, _baseWorkingSet, _baseAllocated;
    readonly int _baseGen0, _baseGen2;
    long _maxManaged, _maxGcHeap, _maxWorkingSet;
    volatile bool _stop;
    readonly Thread _thread;
    readonly Func<int>? _progress;
    readonly int _total;
    readonly List<long> _live = [];

    MemoryProbe(Func<int>? progress, int total)
    {
        _progress = progress;
        _total = total;
        // Full, compacting GC so every measured request starts from the same clean heap.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        _maxManaged = _baseManaged = GC.GetTotalMemory(false);
        _maxGcHeap = _baseGcHeap = GC.GetGCMemoryInfo().HeapSizeBytes;
        _maxWorkingSet = _baseWorkingSet = Environment.WorkingSet;
        _baseAllocated = GC.GetTotalAllocatedBytes(precise: true);
        _baseGen0 = GC.CollectionCount(0); // every GC counts as a gen 0 collection
        _baseGen2 = GC.CollectionCount(2);
        _thread = new Thread(Run) { IsBackground = true, Name = "memory probe" };
        _thread.Start();
    }

    public static MemoryProbe Start() => new(null, 0);

    /// <summary>Also measures the live heap at each tenth of <paramref name="total"/> members received.</summary>
    public static MemoryProbe WithCheckpoints(Func<int> progress, int total) => new(progress, total);

    void Run()
    {
        while (!_stop)
        {
            Sample();
            if (_progress is not null && _live.Count < 9 && _progress() >= (_live.Count + 1) * (long)_total / 10)
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
                _live.Add(GC.GetTotalMemory(false) - _baseManaged);
            }
            Thread.Sleep(10);
        }
    }

    void Sample()
    {
        _maxManaged = Math.Max(_maxManaged, GC.GetTotalMemory(false));
        _maxGcHeap = Math.Max(_maxGcHeap, GC.GetGCMemoryInfo().HeapSizeBytes);
        _maxWorkingSet = Math.Max(_maxWorkingSet, Environment.WorkingSet);
    }

    public MemoryUse Stop()
    {
        _stop = true;
        _thread.Join();
        Sample(); // the state at the very end counts too
        return new MemoryUse(_maxManaged - _baseManaged, _maxGcHeap - _baseGcHeap, _maxWorkingSet - _baseWorkingSet,
            GC.GetTotalAllocatedBytes(precise: true) - _baseAllocated,
            GC.CollectionCount(0) - _baseGen0 - _live.Count, GC.CollectionCount(2) - _baseGen2 - _live.Count, _live); // the forced ones excluded
    }
}

/// <summary>
/// Reads a group document as it streams in and checks its members array exactly: the i-th
/// <c>members[].value</c> must equal the i-th expected id (the server lists members in id order), so a
/// count of N with no mismatch proves every member came once and nothing else did. Incremental
/// Utf8JsonReader over one reused buffer: the client never holds the body, so it adds nothing that
/// grows with N to the memory figures.
/// </summary>
public sealed class MemberCheck(IReadOnlyList<string> expected)
{
    JsonReaderState _state;
    bool _membersNext, _inMembers, _valueNext;

    int _count;

    /// <summary>Members read so far (also read by the memory probe's thread).</summary>
    public int Count { get => Volatile.Read(ref _count); private set => Volatile.Write(ref _count, value); }
    public int Mismatches { get; private set; }
    public bool Exact => Count == expected.Count && Mismatches == 0;

    /// <summary>Reads the whole body; returns the time its first bytes arrived (relative to
    /// <paramref name="clock"/>) and the byte count.</summary>
    public async Task<(TimeSpan FirstByte, long Bytes)> ReadAsync(Stream body, byte[] buffer, System.Diagnostics.Stopwatch clock)
    {
        TimeSpan? firstByte = null;
        long bytes = 0;
        var filled = 0;
        while (true)
        {
            var read = await body.ReadAsync(buffer.AsMemory(filled));
            firstByte ??= read > 0 ? clock.Elapsed : null;
            bytes += read;
            filled += read;
            var consumed = Feed(buffer.AsSpan(0, filled), final: read == 0);
            if (consumed == 0 && filled == buffer.Length) throw new InvalidOperationException("A JSON token is larger than the read buffer.");
            buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
            filled -= consumed;
            if (read == 0) return (firstByte ?? clock.Elapsed, bytes);
        }
    }

    int Feed(ReadOnlySpan<byte> data, bool final)
    {
        var reader = new Utf8JsonReader(data, final, _state);
        while (reader.Read())
        {
            // Depths: 0 the group object, 1 its properties ("members" and its array), 2 a member object,
            // 3 a member's properties.
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName when reader.CurrentDepth == 1:
                    _membersNext = reader.ValueTextEquals("members"u8);
                    break;
                case JsonTokenType.StartArray when reader.CurrentDepth == 1:
                    _inMembers = _membersNext;
                    break;
                case JsonTokenType.EndArray when reader.CurrentDepth == 1:
                    _inMembers = false;
                    break;
                case JsonTokenType.PropertyName when _inMembers && reader.CurrentDepth == 3:
                    _valueNext = reader.ValueTextEquals("value"u8);
                    break;
                case JsonTokenType.String when _valueNext:
                    if (Count >= expected.Count || !reader.ValueTextEquals(expected[Count])) Mismatches++;
                    Count++;
                    _valueNext = false;
                    break;
            }
        }
        _state = reader.CurrentState;
        return (int)reader.BytesConsumed;
    }
}
