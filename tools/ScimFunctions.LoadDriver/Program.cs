using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using ScimFunctions.LoadDriver;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.LocalHost;

// An Entra-like provisioning cycle against a SCIM endpoint, with the raw-storage floor and the local host's cold start.
//   dotnet run -c Release --project tools/ScimFunctions.LoadDriver -- [cycle] [--users 10000] [--concurrency 8] …
//   dotnet run -c Release --project tools/ScimFunctions.LoadDriver -- cold-start [--runs 5]
// Reports go to --out (default bench/results/load): cycle.md, cycle.json, cycle-latency.png, cold-start.md.

DriverOptions options;
try
{
    options = DriverOptions.Parse(args) ?? throw new ArgumentException("unknown mode");
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(DriverOptions.Usage);
    return 2;
}
#if DEBUG
Console.Error.WriteLine("warning: Debug build; run with -c Release for figures worth quoting.");
#endif
var command = "dotnet run -c Release --project tools/ScimFunctions.LoadDriver --" + (args.Length > 0 ? " " + string.Join(' ', args.Select(a => a.Contains(' ') ? $"\"{a}\"" : a)) : "");
var outDir = Path.IsPathRooted(options.Out) ? options.Out : Path.Combine(RepositoryRoot.Find(), options.Out);

if (options.Mode == "report")
{
    Console.WriteLine(await Report.RewriteAsync(outDir));
    return 0;
}

if (options.Mode == "alloc")
{
    var table = await AllocationCheck.RunAsync(options, command);
    Directory.CreateDirectory(outDir);
    await File.WriteAllTextAsync(Path.Combine(outDir, "allocations.md"), table);
    Console.WriteLine(table);
    return 0;
}

if (options.Mode == "cold-start")
{
    var (runs, publishDir, publish) = await ColdStart.MeasureAsync(options);
    var s = new StringBuilder();
    s.AppendLine("# Cold start of the released local host").AppendLine();
    s.AppendLine($"`{command}` — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. Machine: {Report.Machine()}.").AppendLine();
    s.AppendLine($"Published with `{publish}`; each run starts `dotnet ScimFunctions.LocalHost.dll` with Storage:ConnectionString set to an in-memory Azurite whose tables exist, " +
        "and times from Process.Start to the host's token line (listening, after its startup work: tables check, demo tenant, token issue) and to the first 200 of GET /Users?filter=userName eq ….").AppendLine();
    s.AppendLine("| Run | Listening ms | First SCIM response ms |").AppendLine("|---:|---:|---:|");
    for (var i = 0; i < runs.Count; i++) s.AppendLine(CultureInfo.InvariantCulture, $"| {i + 1} | {runs[i].ListeningMs:0} | {runs[i].FirstResponseMs:0} |");
    s.AppendLine(CultureInfo.InvariantCulture, $"| **median** | **{Stats.Median(runs.Select(r => r.ListeningMs)):0}** | **{Stats.Median(runs.Select(r => r.FirstResponseMs)):0}** |");
    Directory.CreateDirectory(outDir);
    var file = Path.Combine(outDir, options.ReadyToRun ? "cold-start-r2r.md" : "cold-start.md");
    await File.WriteAllTextAsync(file, s.ToString());
    Console.WriteLine(s);
    Console.WriteLine($"Written to {file} (publish folder: {publishDir})");
    return 0;
}

var started = DateTime.UtcNow;
Console.WriteLine(options.Url is null ? "Starting in-memory Azurite and the local host…" : $"Target: {options.Url}");
await using var target = options.Url is null ? await Target.StartLocalAsync(options) : Target.External(options);
using var http = target.CreateClient(options.Concurrency);
var recorder = new Recorder();
var client = new ScimClient(http, recorder);

// Event delivery (local target): a receiver subscribed to the tenant, fed by the local host's delivery service.
await using var delivery = target.Services is null ? null : await DeliveryLatency.StartAsync();
if (delivery is not null)
    await target.Services!.GetRequiredService<ScimFunctions.Events.EventReceivers>().SubscribeAsync(Target.Tenant, delivery.Url, null, CancellationToken.None);

Floor? floor = null;
if (options.Floor && target.ConnectionString is not null)
{
    var table = new TableServiceClient(target.ConnectionString).GetTableClient(target.TableName);
    await table.CreateIfNotExistsAsync();
    floor = new Floor(table, new Uri(target.BaseUrl).Segments[^1].TrimEnd('/'), options.Concurrency, options.FloorIterations);
    await floor.SeedAsync();
}
else if (options.Floor) Console.WriteLine("No --connection-string for the target's storage: the floor is skipped.");

// Warm-up (not recorded): every request shape of the cycle JIT-compiled, and the token and tenant caches
// filled, so the first measured requests of each phase are steady-state.
await Cycle.WarmUpAsync(new ScimClient(http, new Recorder()));

var clock = Stopwatch.StartNew();
await new Cycle(client, recorder, options).RunAsync(async phase =>
{
    if (floor is null) return;
    await floor.MeasureAsync(phase, [.. recorder.Kinds.Where(k => k.Phase == phase).Select(k => (k.Kind, k.Snapshot().Count))]);
});
Console.WriteLine($"Cycle done in {clock.Elapsed.TotalMinutes:0.0} min.");

var report = Report.Build(recorder, floor, options, target.Description, command, started);
var markdown = await Report.WriteAsync(report, outDir);
if (delivery is not null)
{
    var section = await delivery.ReportAsync(recorder, TimeSpan.FromMinutes(2));
    await File.AppendAllTextAsync(Path.Combine(outDir, "cycle.md"), section);
    markdown += section;
}
Console.WriteLine();
Console.WriteLine(markdown);
Console.WriteLine($"Written to {outDir}: cycle.md, cycle.json, cycle-latency.png");
return report.Kinds.Sum(k => k.Errors) == 0 ? 0 : 1;
