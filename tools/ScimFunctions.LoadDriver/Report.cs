using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ScottPlot;

namespace ScimFunctions.LoadDriver;

/// <summary>One row of the report: an operation kind's figures, its floor and the ratio.</summary>
public sealed record KindRow(string Kind, string Phase, int Count, int Errors, double ThroughputPerSecond,
    double P50, double P95, double P99, double Mean, double Max, double StorageMean, int StorageMax,
    string? FloorPlan, int? FloorRequests, double? FloorP50, double? FloorRatio, IReadOnlyList<string> ErrorSamples);

public sealed record PhaseRow(string Name, double Seconds, int Requests);

public sealed record CycleReport(string Command, string StartedUtc, string Machine, string Target, DriverOptions Options,
    IReadOnlyList<PhaseRow> Phases, IReadOnlyList<KindRow> Kinds, IReadOnlyDictionary<string, Dictionary<string, double>> FloorPrimitivesP50,
    double TotalSeconds);

public static class Report
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static CycleReport Build(Recorder recorder, Floor? floor, DriverOptions options, string target, string command, DateTime started)
    {
        var phaseSeconds = recorder.Phases.ToDictionary(p => p.Name, p => p.Duration.TotalSeconds);
        var rows = recorder.Kinds.Select(k =>
        {
            var samples = k.Snapshot();
            var ok = samples.Where(s => s.Error is null).ToList();
            var sorted = ok.Select(s => s.Milliseconds).Order().ToList();
            var storage = ok.Where(s => s.StorageRequests >= 0).Select(s => s.StorageRequests).ToList();
            string? plan = Floor.PlanOf.GetValueOrDefault(k.Kind);
            double? floorP50 = plan is not null && floor?.ByPhase.GetValueOrDefault(k.Phase)?.GetValueOrDefault(k.Kind) is { Count: > 0 } f
                ? Stats.Percentile([.. f.Order()], 50) : null;
            var p50 = Stats.Percentile(sorted, 50);
            return new KindRow(k.Kind, k.Phase, samples.Count, samples.Count - ok.Count, samples.Count / phaseSeconds.GetValueOrDefault(k.Phase, double.NaN),
                p50, Stats.Percentile(sorted, 95), Stats.Percentile(sorted, 99), sorted.DefaultIfEmpty(double.NaN).Average(), sorted.DefaultIfEmpty(double.NaN).Max(),
                storage.Count == 0 ? double.NaN : storage.Average(), storage.DefaultIfEmpty(-1).Max(),
                plan, plan is null ? null : Floor.RequestsOf(plan), floorP50, floorP50 is { } fp ? p50 / fp : null,
                [.. samples.Where(s => s.Error is not null).Take(5).Select(s => s.Error!)]);
        }).ToList();
        var primitives = floor?.ByPhase.ToDictionary(p => p.Key, p => Floor.Primitives.Where(p.Value.ContainsKey)
            .ToDictionary(name => name, name => Stats.Percentile([.. p.Value[name].Order()], 50))) ?? [];
        return new CycleReport(command, started.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture), Machine(), target, options,
            [.. recorder.Phases.Select(p => new PhaseRow(p.Name, p.Duration.TotalSeconds, p.Requests))], rows, primitives,
            recorder.Phases.Sum(p => p.Duration.TotalSeconds));
    }

    public static string Machine() =>
        $"{Environment.ProcessorCount} logical processors, {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture}), " +
        $"{RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC";

    /// <summary>Rewrites cycle.md and the chart from a run's cycle.json (the `report` mode).</summary>
    public static async Task<string> RewriteAsync(string directory)
    {
        var report = JsonSerializer.Deserialize<CycleReport>(await File.ReadAllTextAsync(Path.Combine(directory, "cycle.json")), Json)
            ?? throw new InvalidOperationException("cycle.json is empty");
        return await WriteAsync(report, directory);
    }

    public static async Task<string> WriteAsync(CycleReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var markdown = Markdown(report);
        await File.WriteAllTextAsync(Path.Combine(directory, "cycle.md"), markdown);
        await File.WriteAllTextAsync(Path.Combine(directory, "cycle.json"), JsonSerializer.Serialize(report, Json));
        Chart(report, Path.Combine(directory, "cycle-latency.png"));
        return markdown;
    }

    public static string Markdown(CycleReport r)
    {
        var s = new StringBuilder();
        s.AppendLine("# Provisioning cycle").AppendLine();
        s.AppendLine($"`{r.Command}` — {r.StartedUtc}, {r.TotalSeconds / 60:0.0} min of phases.").AppendLine();
        s.AppendLine($"Target: {r.Target}. Machine: {r.Machine}. Concurrency {r.Options.Concurrency}; {N(r.Options.Users)} users, " +
            $"{N(r.Options.Groups)} groups (largest {N(Math.Min(r.Options.LargestGroup, r.Options.Users))}), manager share {r.Options.ManagerShare:0.##}.").AppendLine();
        s.AppendLine("| Operation | Count | Errors | Throughput /s | p50 ms | p95 ms | p99 ms | Storage requests per request, mean (max) | Layout minimum | Floor p50 ms | p50 / floor |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var k in r.Kinds)
            s.AppendLine($"| {k.Kind} | {N(k.Count)} | {k.Errors} | {k.ThroughputPerSecond:0.0} | {k.P50:0.0} | {k.P95:0.0} | {k.P99:0.0} | " +
                $"{k.StorageMean:0.##} ({k.StorageMax}) | {k.FloorRequests?.ToString(CultureInfo.InvariantCulture) ?? "-"} | {(k.FloorP50 is { } f ? f.ToString("0.0", CultureInfo.InvariantCulture) : "-")} | " +
                $"{(k.FloorRatio is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "-")} |");
        s.AppendLine();
        s.AppendLine("| Phase | Requests | Wall time s | Requests /s |").AppendLine("|---|---:|---:|---:|");
        foreach (var p in r.Phases) s.AppendLine($"| {p.Name} | {N(p.Requests)} | {p.Seconds:0.0} | {p.Requests / p.Seconds:0.0} |");
        if (r.FloorPrimitivesP50.Count > 0)
        {
            s.AppendLine();
            s.AppendLine("Floor primitives, p50 ms at the same concurrency, measured right after each phase (Azurite's range queries slow down as the table grows):").AppendLine();
            var names = Floor.Primitives.ToList();
            s.Append("| Phase | ").AppendJoin(" | ", names).AppendLine(" |");
            s.Append("|---|").Append(string.Concat(names.Select(_ => "---:|"))).AppendLine();
            foreach (var (phase, values) in r.FloorPrimitivesP50)
                s.Append("| ").Append(phase).Append(" | ").AppendJoin(" | ", names.Select(n => values.TryGetValue(n, out var v) ? v.ToString("0.00", CultureInfo.InvariantCulture) : "-")).AppendLine(" |");
            s.AppendLine().AppendLine("Floor plans: the layout's minimum sequence of storage requests for each operation, replayed after each phase " +
                "in the phase's mix and at the same concurrency (its p50 is the floor column above):").AppendLine();
            foreach (var k in r.Kinds.Where(k => k.FloorPlan is not null)) s.AppendLine($"- {k.Kind}: {k.FloorPlan}");
        }
        var errors = r.Kinds.Where(k => k.ErrorSamples.Count > 0).ToList();
        if (errors.Count > 0)
        {
            s.AppendLine().AppendLine("Errors (first samples):").AppendLine();
            foreach (var k in errors)
                foreach (var e in k.ErrorSamples) s.AppendLine($"- {k.Kind}: {e.ReplaceLineEndings(" ")}");
        }
        return s.ToString();
    }

    /// <summary>p50/p95/p99 per operation kind, and its floor p50, on a log scale (the kinds span three decades).</summary>
    static void Chart(CycleReport r, string path)
    {
        var plot = new Plot();
        var series = new (string Label, Color Color, Func<KindRow, double?> Value)[]
        {
            ("floor p50", Colors.Gray, k => k.FloorP50),
            ("p50", new Color(31, 119, 180), k => k.P50),
            ("p95", new Color(255, 127, 14), k => k.P95),
            ("p99", new Color(214, 39, 40), k => k.P99),
        };
        const double Base = -1; // log10(0.1 ms): bars start there
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        for (var i = 0; i < r.Kinds.Count; i++)
        {
            var x = i * (series.Length + 1);
            for (var j = 0; j < series.Length; j++)
                if (series[j].Value(r.Kinds[i]) is { } v && v > 0 && !double.IsNaN(v))
                    bars.Add(new Bar { Position = x + j, Value = Math.Log10(v), ValueBase = Base, FillColor = series[j].Color, LineWidth = 0 });
            ticks.Add(new Tick(x + (series.Length - 1) / 2.0, r.Kinds[i].Kind));
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        // Labels slant down to the left of their group, so the last one stays inside the image.
        plot.Axes.Bottom.TickLabelStyle.Rotation = -35;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Layout.Fixed(new PixelPadding(left: 230, right: 30, bottom: 270, top: 50));
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString(y < 0 ? "0.#" : "N0", CultureInfo.InvariantCulture),
        };
        plot.Axes.Left.Label.Text = "latency, ms (log scale)";
        plot.Title($"SCIM latency per operation kind — {N(r.Options.Users)} users, concurrency {r.Options.Concurrency}");
        foreach (var (label, color, _) in series) plot.Legend.ManualItems.Add(new LegendItem { LabelText = label, FillColor = color });
        plot.Legend.Alignment = Alignment.UpperLeft;
        plot.Axes.SetLimitsY(Base, Math.Log10(Math.Max(10, r.Kinds.Max(k => double.IsNaN(k.P99) ? 1 : k.P99))) + 0.3);
        plot.SavePng(path, 1600, 900);
    }

    public static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
