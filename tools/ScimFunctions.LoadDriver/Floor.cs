using System.Diagnostics;
using Azure;
using Azure.Data.Tables;

namespace ScimFunctions.LoadDriver;

/// <summary>
/// The floor: the raw Azure.Data.Tables operations a SCIM operation needs at minimum, run with the same
/// concurrency against the same table and partition (under a key prefix of its own), so the ratio SCIM p50 /
/// floor p50 is what the service adds on top of storage: HTTP, authentication, JSON, the protocol core, and any
/// request beyond the layout's minimum. Rows have the real shapes (a ~1 KB user document, index rows, member row pairs).
/// Each plan is the sequence of storage requests the layout allows at minimum (see docs/performance.md).
/// </summary>
public sealed class Floor(TableClient table, string partition, int concurrency, int iterations)
{
    /// <summary>One storage request each, except the member reads: a member batch's point reads of its users' rows
    /// (their groups and ETags), 4, 5 or 32 of them, 16 at a time.</summary>
    enum Step { ReadHit, ReadMiss, Insert, Range, Txn2Update, Txn4, Txn5, Txn17, Txn98, MemberReads4, MemberReads5, MemberReads32 }

    static int ReadsOf(Step step) => step switch { Step.MemberReads4 => 4, Step.MemberReads5 => 5, Step.MemberReads32 => 32, _ => 1 };

    /// <summary>Plan name → steps, run in sequence. The first six are the primitives themselves.</summary>
    static readonly (string Name, Step[] Steps)[] Plans =
    [
        ("point read", [Step.ReadHit]),
        ("point read (miss)", [Step.ReadMiss]),
        ("single insert", [Step.Insert]),
        ("transaction: insert 5 rows + feed row", [Step.Txn5]),
        ("small range query", [Step.Range]),
        ("transaction: 99 operations", [Step.Txn98]),
        ("2 point reads", [Step.ReadHit, Step.ReadHit]),
        ("transaction: insert 4 rows + feed row", [Step.Txn4]),
        ("point read + 2-row transaction + feed row", [Step.ReadHit, Step.Txn2Update]),
        ("point read + 3 × (32 member reads + transaction of 99 operations) + 4 member reads + 18-operation transaction + point read",
            [Step.ReadHit, Step.MemberReads32, Step.Txn98, Step.MemberReads32, Step.Txn98, Step.MemberReads32, Step.Txn98, Step.MemberReads4, Step.Txn17, Step.ReadHit]),
        ("point read + 5 member reads + 18-operation transaction", [Step.ReadHit, Step.MemberReads5, Step.Txn17]),
        ("point read + 5 member reads + 18-operation transaction + point read", [Step.ReadHit, Step.MemberReads5, Step.Txn17, Step.ReadHit]),
        ("point read + 2 transactions", [Step.ReadHit, Step.Txn17, Step.Txn5]),
    ];

    /// <summary>Which plan is each SCIM operation's floor. The request count of the plan is the layout's minimum.</summary>
    public static readonly Dictionary<string, string> PlanOf = new()
    {
        [Kinds.TestConnection] = "point read (miss)",
        [Kinds.QueryUserMiss] = "point read (miss)",
        [Kinds.CreateUser] = "transaction: insert 5 rows + feed row",
        [Kinds.SetManager] = "point read + 2-row transaction + feed row",
        [Kinds.QueryGroupMiss] = "point read (miss)",
        [Kinds.CreateGroup] = "transaction: insert 4 rows + feed row",
        // Member adds end with a read of the group's name (a rename committed meanwhile reaches the new memberships).
        [Kinds.AddMembers100] = "point read + 3 × (32 member reads + transaction of 99 operations) + 4 member reads + 18-operation transaction + point read",
        // Incremental cycle: the user row keeps the user's groups (ids and names), so the response's groups
        // attribute and a delete's memberships cost no further request.
        [Kinds.QueryUserHit] = "2 point reads",
        [Kinds.UpdateUser] = "point read + 2-row transaction + feed row",
        [Kinds.DisableUser] = "point read + 2-row transaction + feed row",
        [Kinds.QueryGroupHit] = "2 point reads",
        [Kinds.AddMembers] = "point read + 5 member reads + 18-operation transaction + point read",
        [Kinds.RemoveMembers] = "point read + 5 member reads + 18-operation transaction",
        [Kinds.DeleteUser] = "point read + 2 transactions",
    };

    public static int RequestsOf(string plan) => Plans.First(p => p.Name == plan).Steps.Sum(ReadsOf);

    public static IEnumerable<string> Primitives => Plans.Take(6).Select(p => p.Name);

    const int SeededUsers = 256;
    /// <summary>The target tenant's own partition: on Azurite a range query's cost depends on how many rows of the
    /// table share its partition key (it scans the table and tests each row), so a floor in a partition of its own
    /// would be unfairly cheap. Floor rows sort under their own prefix, apart from every SCIM row kind.</summary>
    readonly string _partition = partition;
    const string K = "zfloor|";
    readonly string _document = SampleDocument();
    readonly string[] _users = [.. Enumerable.Range(0, SeededUsers).Select(_ => Guid.CreateVersion7().ToString())];
    readonly string _group = Guid.CreateVersion7().ToString();
    int _next;
    /// <summary>Rows the plans inserted: deleted after each plan, so the floor does not grow the table the
    /// SCIM operations run against (Azurite's range queries scan the whole table).</summary>
    readonly System.Collections.Concurrent.ConcurrentQueue<string> _inserted = new();

    /// <summary>Latencies per phase, by primitive name and by SCIM operation kind (its plan, in the phase's mix).</summary>
    public Dictionary<string, Dictionary<string, List<double>>> ByPhase { get; } = [];

    /// <summary>Seeds user rows (each with two memberof rows, what the small range query finds) and a group row.</summary>
    public async Task SeedAsync()
    {
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, new TableEntity(_partition, K + "group|" + _group) { ["Doc"] = "{}" }) };
        foreach (var user in _users)
        {
            actions.Add(new(TableTransactionActionType.Add, UserRow(user)));
            actions.Add(new(TableTransactionActionType.Add, new TableEntity(_partition, K + $"memberof|{user}|{_group}") { ["Id"] = _group }));
            actions.Add(new(TableTransactionActionType.Add, new TableEntity(_partition, K + $"memberof|{user}|{Guid.NewGuid()}") { ["Id"] = "x" }));
            if (actions.Count < 97) continue;
            await table.SubmitTransactionAsync(actions);
            actions.Clear();
        }
        if (actions.Count > 0) await table.SubmitTransactionAsync(actions);
    }

    /// <summary>
    /// Two measurements after each phase, against the table as the phase left it. First the primitives, each
    /// alone at the same concurrency. Then the phase's mix: every SCIM request of the phase replaced by its
    /// operation's floor plan, in the phase's proportions (scaled down to at most twice <c>iterations</c> plans),
    /// shuffled, at the same concurrency. A kind's floor p50 comes from the mix, so it includes the same
    /// queueing behind the phase's other storage work (Azurite serves one request at a time) that the SCIM
    /// requests met: the ratio then isolates what the service adds.
    /// </summary>
    public async Task MeasureAsync(string phase, IReadOnlyList<(string Kind, int Count)> kinds)
    {
        var results = ByPhase[phase] = [];
        foreach (var (name, steps) in Plans.Where(p => Primitives.Contains(p.Name)))
        {
            // Fewer runs of the 98-operation transaction: its p50 settles as fast, and each writes ~65 rows.
            var count = steps.Contains(Step.Txn98) ? Math.Max(concurrency * 3, iterations / 16) : iterations / 2;
            results[name] = (await RunMixAsync([.. Enumerable.Repeat((name, steps), count)]))[name];
            Console.WriteLine($"  floor: {name}: p50 {Stats.Percentile([.. results[name].Order()], 50):0.00} ms ({count} runs)");
        }
        var planned = kinds.Where(k => PlanOf.ContainsKey(k.Kind)).ToList();
        var scale = Math.Min(1.0, 2.0 * iterations / Math.Max(1, planned.Sum(k => k.Count)));
        var random = new Random(phase.Length);
        var mix = planned.SelectMany(k => Enumerable.Repeat((k.Kind, Plans.First(p => p.Name == PlanOf[k.Kind]).Steps), Math.Max(1, (int)Math.Round(k.Count * scale))))
            .OrderBy(_ => random.Next()).ToList();
        var byKind = await RunMixAsync(mix);
        foreach (var (kind, samples) in byKind)
        {
            results[kind] = samples;
            Console.WriteLine($"  floor mix: {kind} ({PlanOf[kind]}): p50 {Stats.Percentile([.. samples.Order()], 50):0.00} ms ({samples.Count} runs)");
        }
    }

    /// <summary>Runs the plans with <c>concurrency</c> workers (after one unrecorded warm-up of each), then deletes
    /// the rows they inserted. Returns the latencies per label.</summary>
    async Task<Dictionary<string, List<double>>> RunMixAsync(List<(string Label, Step[] Steps)> work)
    {
        foreach (var steps in work.Select(w => w.Steps).Distinct()) await RunPlanAsync(steps);
        var samples = work.Select(w => w.Label).Distinct().ToDictionary(l => l, _ => new List<double>());
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            await Task.Yield();
            for (int i; (i = Interlocked.Increment(ref next)) < work.Count;)
            {
                var ms = await RunPlanAsync(work[i].Steps);
                lock (samples) samples[work[i].Label].Add(ms);
            }
        }));
        await CleanUpAsync();
        return samples;
    }

    async Task CleanUpAsync()
    {
        var keys = new List<string>();
        while (_inserted.TryDequeue(out var key)) keys.Add(key);
        await Parallel.ForEachAsync(keys.Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (chunk, ct) =>
            await table.SubmitTransactionAsync(chunk.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(_partition, k), ETag.All)), ct));
    }

    string New(string rowKey)
    {
        _inserted.Enqueue(K + rowKey);
        return K + rowKey;
    }

    async Task<double> RunPlanAsync(Step[] steps)
    {
        var started = Stopwatch.GetTimestamp();
        foreach (var step in steps) await RunAsync(step);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    async Task RunAsync(Step step)
    {
        var user = _users[(int)((uint)Interlocked.Increment(ref _next) % SeededUsers)];
        switch (step)
        {
            case Step.ReadHit:
                if (!(await table.GetEntityIfExistsAsync<TableEntity>(_partition, K + "user|" + user)).HasValue) throw new InvalidOperationException("seeded row missing");
                break;
            case Step.MemberReads4 or Step.MemberReads5 or Step.MemberReads32:
                await Parallel.ForEachAsync(Enumerable.Range(0, ReadsOf(step)), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, _) => await RunAsync(Step.ReadHit));
                break;
            case Step.ReadMiss:
                await table.GetEntityIfExistsAsync<TableEntity>(_partition, K + "username|" + Guid.NewGuid());
                break;
            case Step.Insert:
                await table.AddEntityAsync(UserRow(Guid.NewGuid().ToString(), inserted: true));
                break;
            case Step.Range:
                var prefix = K + $"memberof|{user}|";
                var filter = TableClient.CreateQueryFilter($"PartitionKey eq {_partition} and RowKey ge {prefix} and RowKey lt {prefix[..^1] + "}"}");
                await foreach (var _ in table.QueryAsync<TableEntity>(filter, select: ["RowKey"])) { }
                break;
            case Step.Txn2Update:
                await table.SubmitTransactionAsync([new(TableTransactionActionType.UpdateReplace, UserRow(user), ETag.All), Audit(), Feed(withDocument: true)]);
                break;
            case Step.Txn4 or Step.Txn5:
                await table.SubmitTransactionAsync([new(TableTransactionActionType.Add, UserRow(Guid.NewGuid().ToString(), inserted: true)),
                    .. Enumerable.Range(0, step == Step.Txn4 ? 2 : 3).Select(_ => Index()), Audit(), Feed(withDocument: true)]);
                break;
            case Step.Txn17 or Step.Txn98:
                // A member batch: the group's LastModified, then per member its two rows and the merge of the user row's
                // groups, then the audit row and the feed row.
                var pairs = step == Step.Txn17 ? 5 : 32;
                var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateMerge, new TableEntity(_partition, K + "group|" + _group) { ["LastModified"] = DateTimeOffset.UtcNow }, ETag.All) };
                // Consecutive seeded users from a shared counter: distinct within the transaction, which may name a row once.
                var first = (int)((uint)Interlocked.Add(ref _next, pairs) % SeededUsers);
                for (var i = 0; i < pairs; i++)
                {
                    var member = _users[(first + i) % SeededUsers];
                    var key = Guid.NewGuid().ToString();
                    actions.Add(new(TableTransactionActionType.Add, new TableEntity(_partition, New($"member|{key}|{member}")) { ["Id"] = member }));
                    actions.Add(new(TableTransactionActionType.UpsertReplace, new TableEntity(_partition, New($"memberof|{member}|{key}")) { ["Id"] = key }));
                    actions.Add(new(TableTransactionActionType.UpdateMerge, new TableEntity(_partition, K + "user|" + member) { ["Groups"] = SampleGroups }, ETag.All));
                }
                actions.Add(Audit());
                actions.Add(Feed(withDocument: false));
                await table.SubmitTransactionAsync(actions);
                break;
        }
    }

    TableEntity UserRow(string id, bool inserted = false) => new(_partition, inserted ? New("user|" + id) : K + "user|" + id) { ["Doc"] = _document, ["Version"] = 1L, ["Created"] = DateTimeOffset.UtcNow, ["LastModified"] = DateTimeOffset.UtcNow };

    TableTransactionAction Index() => new(TableTransactionActionType.Add, new TableEntity(_partition, New("userext|" + Guid.NewGuid())) { ["Id"] = "x" });

    TableTransactionAction Audit() => new(TableTransactionActionType.Add, new TableEntity(_partition, New("audit|" + Guid.NewGuid()))
    {
        ["Time"] = DateTimeOffset.UtcNow, ["Operation"] = "PATCH User", ["ResourceType"] = "User", ["ResourceId"] = Guid.NewGuid().ToString(),
        ["Outcome"] = "applied", ["Client"] = "other", ["RequestId"] = "0HN000000000:00000001",
    });

    /// <summary>A change-feed row as the service writes it in the same transaction: the event, and for a resource's
    /// create or replace the document that version has (full events are built from it).</summary>
    TableTransactionAction Feed(bool withDocument)
    {
        var row = new TableEntity(_partition, New("feed|" + Guid.NewGuid())) { ["Type"] = "user.replaced", ["Event"] = SampleEvent };
        if (withDocument) row["Doc"] = _document;
        return new(TableTransactionActionType.Add, row);
    }

    /// <summary>A user row's groups as the cycle's users have them (two groups on average).</summary>
    const string SampleGroups = """[{"value":"0199a6b4-1c1e-7d3a-9f00-000000000001","display":"Loadtest group 001"},{"value":"0199a6b4-1c1e-7d3a-9f00-000000000002","display":"Loadtest group 002"}]""";

    /// <summary>A change-feed event of the size the cycle's writes have.</summary>
    const string SampleEvent = """
        {"schemaVersion":1,"id":"0199a6b41c1e7d3a9f000000000000000","type":"user.replaced","tenant":"loadtest","time":"2026-12-03T19:53:00.0000000+00:00","requestId":"0HN000000000:00000001","resourceType":"User","resourceId":"0199a6b4-1c1e-7d3a-9f00-000000000000","version":2,"userName":"a1b2c3.user000123@contoso.test","externalId":"a1b2c3-000123","active":true,"changed":["title"]}
        """;

    /// <summary>A stored user document of the size the cycle's users have (~1 KB of JSON).</summary>
    static string SampleDocument() => """
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"externalId":"a1b2c3-000123","userName":"a1b2c3.user000123@contoso.test","active":true,"displayName":"Given123 Family123","title":"Engineer","preferredLanguage":"en-US","emails":[{"primary":true,"type":"work","value":"a1b2c3.user000123@contoso.test"}],"name":{"formatted":"Given123 Family123","familyName":"Family123","givenName":"Given123"},"addresses":[{"type":"work","streetAddress":"123 Main Street","locality":"Redmond","postalCode":"98052","country":"US","primary":false}],"phoneNumbers":[{"type":"work","value":"+1 425 555 0123"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"123","department":"Department 6","costCenter":"CC023","manager":{"value":"0199a6b4-1c1e-7d3a-9f00-000000000000"}}}
        """;
}
