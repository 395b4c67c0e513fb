using System.Net;
using System.Text.Json.Nodes;
using ScimFunctions.Protocol;

namespace ScimFunctions.LoadDriver;

/// <summary>The operation kinds the report has a row for, in cycle order.</summary>
public static class Kinds
{
    public const string TestConnection = "Test Connection (GET Users filter, miss)";
    public const string QueryUserMiss = "GET Users filter userName eq (miss)";
    public const string CreateUser = "POST Users";
    public const string SetManager = "PATCH User manager";
    public const string QueryGroupMiss = "GET Groups filter displayName eq (miss)";
    public const string CreateGroup = "POST Groups (empty)";
    public const string AddMembers100 = "PATCH Group add members (batch of 100)";
    public const string QueryUserHit = "GET Users filter userName eq (hit)";
    public const string UpdateUser = "PATCH User attributes";
    public const string DisableUser = "PATCH User active False";
    public const string QueryGroupHit = "GET Groups filter displayName eq (hit)";
    public const string AddMembers = "PATCH Group add members (incremental, 5)";
    public const string RemoveMembers = "PATCH Group remove members (incremental, 5)";
    public const string DeleteUser = "DELETE User";
}

/// <summary>
/// An Entra-like provisioning cycle (what the Entra provisioning service sends, in its order): Test
/// Connection; the initial cycle (each user queried by userName then created; manager references once
/// the users exist; each group queried by displayName then created empty and filled by member PATCHes of
/// 100 ids); then an incremental cycle (attribute updates and disables, each after a query; member adds and
/// removes; deletes). Deterministic for a seed. <paramref name="afterPhase"/> runs after each phase (the floor
/// is measured there, against a table of the same size).
/// </summary>
public sealed class Cycle(ScimClient client, Recorder recorder, DriverOptions options)
{
    const string PatchUrn = ScimUrns.PatchOp;
    const int MemberBatch = 100;
    const int IncrementalGroups = 20;
    const int IncrementalMembers = 5;

    readonly Random _random = new(options.Seed);
    readonly string _run = Convert.ToHexStringLower(BitConverter.GetBytes(Environment.TickCount64))[..6];
    readonly string?[] _userIds = new string?[options.Users];
    readonly List<(string? Id, HashSet<int> Members)> _groups = [];

    string UserName(int i) => $"{_run}.user{i:D6}@contoso.test";

    public async Task RunAsync(Func<string, Task> afterPhase)
    {
        var n = options.Users;
        await Phase("Test Connection", [() => client.QueryAsync(Kinds.TestConnection, "Users", $"userName eq \"{Guid.NewGuid()}\"", 0)]);
        await afterPhase("Test Connection");

        await Phase("Initial cycle: users", [.. Enumerable.Range(0, n).Select(i => (Func<Task>)(async () =>
        {
            if (await client.QueryAsync(Kinds.QueryUserMiss, "Users", $"userName eq \"{UserName(i)}\"", 0) is null) return;
            var created = await client.SendAsync(Kinds.CreateUser, HttpMethod.Post, "Users", UserBody(i), HttpStatusCode.Created, HasId);
            _userIds[i] = created?["id"]?.GetValue<string>();
        }))]);
        await afterPhase("Initial cycle: users");

        // Reference attributes are exported once the referenced user exists: a manager tree, 8 reports each.
        var managed = Enumerable.Range(1, n - 1).Where(_ => _random.NextDouble() < options.ManagerShare).ToList();
        await Phase("Initial cycle: managers", [.. managed.Select(i => (Func<Task>)(() => _userIds[i] is { } id && _userIds[(i - 1) / 8] is { } manager
            ? client.SendAsync(Kinds.SetManager, HttpMethod.Patch, $"Users/{id}",
                Patch(Op("Add", $"{ScimUrns.EnterpriseUser}:manager", manager)), HttpStatusCode.OK, HasId)
            : Task.CompletedTask))]);
        await afterPhase("Initial cycle: managers");

        PlanGroups();
        await Phase("Initial cycle: groups", [.. _groups.Select((_, g) => (Func<Task>)(async () =>
        {
            if (await client.QueryAsync(Kinds.QueryGroupMiss, "Groups", $"displayName eq \"{GroupName(g)}\"", 0, "&excludedAttributes=members") is null) return;
            var created = await client.SendAsync(Kinds.CreateGroup, HttpMethod.Post, "Groups", new JsonObject
            {
                ["schemas"] = new JsonArray(ScimUrns.Group),
                ["externalId"] = $"{_run}-group-{g:D4}",
                ["displayName"] = GroupName(g),
                ["members"] = new JsonArray(),
            }, HttpStatusCode.Created, HasId);
            _groups[g] = _groups[g] with { Id = created?["id"]?.GetValue<string>() };
        }))]);
        await afterPhase("Initial cycle: groups");

        var batches = _groups.SelectMany(group => group.Members.Order().Chunk(MemberBatch).Select(batch => (group, batch))).ToList();
        await Phase("Initial cycle: group members", [.. batches.Select(b => (Func<Task>)(() => b.group.Id is { } id
            ? client.SendAsync(Kinds.AddMembers100, HttpMethod.Patch, $"Groups/{id}", Patch(Op("Add", "members", Refs(b.batch))), HttpStatusCode.NoContent)
            : Task.CompletedTask))]);
        await afterPhase("Initial cycle: group members");

        await Phase("Incremental cycle", Incremental());
        await afterPhase("Incremental cycle");
    }

    Task Phase(string name, IReadOnlyList<Func<Task>> work) => recorder.RunPhaseAsync(name, work, options.Concurrency);

    /// <summary>Each request shape of the cycle a few times, on a user and a group deleted at the end.</summary>
    public static async Task WarmUpAsync(ScimClient warm)
    {
        for (var i = 0; i < 10; i++)
        {
            var name = $"warm-up-{Guid.NewGuid():N}";
            await warm.QueryAsync("warm-up", "Users", $"userName eq \"{name}@contoso.test\"", 0);
            var user = (await warm.SendAsync("warm-up", HttpMethod.Post, "Users", new JsonObject { ["userName"] = $"{name}@contoso.test" }, HttpStatusCode.Created))?["id"]?.GetValue<string>();
            await warm.QueryAsync("warm-up", "Groups", $"displayName eq \"{name}\"", 0, "&excludedAttributes=members");
            var group = (await warm.SendAsync("warm-up", HttpMethod.Post, "Groups", new JsonObject { ["displayName"] = name }, HttpStatusCode.Created))?["id"]?.GetValue<string>();
            if (user is null || group is null) throw new InvalidOperationException("the warm-up could not create a user and a group: is the target a SCIM endpoint?");
            await warm.SendAsync("warm-up", HttpMethod.Patch, $"Users/{user}", Patch(Op("Replace", "title", "Warm")), HttpStatusCode.OK);
            await warm.SendAsync("warm-up", HttpMethod.Patch, $"Groups/{group}", Patch(Op("Add", "members", new JsonArray(new JsonObject { ["value"] = user }))), HttpStatusCode.NoContent);
            await warm.QueryAsync("warm-up", "Users", $"userName eq \"{name}@contoso.test\"", 1);
            await warm.QueryAsync("warm-up", "Groups", $"displayName eq \"{name}\"", 1, "&excludedAttributes=members");
            await warm.SendAsync("warm-up", HttpMethod.Patch, $"Groups/{group}", Patch(Op("Remove", "members", new JsonArray(new JsonObject { ["value"] = user }))), HttpStatusCode.NoContent);
            await warm.SendAsync("warm-up", HttpMethod.Delete, $"Groups/{group}", null, HttpStatusCode.NoContent);
            await warm.SendAsync("warm-up", HttpMethod.Delete, $"Users/{user}", null, HttpStatusCode.NoContent);
        }
    }

    /// <summary>Disjoint sets of users (deleted, updated, disabled, moved between groups), so no two
    /// concurrent operations of the cycle target the same user and every expected status is certain.</summary>
    List<Func<Task>> Incremental()
    {
        var n = options.Users;
        var order = Enumerable.Range(0, n).Where(i => _userIds[i] is not null).OrderBy(_ => _random.Next()).ToList();
        var deletes = order.Take(Math.Max(1, n / 100)).ToList();
        var updates = order.Skip(deletes.Count).Take(Math.Max(1, n / 10)).ToList();
        var disables = order.Skip(deletes.Count + updates.Count).Take(Math.Max(1, n / 50)).ToList();
        var movable = order.Skip(deletes.Count + updates.Count + disables.Count).ToList();
        var isMovable = movable.ToHashSet();
        var work = new List<Func<Task>>();

        work.AddRange(updates.Select(i => (Func<Task>)(() => QueryThenAsync(i, id => client.SendAsync(Kinds.UpdateUser, HttpMethod.Patch, $"Users/{id}", Patch(
            Op("Replace", "title", $"Senior engineer {i}"),
            Op("Replace", "name.givenName", $"Given{i}x"),
            Op("Replace", $"{ScimUrns.EnterpriseUser}:department", $"Department {i % 17}")), HttpStatusCode.OK, HasId)))));
        work.AddRange(disables.Select(i => (Func<Task>)(() => QueryThenAsync(i, id => client.SendAsync(Kinds.DisableUser, HttpMethod.Patch, $"Users/{id}",
            Patch(Op("Replace", "active", "False")), HttpStatusCode.OK, HasId)))));
        work.AddRange(deletes.Select(i => (Func<Task>)(() => QueryThenAsync(i, id => client.SendAsync(Kinds.DeleteUser, HttpMethod.Delete, $"Users/{id}", null, HttpStatusCode.NoContent)))));

        var moved = new HashSet<int>();
        foreach (var (group, g) in _groups.Select((group, g) => (group, g)).Where(x => x.group.Id is not null).Take(IncrementalGroups))
        {
            var add = movable.Where(u => !group.Members.Contains(u) && moved.Add(u)).Take(IncrementalMembers).ToList();
            var remove = group.Members.Where(u => isMovable.Contains(u) && moved.Add(u)).Take(IncrementalMembers).ToList();
            work.Add(async () =>
            {
                if (await client.QueryAsync(Kinds.QueryGroupHit, "Groups", $"displayName eq \"{GroupName(g)}\"", 1, "&excludedAttributes=members") is null) return;
                if (add.Count > 0)
                    await client.SendAsync(Kinds.AddMembers, HttpMethod.Patch, $"Groups/{group.Id}", Patch(Op("Add", "members", Refs(add))), HttpStatusCode.NoContent);
                if (remove.Count > 0)
                    await client.SendAsync(Kinds.RemoveMembers, HttpMethod.Patch, $"Groups/{group.Id}", Patch(Op("Remove", "members", Refs(remove))), HttpStatusCode.NoContent);
            });
        }
        return [.. work.OrderBy(_ => _random.Next())];
    }

    async Task QueryThenAsync(int i, Func<string, Task> then)
    {
        if (await client.QueryAsync(Kinds.QueryUserHit, "Users", $"userName eq \"{UserName(i)}\"", 1) is { } found
            && found["Resources"]?[0]?["id"]?.GetValue<string>() is { } id)
            await then(id);
    }

    /// <summary>Skewed group sizes: one group of min(--largest-group, --users) members, the others falling
    /// off as 1/k from a fifth of the users; members drawn at random.</summary>
    void PlanGroups()
    {
        var n = options.Users;
        var pool = Enumerable.Range(0, n).ToArray();
        for (var g = 0; g < options.Groups; g++)
        {
            var size = g == 0 ? Math.Min(options.LargestGroup, n) : Math.Clamp((int)Math.Round(n / (5.0 * g)), 1, n);
            HashSet<int> members;
            if (g == 0) members = [.. pool.Take(size)];
            else
            {
                // Partial Fisher-Yates: the first `size` slots become a uniform sample.
                for (var k = 0; k < size; k++)
                {
                    var j = k + _random.Next(n - k);
                    (pool[k], pool[j]) = (pool[j], pool[k]);
                }
                members = [.. pool.Take(size)];
            }
            members.RemoveWhere(u => _userIds[u] is null);
            _groups.Add((null, members));
        }
    }

    string GroupName(int g) => $"{_run} Group {g:D4}";

    static string? HasId(JsonObject json) => json["id"] is JsonValue ? null : "response has no id";

    JsonArray Refs(IEnumerable<int> users) => [.. users.Select(u => (JsonNode)new JsonObject { ["value"] = _userIds[u] })];

    static JsonObject Op(string op, string path, JsonNode value) => new() { ["op"] = op, ["path"] = path, ["value"] = value };

    static JsonObject Patch(params JsonObject[] operations) => new() { ["schemas"] = new JsonArray(PatchUrn), ["Operations"] = new JsonArray(operations) };

    /// <summary>A user as Entra's default attribute mappings send it.</summary>
    JsonObject UserBody(int i) => new()
    {
        ["schemas"] = new JsonArray(ScimUrns.User, ScimUrns.EnterpriseUser),
        ["externalId"] = $"{_run}-{i:D6}",
        ["userName"] = UserName(i),
        ["active"] = true,
        ["displayName"] = $"Given{i} Family{i % 997}",
        ["title"] = "Engineer",
        ["preferredLanguage"] = "en-US",
        ["emails"] = new JsonArray(new JsonObject { ["primary"] = true, ["type"] = "work", ["value"] = UserName(i) }),
        ["meta"] = new JsonObject { ["resourceType"] = "User" },
        ["name"] = new JsonObject { ["formatted"] = $"Given{i} Family{i % 997}", ["familyName"] = $"Family{i % 997}", ["givenName"] = $"Given{i}" },
        ["addresses"] = new JsonArray(new JsonObject { ["type"] = "work", ["streetAddress"] = $"{i} Main Street", ["locality"] = "Redmond", ["postalCode"] = "98052", ["country"] = "US", ["primary"] = false }),
        ["phoneNumbers"] = new JsonArray(new JsonObject { ["type"] = "work", ["value"] = $"+1 425 555 {i % 10000:D4}" }),
        [ScimUrns.EnterpriseUser] = new JsonObject { ["employeeNumber"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture), ["department"] = $"Department {i % 13}", ["costCenter"] = $"CC{i % 50:D3}" },
    };
}
