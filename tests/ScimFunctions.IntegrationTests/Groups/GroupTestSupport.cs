using ScimFunctions.IntegrationTests.Reliability;
using Azure.Data.Tables;

namespace ScimFunctions.IntegrationTests.Groups;

/// <summary>A fresh host and tenant per test, over the shared Azurite.</summary>
public abstract class GroupTestBase(AzuriteFixture azurite, StorageFaultOptions? faults = null) : TenantTestBase(azurite, faults: faults)
{

    protected async Task<JsonObject> CreateGroupAsync(string displayName, params IReadOnlyList<string> members)
    {
        var body = new JsonObject { ["schemas"] = new JsonArray(ScimUrns.Group), ["displayName"] = displayName };
        if (members.Count > 0) body["members"] = Refs(members);
        var response = await Client.PostAsync("Groups", body);
        var json = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, json.ToJsonString());
        return json;
    }

    /// <summary>Creates users in parallel (a few at a time) and returns their ids sorted, the order member lists use.</summary>
    protected async Task<List<string>> CreateUsersAsync(int count, string prefix = "user")
    {
        var ids = new string[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            ids[i] = (await Client.CreateUserAsync($"{prefix}{i}-{Guid.NewGuid():N}@example.com")).Id());
        return [.. ids.Order(StringComparer.Ordinal)];
    }

    /// <summary>Writes users straight through the store (the HTTP create path is tested elsewhere; tens of
    /// thousands of POSTs would only slow the suite down). Returns their ids sorted.</summary>
    protected async Task<List<string>> SeedUsersAsync(int count)
    {
        var store = Service<ScimFunctions.Storage.Tables.ResourceStore>();
        var ids = new string[count];
        var seeding = new ScimFunctions.Storage.Audit.WriteContext("seed-" + Guid.NewGuid().ToString("N")[..8], "SEED Users", "test");
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            ids[i] = (await store.CreateAsync(Client.Tenant, ScimFunctions.Storage.Tables.ResourceKind.User,
                new JsonObject { ["userName"] = $"seed{i}@example.com" }, seeding, ct)).Id);
        return [.. ids.Order(StringComparer.Ordinal)];
    }

    protected Task<HttpResponseMessage> PatchAsync(string groupId, params JsonObject[] operations) =>
        Client.PatchAsync($"Groups/{groupId}", Patch(operations));

    protected async Task PatchNoContentAsync(string groupId, params JsonObject[] operations)
    {
        var response = await PatchAsync(groupId, operations);
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The member ids a GET of the group returns, in order.</summary>
    protected async Task<List<string>> MemberIdsAsync(string groupId)
    {
        var response = await Client.GetAsync($"Groups/{groupId}");
        var json = await response.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return json["members"] is JsonArray members ? [.. members.Select(m => m!.GetString("value"))] : [];
    }

    /// <summary>Row keys of the tenant partition starting with <paramref name="prefix"/>, read straight from the table.</summary>
    protected async Task<List<string>> RowKeysAsync(string prefix)
    {
        var table = Service<ScimTables>().Resources;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Client.Tenant.Value} and RowKey ge {prefix} and RowKey lt {prefix + "~"}");
        var keys = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["RowKey"])) keys.Add(row.RowKey);
        return keys;
    }

    protected static int StorageRequests(HttpResponseMessage response) =>
        int.Parse(response.Headers.GetValues("X-Storage-Requests").Single(), CultureInfo.InvariantCulture);

    protected static string Filter(string filter) => Uri.EscapeDataString(filter);
}
