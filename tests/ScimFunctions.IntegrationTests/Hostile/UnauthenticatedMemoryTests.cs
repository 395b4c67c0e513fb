using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Storage.Tokens;
using Xunit.Abstractions;

namespace ScimFunctions.IntegrationTests.Hostile;

/// <summary>
/// Requests with a random tenant name and a wrong token, the way issue #21 measured them (180,000 grew the
/// process from 110 to 226 MB after GC): nothing is kept per name, so the managed heap after a full GC stays
/// where it was, and past the per-address failure limit the answers are 429 without a storage read.
///
/// Size: 3,000 requests by default. The run, loopback only:
/// <c>SCIM_MEMORY_RUN_REQUESTS=180000 dotnet test tests/ScimFunctions.IntegrationTests --filter FullyQualifiedName~UnauthenticatedMemory --logger "console;verbosity=detailed"</c>
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class UnauthenticatedMemoryTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task Random_tenant_names_do_not_grow_memory()
    {
        var requests = int.TryParse(Environment.GetEnvironmentVariable("SCIM_MEMORY_RUN_REQUESTS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 3000;
        await using var host = await ScimHost.StartAsync(azurite);
        var client = await host.CreateTenantAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Users")).StatusCode);
        var tokens = host.Services.GetRequiredService<TokenService>();
        using var http = new HttpClient { BaseAddress = host.Origin };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenService.Prefix + "wrong");

        var heapBefore = Heap();
        var processBefore = ProcessMemory();
        var started = Stopwatch.GetTimestamp();
        var counts = new int[600];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < requests)
            {
                using var response = await http.GetAsync($"/scim/v2/r{Guid.NewGuid():N}/Users");
                Interlocked.Increment(ref counts[(int)response.StatusCode]);
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var heapAfter = Heap();
        var processAfter = ProcessMemory();

        output.WriteLine($"{requests} random-tenant requests in {elapsed.TotalSeconds:0} s: {counts[401]} × 401, {counts[429]} × 429; " +
            $"managed heap after GC {heapBefore / 1e6:0.0} → {heapAfter / 1e6:0.0} MB; process working set {processBefore / 1e6:0} → {processAfter / 1e6:0} MB; " +
            $"tenants cached {tokens.CachedTenantCount}");
        Assert.Equal(requests, counts[401] + counts[429]);
        Assert.Equal(new TokenOptions().MaxFailuresPerAddress, counts[401]);
        Assert.Equal(1, tokens.CachedTenantCount);
        // A few MB of slack for the runtime's own caches and the rate limiter's idle partitions (dropped within a minute).
        Assert.True(heapAfter - heapBefore < 16_000_000, $"heap grew {(heapAfter - heapBefore) / 1e6:0.0} MB");
    }

    static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    static long ProcessMemory()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
