using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Protocol;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.LoadDriver;

/// <summary>
/// Memory allocated per request for a group of 10 members and one of --largest-group members (default 10,000):
/// the requests Entra sends must not allocate in proportion to the group unless they return its members.
/// Host and client share the process and nothing else runs, so each figure is
/// GC.GetTotalAllocatedBytes before and after one request (server and client together), median of 15 after 5
/// unrecorded ones. The client's share is small and the same for both groups.
/// </summary>
public static class AllocationCheck
{
    const int Warm = 5, Measured = 15;

    public static async Task<string> RunAsync(DriverOptions o, string command)
    {
        var large = Math.Max(100, o.LargestGroup == new DriverOptions().LargestGroup ? 10_000 : o.LargestGroup);
        Console.WriteLine("Starting in-memory Azurite and the local host…");
        await using var target = await Target.StartLocalAsync(o with { TablePrefix = "alloc" });
        using var http = target.CreateClient(8);
        var store = target.Services!.GetRequiredService<ResourceStore>();
        var tenant = TenantId.Parse(new Uri(target.BaseUrl).Segments[^1].TrimEnd('/'));
        var seeding = new WriteContext("alloc-seed", "SEED Users", "load-driver");

        Console.WriteLine($"Seeding {large + 10 + 2 * (Warm + Measured):N0} users…");
        var users = new string[large + 10 + 2 * (Warm + Measured)];
        await Parallel.ForEachAsync(Enumerable.Range(0, users.Length), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            users[i] = (await store.CreateAsync(tenant, ResourceKind.User, new JsonObject { ["userName"] = $"alloc{i}@example.com" }, seeding, ct)).Id);
        var spare = users[(large + 10)..];

        async Task<string> GroupAsync(string name, IEnumerable<string> members)
        {
            var created = await http.PostAsync("Groups", Json(new JsonObject { ["schemas"] = new JsonArray(ScimUrns.Group), ["displayName"] = name }));
            var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
            foreach (var batch in members.Chunk(100))
                (await http.PatchAsync($"Groups/{id}", Patch("Add", "members", batch))).EnsureSuccessStatusCode();
            return id;
        }
        Console.WriteLine($"Building groups of 10 and {large:N0} members by PATCHes of 100…");
        var groups = new[] { (Size: 10, Id: await GroupAsync("Small", users.Take(10))), (Size: large, Id: await GroupAsync("Large", users.Skip(10).Take(large))) };

        var rows = new List<(string Request, long[] Bytes)>();
        async Task MeasureAsync(string label, Func<int, string, Task<HttpResponseMessage>> send)
        {
            var bytes = new long[groups.Length];
            for (var g = 0; g < groups.Length; g++)
            {
                var samples = new List<long>();
                for (var i = 0; i < Warm + Measured; i++)
                {
                    var before = GC.GetTotalAllocatedBytes(precise: true);
                    using var response = await send(i, groups[g].Id);
                    await response.Content.ReadAsByteArrayAsync();
                    var after = GC.GetTotalAllocatedBytes(precise: true);
                    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{label}: {(int)response.StatusCode}");
                    if (i >= Warm) samples.Add(after - before);
                }
                bytes[g] = (long)Stats.Median(samples.Select(s => (double)s));
            }
            rows.Add((label, bytes));
            Console.WriteLine($"  {label}: {string.Join(" / ", bytes.Select(b => $"{b:N0} B"))}");
        }

        string Member(int g) => users[g == 0 ? 1 : 10 + large / 2];
        await MeasureAsync("GET /Groups/{id}?excludedAttributes=members", (_, id) => http.GetAsync($"Groups/{id}?excludedAttributes=members"));
        await MeasureAsync("GET /Groups?filter=displayName eq …&excludedAttributes=members", (_, id) =>
            http.GetAsync($"Groups?filter={Uri.EscapeDataString($"displayName eq \"{(id == groups[0].Id ? "Small" : "Large")}\"")}&excludedAttributes=members"));
        await MeasureAsync("GET /Groups?filter=id eq … and members eq …&attributes=id (reference check)", (_, id) =>
            http.GetAsync($"Groups?filter={Uri.EscapeDataString($"id eq \"{id}\" and members eq \"{Member(id == groups[0].Id ? 0 : 1)}\"")}&attributes=id"));
        await MeasureAsync("PATCH add 1 new member", (i, id) => http.PatchAsync($"Groups/{id}", Patch("Add", "members", [spare[i + (id == groups[0].Id ? 0 : Warm + Measured)]])));
        await MeasureAsync("PATCH remove 1 member", (i, id) => http.PatchAsync($"Groups/{id}", Patch("Remove", "members", [spare[i + (id == groups[0].Id ? 0 : Warm + Measured)]])));
        await MeasureAsync("PATCH re-add 10 existing members", (_, id) => http.PatchAsync($"Groups/{id}", Patch("Add", "members", id == groups[0].Id ? users[..10] : users[10..20])));
        await MeasureAsync("PATCH displayName (no members)", (i, id) => http.PatchAsync($"Groups/{id}", new StringContent(
            $$"""{"schemas":["{{ScimUrns.PatchOp}}"],"Operations":[{"op":"Replace","path":"displayName","value":"{{(id == groups[0].Id ? "Small" : "Large")}} {{i}}"}]}""", Encoding.UTF8, "application/scim+json")));
        await MeasureAsync("GET /Users/{id} of a member (its groups)", (_, id) => http.GetAsync($"Users/{Member(id == groups[0].Id ? 0 : 1)}"));
        await MeasureAsync("GET /Groups/{id} (returns the members: proportional by design)", (_, id) => http.GetAsync($"Groups/{id}"));

        var s = new StringBuilder();
        s.AppendLine("# Allocation per request, by group size").AppendLine();
        s.AppendLine($"`{command}` — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. Machine: {Report.Machine()}.").AppendLine();
        s.AppendLine("Bytes allocated in the process (host and client) by one request, median of 15 after 5 unrecorded ones; nothing else runs.").AppendLine();
        s.AppendLine($"| Request | group of 10 | group of {large:N0} | ratio |").AppendLine("|---|---:|---:|---:|");
        foreach (var (request, bytes) in rows)
            s.AppendLine($"| {request} | {bytes[0]:N0} B | {bytes[1]:N0} B | {(double)bytes[1] / bytes[0]:0.00}× |");
        return s.ToString();
    }

    static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/scim+json");

    static StringContent Patch(string op, string path, IEnumerable<string> ids) => Json(new JsonObject
    {
        ["schemas"] = new JsonArray(ScimUrns.PatchOp),
        ["Operations"] = new JsonArray(new JsonObject
        {
            ["op"] = op, ["path"] = path,
            ["value"] = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject { ["value"] = id })]),
        }),
    });
}
