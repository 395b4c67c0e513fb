using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// dotnet run -c Release --project bench/ScimFunctions.MicroBenchmarks -- --filter '*'
// A short job (3 warm-up, 3 measured iterations) run in-process: the whole set takes a few minutes on 2 cores.
// The in-process toolchain also avoids generating a project under the repository, where the central package
// management and warnings-as-errors settings of Directory.*.props would apply to it.
var config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).AsDefault())
    .WithOptions(ConfigOptions.JoinSummary);
BenchmarkSwitcher.FromAssembly(typeof(ScimFunctions.MicroBenchmarks.Samples).Assembly).Run(args, config);
