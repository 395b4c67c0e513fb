namespace ScimFunctions.IntegrationTests.Reliability;

/// <summary>How big a cycle is: about 3.6 requests per user.</summary>
public sealed record CycleSize(int Users, int Groups, int Parallelism)
{
    public static CycleSize ForRequests(int requests)
    {
        var users = Math.Max(10, requests * 10 / 36);
        return new CycleSize(users, Math.Max(3, users / 10), requests > 2000 ? 8 : 4);
    }
}

/// <summary>
/// What Entra ID does in an initial cycle and the changes after it, as a fixed scenario: users created
/// with query-then-create, groups created empty, members added by PATCH batches (one batch re-sent, as
/// Entra does), attribute PATCHes in Entra's dialect, managers in a second pass, disables, member
/// removals, deletes. Work inside a phase runs in parallel on different resources, so the end state
/// does not depend on the order and two runs can be compared.
/// </summary>
public sealed class EntraCycle(RetryingClient client, CycleSize size)
{
    int _lostCreates;

    /// <summary>Creates whose response was lost: the repeat answered 409 and the follow-up query found the resource.</summary>
    public int LostCreates => Volatile.Read(ref _lostCreates);

    public async Task RunAsync()
    {
        var users = new string[size.Users];
        await ForEachAsync(size.Users, async i => users[i] = await EnsureAsync("Users", $"userName eq \"{UserName(i)}\"", NewUser(i)));
        var groups = new string[size.Groups];
        await ForEachAsync(size.Groups, async j => groups[j] = await EnsureAsync("Groups", $"displayName eq \"Group {j}\"",
            new JsonObject { ["schemas"] = new JsonArray(ScimUrns.Group), ["displayName"] = $"Group {j}", ["externalId"] = $"gext-{j}" }, "&excludedAttributes=members"));

        await ForEachAsync(size.Groups, async j =>
        {
            var batches = Members(j).Chunk(10).ToList();
            foreach (var batch in batches) await PatchGroupAsync(groups[j], Op("Add", "members", Refs(batch.Select(i => users[i]))));
            // Entra re-sends members that are already there.
            if (batches.Count > 0) await PatchGroupAsync(groups[j], Op("Add", "members", Refs(batches[0].Select(i => users[i]))));
        });

        await ForEachAsync(size.Users, async i =>
        {
            if (i % 2 == 0)
            {
                await PatchUserAsync(users[i],
                    Op("Replace", "displayName", $"User {i} (renamed)"),
                    Op("Replace", "name.givenName", $"G{i}"),
                    Op("Add", "emails[type eq \"work\"].value", $"u{i}.work@contoso.test"),
                    Op("Replace", $"{ScimUrns.EnterpriseUser}:department", "Sales"),
                    Op("Add", "phoneNumbers[type eq \"mobile\"].value", $"+1 555 {i:D4}"));
            }
            if (i > 0 && i % 3 == 0) await PatchUserAsync(users[i], Op("Add", $"{ScimUrns.EnterpriseUser}:manager", users[0]));
            if (i % 7 == 3) await PatchUserAsync(users[i], Op("Replace", "active", "False"));
        });

        await ForEachAsync(size.Groups, async j =>
        {
            var leaving = Members(j).Where(i => i % 4 == 1).ToList();
            if (leaving.Count > 0) await PatchGroupAsync(groups[j], Op("Remove", "members", Refs(leaving.Select(i => users[i]))));
        });

        await ForEachAsync(size.Users, async i =>
        {
            if (i % 9 == 4) await client.ExpectAsync(HttpMethod.Delete, $"Users/{users[i]}", null, HttpStatusCode.NoContent, HttpStatusCode.NotFound);
        });
        await client.ExpectAsync(HttpMethod.Delete, $"Groups/{groups[^1]}", null, HttpStatusCode.NoContent, HttpStatusCode.NotFound);
    }

    /// <summary>Members of group j: its share of the users, plus a few users that are in every group.</summary>
    IEnumerable<int> Members(int j) => Enumerable.Range(0, size.Users).Where(i => i % size.Groups == j || i % 50 == 0);

    static string UserName(int i) => $"u{i}@contoso.test";

    static JsonObject NewUser(int i) => new()
    {
        ["schemas"] = new JsonArray(ScimUrns.User, ScimUrns.EnterpriseUser),
        ["userName"] = UserName(i),
        ["externalId"] = $"ext-{i}",
        ["active"] = true,
        ["displayName"] = $"User {i}",
        ["name"] = new JsonObject { ["givenName"] = $"Given{i}", ["familyName"] = $"Family{i}", ["formatted"] = $"Given{i} Family{i}" },
        ["emails"] = new JsonArray(new JsonObject { ["primary"] = true, ["type"] = "work", ["value"] = UserName(i) }),
        [ScimUrns.EnterpriseUser] = new JsonObject { ["department"] = $"Dept{i % 3}", ["employeeNumber"] = $"{1000 + i}" },
    };

    /// <summary>Query, then create if absent. A create answered 409 must follow a 503 (its first attempt was
    /// applied and the response lost), and the follow-up query must then find the resource.</summary>
    async Task<string> EnsureAsync(string collection, string filter, JsonObject body, string extra = "")
    {
        var query = $"{collection}?filter={Uri.EscapeDataString(filter)}&attributes=id{extra}";
        if (await FindAsync(query) is { } existing) return existing;
        var (response, attempts) = await client.SendAsync(HttpMethod.Post, collection, body);
        if (response.StatusCode == HttpStatusCode.Created) return (await response.ReadJsonAsync()).Id();
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Conflict && attempts > 1, $"POST {collection}: {(int)response.StatusCode} after {attempts} attempt(s): {text}");
        var found = await FindAsync(query);
        Assert.True(found is not null, $"POST {collection} answered 409 after a lost response, but '{filter}' finds nothing");
        Interlocked.Increment(ref _lostCreates);
        return found!;
    }

    async Task<string?> FindAsync(string query)
    {
        var list = await client.GetJsonAsync(query);
        var total = list.GetInt32("totalResults");
        Assert.True(total <= 1, $"{query} found {total} resources");
        return total == 1 ? list.GetArray("Resources")[0]!.Id() : null;
    }

    async Task PatchUserAsync(string id, params JsonObject[] operations) =>
        await client.ExpectAsync(HttpMethod.Patch, $"Users/{id}", Patch(operations), HttpStatusCode.OK);

    async Task PatchGroupAsync(string id, params JsonObject[] operations)
    {
        var response = await client.ExpectAsync(HttpMethod.Patch, $"Groups/{id}", Patch(operations), HttpStatusCode.NoContent);
        Assert.False(response.Headers.Contains("X-Scim-Unapplied-Members"), "a member of the scenario was not applied");
    }

    Task ForEachAsync(int count, Func<int, Task> body) =>
        Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = size.Parallelism }, async (i, _) => await body(i));
}
