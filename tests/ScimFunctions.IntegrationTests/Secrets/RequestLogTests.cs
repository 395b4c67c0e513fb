using Microsoft.Extensions.Logging;

namespace ScimFunctions.IntegrationTests.Secrets;

/// <summary>The one structured line per SCIM request carries the status the client really got, for every
/// kind of result (JSON, empty, streamed group, error), with tenant, operation, duration, storage requests,
/// request id and client.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RequestLogTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Every_request_is_logged_once_with_its_real_status()
    {
        var logs = new CapturingLoggerProvider();
        await using var host = await ScimHost.StartAsync(azurite, CapturingLoggerProvider.HostSettings(LogLevel.Information), logs);
        var client = await host.CreateTenantAsync();

        var statuses = new List<int>();
        async Task Send(Task<HttpResponseMessage> request) => statuses.Add((int)(await request).StatusCode);
        var created = await client.PostAsync("Groups", new JsonObject { ["displayName"] = "Logged" }); // streamed group, 201
        statuses.Add((int)created.StatusCode);
        var id = (await created.ReadJsonAsync()).Id();
        await Send(client.GetAsync($"Groups/{id}"));                                                          // streamed, 200
        await Send(client.GetAsync("Groups?filter=" + Uri.EscapeDataString("displayName eq \"Logged\"")));   // streamed list, 200
        await Send(client.PatchAsync($"Groups/{id}", new JsonObject { ["Operations"] = new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "displayName", ["value"] = "Renamed" }) })); // 204
        await Send(client.GetAsync($"Groups/{id}?excludedAttributes=members"));                               // JSON, 200
        await Send(client.GetAsync($"Users/{Guid.CreateVersion7()}"));                                        // 404
        await Send(client.PostAsync("Users", new JsonObject { ["displayName"] = "no userName" }));            // 400
        await Send(client.SendAsync(HttpMethod.Put, "Users")); // 405
        await Send(client.DeleteAsync($"Groups/{id}"));                                                       // 204
        using var anonymous = new HttpClient { BaseAddress = host.Origin };
        await Send(anonymous.GetAsync(client.Path("Users")));                                                 // 401
        Assert.Equal([201, 200, 200, 204, 200, 404, 400, 405, 204, 401], statuses);

        var lines = logs.Entries.Where(e => e.Category == "ScimFunctions.Http.ScimPipeline" && e.Level == LogLevel.Information).ToList();
        Assert.Equal(statuses, lines.Select(l => Convert.ToInt32(l.State["Status"], System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var line in lines)
        {
            Assert.Equal(client.Tenant.Value, line.State["Tenant"]);
            foreach (var key in new[] { "Method", "Operation", "ElapsedMs", "StorageRequests", "RequestId", "Client", "{OriginalFormat}" })
                Assert.True(line.State.ContainsKey(key), $"{key} missing from: {line.Text}");
        }
        Assert.Equal(lines.Count, lines.Select(l => l.State["RequestId"]).Distinct().Count());
    }
}
