using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace ScimFunctions.IntegrationTests.Hostile;

/// <summary>
/// One tenant floods the service with CPU-heavy requests (value-filtered PATCHes over 8,000 emails, each
/// within every limit); another tenant's simple reads keep their latency. The per-tenant concurrency limit
/// (Limits:MaxConcurrentRequestsPerTenant) admits a few of the flood at a time, queues a few more and
/// answers the rest 429 with Retry-After. Stated bound, generous for a shared 2-core machine: the quiet
/// tenant's median read stays within 10 times its unloaded median plus 500 ms (before the limit, a flood of
/// four heavy requests took another tenant's reads from 20 ms to 6 s).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TenantFairnessTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task A_flooding_tenant_gets_429_while_another_tenants_median_latency_holds()
    {
        await using var host = await ScimHost.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Limits:MaxConcurrentRequestsPerTenant"] = "2",
            ["Limits:MaxQueuedRequestsPerTenant"] = "4",
        });
        var noisy = await host.CreateTenantAsync();
        var quiet = await host.CreateTenantAsync();
        var emails = new JsonArray([.. Enumerable.Range(0, 8000).Select(i => (JsonNode)new JsonObject { ["value"] = $"e{i}@contoso.test" })]);
        var heavy = (await noisy.CreateUserAsync("heavy@contoso.test", new JsonObject { ["emails"] = emails }))["id"]!.GetValue<string>();
        var light = (await quiet.CreateUserAsync("light@contoso.test"))["id"]!.GetValue<string>();
        // About 1M budget steps: half the per-request budget, so each is accepted and costs real CPU.
        var patch = "{\"Operations\":[" + string.Join(',', Enumerable.Repeat("{\"op\":\"remove\",\"path\":\"emails[value co \\\"zzz\\\"]\"}", 60)) + "]}";

        var baseline = await MedianReadAsync(quiet, light, 15);
        using var flooding = new CancellationTokenSource();
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        var flood = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!flooding.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Patch, noisy.Path($"Users/{heavy}")) { Content = new StringContent(patch, Encoding.UTF8, "application/scim+json") };
                using var response = await noisy.Http.SendAsync(request);
                statuses.Add(response.StatusCode);
                if (response.StatusCode == HttpStatusCode.TooManyRequests) Assert.NotNull(response.Headers.RetryAfter);
            }
        })).ToList();
        await Task.Delay(1000);
        var loaded = await MedianReadAsync(quiet, light, 15);
        await flooding.CancelAsync();
        await Task.WhenAll(flood);

        output.WriteLine($"quiet tenant median read: {baseline.TotalMilliseconds:0} ms alone, {loaded.TotalMilliseconds:0} ms during the flood; " +
            $"flood: {statuses.Count(s => s == HttpStatusCode.OK)} × 200, {statuses.Count(s => s == HttpStatusCode.TooManyRequests)} × 429");
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.True(loaded <= baseline * 10 + TimeSpan.FromMilliseconds(500), $"median {loaded.TotalMilliseconds:0} ms against {baseline.TotalMilliseconds:0} ms alone");
    }

    static async Task<TimeSpan> MedianReadAsync(TenantClient client, string id, int count)
    {
        var times = new List<TimeSpan>();
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync($"Users/{id}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            times.Add(Stopwatch.GetElapsedTime(started));
        }
        return times.Order().ElementAt(count / 2);
    }
}
