using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ScimFunctions.IntegrationTests.Reliability;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.IntegrationTests.Secrets;

/// <summary>
/// Every log line of a full provisioning sequence, at Trace for every category, including warnings with
/// exceptions (storage faults), rejected bodies and failed authentication: no token, no token hash and
/// nothing from a request body appears in a message, a structured value or an exception's text.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SecretsInLogsTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task No_token_hash_or_body_content_in_any_log_output()
    {
        var logs = new CapturingLoggerProvider();
        await using var host = await ScimHost.StartAsync(azurite, CapturingLoggerProvider.HostSettings(LogLevel.Trace, "Microsoft", "Microsoft.AspNetCore", "Azure"),
            logs, faults: new StorageFaultOptions { Rate = 0 });
        var client = await host.CreateTenantAsync();
        var faults = host.Faults;
        var marker = "BODYMARKER" + Guid.NewGuid().ToString("N");
        var forged = TokenService.Prefix + "forged" + Guid.NewGuid().ToString("N");

        // Users: create with body content everywhere a value can go, read, patch, replace, reject.
        var user = await client.CreateUserAsync($"{marker}-user@contoso.test", new JsonObject
        {
            ["displayName"] = marker, ["externalId"] = marker + "-ext", ["password"] = marker + "-password",
            ["name"] = new JsonObject { ["givenName"] = marker },
            ["emails"] = new JsonArray(new JsonObject { ["value"] = marker + "@contoso.test", ["type"] = "work" }),
        });
        var id = user.Id();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"Users/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsync($"Users/{id}", Patch(Op("replace", "title", marker + "-title")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"Users/{id}", new JsonObject { ["userName"] = $"{marker}-user@contoso.test", ["nickName"] = marker })).StatusCode);
        await client.PostAsync("Users", new JsonObject { ["userName"] = $"{marker}-user@contoso.test" }).AssertScimErrorAsync(409);
        await client.PatchAsync($"Users/{id}", Patch(Op("replace", marker, "x"))).AssertScimErrorAsync(400);
        await client.PatchAsync($"Users/{id}", Patch(Op("replace", "active", marker))).AssertScimErrorAsync(400);
        var broken = new StringContent("{\"userName\": \"" + marker + "\", " + marker, Encoding.UTF8, "application/scim+json");
        await client.Http.PostAsync(client.Path("Users"), broken).AssertScimErrorAsync(400);
        var huge = new JsonObject { ["userName"] = marker, ["displayName"] = new string('m', 1_100_000) + marker };
        await client.PostAsync("Users", huge).AssertScimErrorAsync(413);

        // Storage trouble: warnings with exceptions, while a body is being written.
        faults.Schedule(StorageFault.DroppedResponse, 4, StorageFaultInjector.IsTransaction);
        await client.PatchAsync($"Users/{id}", Patch(Op("replace", "title", marker + "-retried"))).AssertScimErrorAsync(503);
        faults.Schedule(StorageFault.Error503, 4, StorageFaultInjector.IsTransaction);
        await client.PostAsync("Users", new JsonObject { ["userName"] = marker + "-503" }).AssertScimErrorAsync(503);
        faults.Schedule(StorageFault.Timeout, 4);
        await client.GetAsync($"Users/{id}").AssertScimErrorAsync(503);

        // Groups: create, members (one unknown id), rename, stream, delete.
        var group = await client.PostJsonAsync("Groups", new JsonObject { ["displayName"] = marker + "-group" });
        var groupId = group.Id();
        var unknown = Guid.CreateVersion7().ToString("D");
        var members = await client.PatchAsync($"Groups/{groupId}", Patch(Op("add", "members", new JsonArray(new JsonObject { ["value"] = id }, new JsonObject { ["value"] = unknown }))));
        Assert.Equal(HttpStatusCode.NoContent, members.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PatchAsync($"Groups/{groupId}", Patch(Op("replace", "displayName", marker + "-renamed")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"Groups/{groupId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"Groups/{groupId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"Users/{id}")).StatusCode);

        // Authentication failures: a forged token, a malformed header.
        using var intruder = new HttpClient { BaseAddress = host.Origin };
        intruder.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + forged);
        await intruder.GetAsync(client.Path("Users")).AssertScimErrorAsync(401);
        var bodyWithForged = new StringContent("{\"userName\":\"" + forged + "\"}", Encoding.UTF8, "application/scim+json");
        await intruder.PostAsync(client.Path("Users"), bodyWithForged).AssertScimErrorAsync(401);

        var entries = logs.Entries.ToList();
        output.WriteLine($"{entries.Count} log entries captured ({entries.Count(e => e.Level >= LogLevel.Warning)} warnings or worse, " +
            $"{entries.Count(e => e.Text.Contains("Exception", StringComparison.Ordinal))} with exceptions), {entries.Select(e => e.Category).Distinct().Count()} categories.");
        Assert.Contains(entries, e => e.Category == "ScimFunctions.Http.ScimPipeline" && e.Level == LogLevel.Information);
        Assert.Contains(entries, e => e.Level == LogLevel.Warning && e.Text.Contains("injected fault", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Level == LogLevel.Warning && e.Text.Contains("member ids not applied", StringComparison.Ordinal));

        var hash = TokenService.Hash(client.Token);
        foreach (var secret in new[] { client.Token, hash, hash.ToLowerInvariant(), forged, marker, marker.ToUpperInvariant() })
        {
            var leak = entries.FirstOrDefault(e => e.Text.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak is null, $"'{secret[..12]}…' appears in a {leak?.Level} log of {leak?.Category}: {leak?.Text}");
        }
    }

}

/// <summary>Keeps every log entry: the formatted message, each structured value, and the exception's full text.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    /// <param name="State">The structured values (message template parameters), by name.</param>
    public sealed record Entry(string Category, LogLevel Level, string Text, IReadOnlyDictionary<string, object?> State);

    readonly ConcurrentQueue<Entry> _entries = new();

    public IEnumerable<Entry> Entries => _entries;

    /// <summary>Host settings that log the default and the named categories at <paramref name="level"/> and up,
    /// to this provider only (not the console).</summary>
    public static Dictionary<string, string?> HostSettings(LogLevel level, params string[] categories)
    {
        var settings = new Dictionary<string, string?> { ["Logging:Console:LogLevel:Default"] = "None" };
        foreach (var category in categories.Prepend("Default")) settings[$"Logging:LogLevel:{category}"] = level.ToString();
        return settings;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    sealed class Logger(string category, ConcurrentQueue<Entry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = new StringBuilder(formatter(state, exception));
            var values = new Dictionary<string, object?>();
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    values[key] = value;
                    text.Append(" | ").Append(key).Append('=').Append(value);
                }
            }
            if (exception is not null) text.Append(" | ").Append(exception);
            entries.Enqueue(new Entry(category, logLevel, text.ToString(), values));
        }
    }
}
