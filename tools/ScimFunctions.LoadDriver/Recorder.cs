using System.Diagnostics;

namespace ScimFunctions.LoadDriver;

/// <summary>One timed request or floor plan.</summary>
public readonly record struct Sample(double Milliseconds, int StorageRequests, string? Error);

/// <summary>The samples of one operation kind, and the phase it ran in.</summary>
public sealed class KindSamples(string kind, string phase)
{
    readonly List<Sample> _samples = [];

    public string Kind => kind;
    public string Phase => phase;

    public void Add(Sample sample)
    {
        lock (_samples) _samples.Add(sample);
    }

    public List<Sample> Snapshot()
    {
        lock (_samples) return [.. _samples];
    }
}

/// <summary>Collects samples per operation kind (in first-seen order) and the wall time of each phase.</summary>
public sealed class Recorder
{
    readonly Dictionary<string, KindSamples> _kinds = [];
    readonly List<string> _order = [];

    public string Phase { get; private set; } = "";

    /// <summary>Resource id → Stopwatch timestamp of the created response (for the delivery latency).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, long> CreatedAt { get; } = new(StringComparer.Ordinal);
    public List<(string Name, TimeSpan Duration, int Requests)> Phases { get; } = [];

    public IEnumerable<KindSamples> Kinds
    {
        get { lock (_kinds) return [.. _order.Select(k => _kinds[k])]; }
    }

    int _inPhase;
    public int RequestsInPhase => Volatile.Read(ref _inPhase);

    public void Add(string kind, Sample sample)
    {
        KindSamples samples;
        lock (_kinds)
        {
            if (!_kinds.TryGetValue(kind, out samples!))
            {
                _kinds[kind] = samples = new KindSamples(kind, Phase);
                _order.Add(kind);
            }
        }
        samples.Add(sample);
        Interlocked.Increment(ref _inPhase);
    }

    /// <summary>Runs the work items of one phase with <paramref name="concurrency"/> workers, printing progress.</summary>
    public async Task RunPhaseAsync(string name, IReadOnlyList<Func<Task>> work, int concurrency)
    {
        Phase = name;
        Volatile.Write(ref _inPhase, 0);
        var next = -1;
        var done = 0;
        var clock = Stopwatch.StartNew();
        using var progress = new Timer(_ => Console.WriteLine(
            $"  {name}: {Volatile.Read(ref done):N0}/{work.Count:N0} items, {RequestsInPhase:N0} requests, {clock.Elapsed.TotalSeconds:0} s"), null, 10_000, 10_000);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            await Task.Yield();
            for (int i; (i = Interlocked.Increment(ref next)) < work.Count;)
            {
                await work[i]();
                Interlocked.Increment(ref done);
            }
        }));
        Phases.Add((name, clock.Elapsed, RequestsInPhase));
        Console.WriteLine($"{name}: {work.Count:N0} items, {RequestsInPhase:N0} requests in {clock.Elapsed.TotalSeconds:0.0} s");
    }
}

public static class Stats
{
    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return double.NaN;
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
