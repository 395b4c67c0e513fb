namespace ScimFunctions.IntegrationTests.Reliability;

/// <summary>
/// A tenant's users, groups and memberships as the SCIM API returns them, with everything that differs
/// between two runs of one scenario taken out: ids become userNames / display names, meta and $ref go,
/// object keys are sorted. Two runs that ended in the same state give the same text.
/// </summary>
public static class ScimState
{
    public static async Task<(string Text, int Users, int Groups)> ReadAsync(RetryingClient client)
    {
        var users = await ListAsync(client, "Users");
        var groups = await ListAsync(client, "Groups");
        var names = users.ToDictionary(u => u.Id(), u => u.GetString("userName"));
        // A user's groups beyond the first 100 come without a display name (see the README): use the group's.
        foreach (var g in groups) names[g.Id()] = g.GetString("displayName");
        var state = new JsonObject
        {
            ["users"] = new JsonArray([.. users.Select(u => Canonical(u, names)).OrderBy(u => u.GetString("userName"), StringComparer.Ordinal)]),
            ["groups"] = new JsonArray([.. groups.Select(g => Canonical(g, names)).OrderBy(g => g.GetString("displayName"), StringComparer.Ordinal)]),
        };
        return (state.ToJsonString(), users.Count, groups.Count);
    }

    static async Task<List<JsonObject>> ListAsync(RetryingClient client, string collection)
    {
        var all = new List<JsonObject>();
        for (var start = 1; ; start += 500)
        {
            var page = await client.GetJsonAsync($"{collection}?startIndex={start}&count=500");
            var resources = page.GetArray("Resources").Select(r => r!.AsObject()).ToList();
            all.AddRange(resources);
            if (resources.Count == 0 || all.Count >= page.GetInt32("totalResults")) return all;
        }
    }

    /// <summary>Ids → names (userName, group displayName), members and groups sorted, volatile keys dropped, keys sorted.</summary>
    static JsonNode Canonical(JsonObject resource, Dictionary<string, string> names)
    {
        var copy = resource.DeepClone().AsObject();
        copy.Remove("id");
        copy.Remove("meta");
        if (copy["members"] is JsonArray members)
            copy["members"] = new JsonArray([.. members.Select(m => (JsonNode)Name(names, m!.GetString("value"))).OrderBy(n => n.GetValue<string>(), StringComparer.Ordinal)]);
        if (copy["groups"] is JsonArray groups)
            copy["groups"] = new JsonArray([.. groups.Select(g => (JsonNode)Name(names, g!.GetString("value"))).OrderBy(n => n.GetValue<string>(), StringComparer.Ordinal)]);
        if (copy["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]?["manager"] is JsonObject manager)
            manager.ReplaceWith(Name(names, manager.GetString("value")));
        return Sorted(copy)!;
    }

    static string Name(Dictionary<string, string> names, string id) => names.TryGetValue(id, out var name) ? name : "(unknown " + id + ")";

    static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        _ => node?.DeepClone(),
    };
}
