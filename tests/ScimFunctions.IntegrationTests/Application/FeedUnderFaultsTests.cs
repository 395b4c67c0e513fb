using ScimFunctions.Directory;
using ScimFunctions.IntegrationTests.Reliability;

namespace ScimFunctions.IntegrationTests.Application;

/// <summary>
/// The Entra-like cycle of the reliability tests, once without faults and once with 30% of storage attempts
/// failing (503s, timeouts, responses lost after the write was applied) and the client retrying. The two
/// feeds must describe the same changes: an event lost to a fault, or written twice by a retry, shows up as
/// a difference. Each feed must also be well formed on its own: unique ids, each resource created once,
/// its versions strictly increasing in feed order.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FeedUnderFaultsTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task Faults_and_client_retries_lose_and_duplicate_no_event()
    {
        var size = CycleSize.ForRequests(200);
        await using var hosts = await CleanAndFaultyHosts.StartAsync(azurite, rate: 0.3, seed: 19);
        var (clean, faulty) = (hosts.Clean, hosts.Faulty);
        var reference = await clean.CreateTenantAsync();
        var tenant = await clean.CreateTenantAsync();

        await new EntraCycle(new RetryingClient(reference), size).RunAsync();
        var client = new RetryingClient(faulty.ClientFor(tenant));
        await new EntraCycle(client, size).RunAsync();
        var injector = faulty.Faults;

        var expected = await clean.EventsAsync(reference.Tenant);
        var actual = await clean.EventsAsync(tenant.Tenant);
        output.WriteLine($"{expected.Count} events without faults, {actual.Count} with {injector.InjectedTotal} faults " +
            $"({injector.Injected(StorageFault.DroppedResponse)} dropped responses) and {client.Unavailable} client retries.");

        Assert.True(injector.Injected(StorageFault.DroppedResponse) > 0, "the run injected no dropped responses");
        WellFormed(expected);
        WellFormed(actual);
        Assert.Equal(Canonical(expected), Canonical(actual));
    }

    static void WellFormed(List<ChangeEvent> events)
    {
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        foreach (var resource in events.Where(e => e.Version is not null).GroupBy(e => e.UserId ?? e.GroupId))
        {
            Assert.Single(resource, e => e.Type is FeedEventTypes.UserCreated or FeedEventTypes.GroupCreated);
            var versions = resource.Select(e => e.Version!.Value).ToList();
            Assert.True(versions.Zip(versions.Skip(1)).All(p => p.First < p.Second), $"versions of {resource.Key}: {string.Join(",", versions)}");
        }
    }

    /// <summary>The changes, with ids replaced by names and membership events flattened to pairs (their batching
    /// into transactions may legitimately differ), as a sorted list: parallel work makes the order differ.</summary>
    static List<string> Canonical(List<ChangeEvent> events)
    {
        var names = events.Where(e => e.Type is FeedEventTypes.UserCreated or FeedEventTypes.GroupCreated)
            .ToDictionary(e => (e.UserId ?? e.GroupId)!, e => (e.UserName ?? e.DisplayName)!);
        string N(string id) => names.GetValueOrDefault(id, "?");
        var lines = new List<string>();
        foreach (var e in events)
        {
            if (e.Members.Count > 0)
                lines.AddRange(e.Members.Select(m => $"{e.Type} {N(m.GroupId)}/{N(m.UserId)}"));
            else
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{e.Type} {N((e.UserId ?? e.GroupId)!)} v{e.Version} [{string.Join(",", e.Changed)}]{(e.SoftDeleted ? " soft" : "")}"));
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
