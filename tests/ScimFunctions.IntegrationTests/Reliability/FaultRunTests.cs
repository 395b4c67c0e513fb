using System.Diagnostics;

namespace ScimFunctions.IntegrationTests.Reliability;

/// <summary>
/// The Entra-like cycle twice over one Azurite and one set of tables: once through a host without
/// faults, once through a host whose storage pipeline fails 20% of the attempts (503s, timeouts, and
/// responses lost after the write was applied). Every response of the faulty run is correct or a 503
/// with Retry-After that the client retries; the two tenants end in the same state, read through the
/// SCIM API; the consistency checker finds nothing in either.
///
/// Size: a few hundred requests by default. A longer run:
/// <c>SCIM_FAULT_RUN_REQUESTS=5000 dotnet test tests/ScimFunctions.IntegrationTests --filter FullyQualifiedName~FaultRun</c>
/// (also <c>SCIM_FAULT_RUN_RATE</c>, default 0.2, and <c>SCIM_FAULT_RUN_SEED</c>).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FaultRunTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task FaultRun_ends_in_the_fault_free_state_with_only_correct_answers_or_503s()
    {
        var requests = Env("SCIM_FAULT_RUN_REQUESTS", 250);
        var rate = double.Parse(Environment.GetEnvironmentVariable("SCIM_FAULT_RUN_RATE") ?? "0.2", CultureInfo.InvariantCulture);
        var seed = Env("SCIM_FAULT_RUN_SEED", 8);
        var size = CycleSize.ForRequests(requests);

        await using var hosts = await CleanAndFaultyHosts.StartAsync(azurite, rate, seed);
        var (clean, faulty) = (hosts.Clean, hosts.Faulty);
        // Brake off: past its threshold (the longer runs) it would hold deprovisionings, and count each retried request
        // again, so the faulty run would hold more than the clean one.
        var reference = await clean.CycleTenantAsync();
        var tenant = await clean.CycleTenantAsync();

        var watch = Stopwatch.StartNew();
        var referenceClient = new RetryingClient(reference);
        await new EntraCycle(referenceClient, size).RunAsync();
        var cleanTime = watch.Elapsed;
        Assert.Equal(0, referenceClient.Unavailable);

        watch.Restart();
        var client = new RetryingClient(faulty.ClientFor(tenant));
        var cycle = new EntraCycle(client, size);
        await cycle.RunAsync();
        var faultyTime = watch.Elapsed;
        var injector = faulty.Faults;

        // Read both end states through the clean host, so the comparison itself sees no faults.
        var expected = await ScimState.ReadAsync(referenceClient);
        var actual = await ScimState.ReadAsync(new RetryingClient(clean.ClientFor(tenant)));
        var checker = new ConsistencyChecker(clean.Services.GetRequiredService<ScimTables>().Resources);
        var referenceReport = await checker.CheckAsync(reference.Tenant, CancellationToken.None);
        var report = await checker.CheckAsync(tenant.Tenant, CancellationToken.None);

        output.WriteLine($"Cycle: {size.Users} users, {size.Groups} groups, parallelism {size.Parallelism}; fault rate {rate}, seed {seed}.");
        output.WriteLine($"Fault-free run: {referenceClient.Requests} requests in {cleanTime.TotalSeconds:0.0} s.");
        output.WriteLine($"Faulty run: {client.Requests} requests in {faultyTime.TotalSeconds:0.0} s; {client.Unavailable} answered 503 and were retried; " +
            $"{cycle.LostCreates} creates answered 409 after a lost response and were found by the follow-up query.");
        output.WriteLine($"Faults injected: {injector.InjectedTotal} ({injector.Injected(StorageFault.Error503)} 503s, {injector.Injected(StorageFault.Timeout)} timeouts, " +
            $"{injector.Injected(StorageFault.DroppedResponse)} dropped responses).");
        output.WriteLine($"Final state: {actual.Users} users, {actual.Groups} groups; equal to the fault-free run: {expected.Text == actual.Text}; " +
            $"consistency findings: {report.Findings.Count} (fault-free tenant: {referenceReport.Findings.Count}), {report.RowsScanned} rows checked.");

        Assert.True(injector.Injected(StorageFault.DroppedResponse) > 0, "the run injected no dropped responses");
        Assert.Equal(expected.Text, actual.Text);
        Assert.Empty(referenceReport.Findings);
        Assert.Empty(report.Findings);
    }

    static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
