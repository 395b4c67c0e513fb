using System.Diagnostics;
using System.Text.Json.Nodes;
using CsCheck;
using ScimFunctions.Protocol.Filtering;
using ScimFunctions.Protocol.Patching;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;
using Xunit.Abstractions;

namespace ScimFunctions.Protocol.Tests.Hostile;

/// <summary>Runs alone: the CPU measurements must not include other tests' threads.</summary>
[CollectionDefinition(nameof(CpuBound), DisableParallelization = true)]
public sealed class CpuBound;

/// <summary>
/// Requests inside every size limit that ask for as much work as they can: long <c>or</c> chains of
/// substring value filters, many value-filtered PATCH operations over thousands of values, huge attribute
/// lists. Each either completes or is refused with a 4xx, within a bound of CPU time measured on the
/// calling thread (not wall time, which a loaded machine stretches), and within the step budget.
/// </summary>
[Collection(nameof(CpuBound))]
public sealed class CostPropertyTests(ITestOutputHelper output)
{
    /// <summary>Generous on a loaded 2-core machine: the budget itself is worth well under a second.</summary>
    static readonly TimeSpan CpuBound = TimeSpan.FromSeconds(3);

    const int Emails = 8000;

    /// <summary>The filter limit the HTTP layer applies (Limits:MaxFilterLength, MaxFilterDepth defaults).</summary>
    static readonly FilterLimits Limits = new(MaxLength: 4096, MaxDepth: 32);

    /// <summary><c>value co "…" or value co "…" …</c> up to the filter length limit.</summary>
    static readonly Gen<string> OrChain = Gen.Select(Gen.Int[1, 400], Gen.Int[1, 12], HostileGen.Of("co", "ew", "sw", "eq", "ne"), (terms, width, op) =>
    {
        var parts = new List<string>();
        var length = 0;
        for (var i = 0; i < terms; i++)
        {
            var term = $"value {op} \"{new string((char)('a' + i % 26), width)}{i}\"";
            if (length + term.Length + 4 > Limits.MaxLength - 40) break; // room for the enclosing path or filter
            parts.Add(term);
            length += term.Length + 4;
        }
        return string.Join(" or ", parts);
    });

    /// <summary>A PATCH of up to 1,000 operations (Limits:MaxPatchOperations), each a value-filtered path.</summary>
    static readonly Gen<JsonObject> ValueFilteredPatch = Gen.Select(Gen.Int[1, 1000], OrChain, HostileGen.Of("remove", "replace", "add"), (count, chain, op) =>
    {
        var operations = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var operation = new JsonObject { ["op"] = op, ["path"] = $"emails[{chain}]" + (op == "remove" ? "" : ".display") };
            if (op != "remove") operation["value"] = "x";
            operations.Add(operation);
        }
        return new JsonObject { ["Operations"] = operations };
    });

    static readonly JsonObject BigUser = ResourceNormalizer.Normalize(ScimSchemas.UserType, new JsonObject
    {
        ["userName"] = "big@contoso.test",
        ["emails"] = new JsonArray([.. Enumerable.Range(0, Emails).Select(i => (JsonNode)new JsonObject { ["value"] = $"user{i}@contoso{i % 97}.test", ["type"] = "work" })]),
    }).Document;

    [Fact]
    public void Many_value_filtered_operations_over_thousands_of_values_stay_within_the_cpu_bound()
    {
        long worstSteps = 0;
        var worst = TimeSpan.Zero;
        int applied = 0, refused = 0;
        Check.Sample(ValueFilteredPatch, patch =>
        {
            var budget = new WorkBudget(WorkBudget.DefaultMaxSteps);
            var cpu = ThreadCpu.Measure(() =>
            {
                try
                {
                    PatchEngine.Apply(ScimSchemas.UserType, BigUser, patch, budget);
                    applied++;
                }
                catch (ScimException e) when (HostileGen.Is4xx(e))
                {
                    if (e.ScimType == ScimType.TooMany) refused++;
                }
            });
            // Each step is spent before the work it counts: a refused request did at most the budget's work.
            Assert.True(budget.Spent > 0);
            Assert.True(cpu < CpuBound, $"{patch["Operations"]!.AsArray().Count} operations ({patch["Operations"]![0]!["op"]}) took {cpu.TotalMilliseconds:0} ms of CPU for {budget.Spent} steps");
            if (cpu > worst) (worst, worstSteps) = (cpu, budget.Spent);
        }, iter: 40, threads: 1);
        output.WriteLine($"value-filtered PATCH on a user with {Emails} emails: {applied} applied, {refused} refused (tooMany); worst {worst.TotalMilliseconds:0} ms CPU for {worstSteps} steps");
        Assert.True(refused > 0);
    }

    [Fact]
    public void The_reported_84_second_patch_is_refused_within_the_cpu_bound()
    {
        // 215 removes whose paths are long or-chains of co filters, on a user with 8,000 emails: 84 s before.
        var chain = string.Join(" or ", Enumerable.Range(0, 200).Select(i => $"value co \"q{i:D3}\""));
        var patch = new JsonObject
        {
            ["Operations"] = new JsonArray([.. Enumerable.Range(0, 215).Select(_ => (JsonNode)new JsonObject { ["op"] = "remove", ["path"] = $"emails[{chain}]" })]),
        };
        var budget = new WorkBudget(WorkBudget.DefaultMaxSteps);
        var cpu = ThreadCpu.Measure(() => HostileGen.Expect4xx(() =>
        {
            PatchEngine.Apply(ScimSchemas.UserType, BigUser, patch, budget);
            Assert.Fail("The PATCH should exceed the work budget.");
        }, ScimType.TooMany));
        output.WriteLine($"215-operation PATCH, 200-term co chains, {Emails} emails: refused after {budget.Spent} steps, {cpu.TotalMilliseconds:0} ms CPU");
        Assert.True(cpu < CpuBound);
    }

    [Fact]
    public void Long_or_chains_over_many_resources_stay_within_the_cpu_bound()
    {
        long evaluated = 0;
        Check.Sample(OrChain, chain =>
        {
            var budget = new WorkBudget(WorkBudget.DefaultMaxSteps);
            var filter = FilterParser.Parse($"emails[{chain}] or userName co \"zz\"", Limits);
            var matches = FilterEvaluator.Compile(filter, ScimSchemas.UserType, budget);
            var cpu = ThreadCpu.Measure(() => HostileGen.Expect4xx(() =>
            {
                // A scan evaluates the same filter on every resource of the page: the budget spans them all.
                for (var i = 0; i < 100; i++)
                {
                    matches(BigUser);
                    evaluated++;
                }
            }, ScimType.TooMany));
            Assert.True(cpu < CpuBound, $"filter of {chain.Length} characters took {cpu.TotalMilliseconds:0} ms of CPU");
            Assert.True(budget.Spent <= WorkBudget.DefaultMaxSteps + 1 + 4096 / 64);
        }, iter: 30, threads: 1);
        output.WriteLine($"long or-chains: {evaluated} evaluations against a user with {Emails} emails");
    }

    [Fact]
    public void Huge_attribute_lists_are_deduplicated_capped_and_cheap()
    {
        var repeated = string.Join(',', Enumerable.Repeat("emails,userName,name.givenName", 100_000));
        var projection = AttributeProjection.Parse(ScimSchemas.UserType, null, repeated);
        Assert.False(projection.Includes("emails"));
        Assert.True(projection.Includes("displayName"));

        Check.Sample(Gen.Int[WorkBudget.MaxAttributeNames + 1, 100_000], count =>
        {
            var names = string.Join(',', Enumerable.Range(0, count).Select(i => $"x{i}"));
            var cpu = ThreadCpu.Measure(() =>
            {
                var e = Assert.Throws<ScimException>(() => AttributeProjection.Parse(ScimSchemas.UserType, null, names));
                Assert.Equal(ScimType.InvalidValue, e.ScimType);
                Assert.Contains("excludedAttributes", e.Detail, StringComparison.Ordinal);
            });
            Assert.True(cpu < CpuBound);
        }, iter: 10, threads: 1);

        // At the cap, rendering a page of big users stays cheap.
        var atCap = string.Join(',', Enumerable.Range(0, WorkBudget.MaxAttributeNames).Select(i => i % 2 == 0 ? $"x{i}" : $"emails.x{i}"));
        var capped = AttributeProjection.Parse(ScimSchemas.UserType, null, atCap);
        var page = ThreadCpu.Measure(() =>
        {
            for (var i = 0; i < 10; i++) capped.Apply((JsonObject)BigUser.DeepClone());
        });
        output.WriteLine($"10 users of {Emails} emails projected through {WorkBudget.MaxAttributeNames} excluded names: {page.TotalMilliseconds:0} ms CPU");
        Assert.True(page < CpuBound);
    }

    [Fact]
    public void Cpu_work_stops_at_the_deadline()
    {
        using var deadline = new CancellationTokenSource();
        deadline.Cancel();
        var patch = new JsonObject { ["Operations"] = new JsonArray(new JsonObject { ["op"] = "remove", ["path"] = "emails[value co \"x\"]" }) };
        Assert.ThrowsAny<OperationCanceledException>(() => PatchEngine.Apply(ScimSchemas.UserType, BigUser, patch, new WorkBudget(long.MaxValue, deadline.Token)));
        var matches = FilterEvaluator.Compile(FilterParser.Parse("emails.value co \"x\""), ScimSchemas.UserType, new WorkBudget(long.MaxValue, deadline.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => matches(BigUser));
    }

    /// <summary>CPU time of the calling thread (Linux: /proc/thread-self/schedstat, nanoseconds); elsewhere
    /// the process's, which this collection's isolation keeps close.</summary>
    static class ThreadCpu
    {
        public static TimeSpan Measure(Action action)
        {
            var before = Now();
            action();
            return Now() - before;
        }

        static TimeSpan Now()
        {
            const string schedstat = "/proc/thread-self/schedstat";
            if (File.Exists(schedstat) && long.TryParse(File.ReadAllText(schedstat).Split(' ')[0], out var ns))
                return TimeSpan.FromTicks(ns / 100);
            return Process.GetCurrentProcess().TotalProcessorTime;
        }
    }
}
