using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using ScimFunctions.LocalHost;
using ScimFunctions.Admin;
using ScimFunctions.Events;
using SetReceiver;

namespace ScimFunctions.IntegrationTests.Events;

/// <summary>The .NET sample receiver (samples/SetReceiver) as an application runs it: subscribed with the CLI, fed by
/// the local host's own delivery, verifying with Microsoft.IdentityModel against the host's JWKS URL, acknowledging
/// with 202 and handling a redelivered jti once.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DotNetReceiverPushTests(AzuriteFixture azurite) : IAsyncLifetime
{
    readonly string _prefix = "evn" + Guid.NewGuid().ToString("N")[..8];
    readonly string _seenFile = Path.Combine(Path.GetTempPath(), "seen-" + Guid.NewGuid().ToString("N"));
    readonly ConcurrentQueue<JsonObject> _handled = new();
    ScimHost _host = null!;
    WebApplication? _receiver;

    public async Task InitializeAsync() => _host = await ScimHost.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["Storage:TablePrefix"] = _prefix,
        ["Events:Deliver"] = "true",
        ["Events:SettleSeconds"] = "0",
        ["Events:SweepSeconds"] = "0.2",
        ["Events:KeyCacheSeconds"] = "0",
    });

    public async Task DisposeAsync()
    {
        if (_receiver is not null) await _receiver.DisposeAsync();
        await _host.DisposeAsync();
        File.Delete(_seenFile);
    }

    [Fact]
    public async Task The_sample_receives_verifies_acknowledges_and_handles_each_jti_once()
    {
        var tenant = await _host.CreateTenantAsync();
        var port = Azurite.FreePort();
        var url = $"http://127.0.0.1:{port}/";
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AdminCli.RunAsync(["events", "subscribe", tenant.Tenant.Value, "--url", url, "--audience", "https://app.example.test", "--allow-private-receivers", "--json",
            "--connection-string", azurite.ConnectionString, "--table-prefix", _prefix, "--base-url", _host.Origin.ToString()], output, error);
        Assert.True(exit == 0, $"exit {exit}: {error}");
        var subscribed = JsonNode.Parse(output.ToString())!;
        var options = new ReceiverOptions(new Uri(subscribed["jwksUrl"]!.GetValue<string>()), subscribed["issuer"]!.GetValue<string>(), "https://app.example.test",
            port, subscribed["bearer"]!.GetValue<string>(), _seenFile);
        _receiver = SetReceiverApp.Build(options, _handled.Enqueue);
        await _receiver.StartAsync();

        var alice = await tenant.CreateUserAsync("alice@contoso.test");
        Assert.Equal(HttpStatusCode.OK, (await tenant.PatchAsync($"Users/{alice.Id()}", Patch(Op("replace", "active", false)))).StatusCode);
        for (var i = 0; i < 600 && _handled.Count < 2; i++) await Task.Delay(100);

        Assert.Equal(["create:notice", "patch:notice, deactivate"], _handled.Select(c => string.Join(", ", c["events"]!.AsObject()
            .Select(e => e.Key.Replace("urn:ietf:params:scim:event:prov:", "", StringComparison.Ordinal)))));
        Assert.All(_handled, c => Assert.Equal("/Users/" + alice.Id(), c["sub_id"]!["uri"]!.GetValue<string>()));

        // A redelivery (the acknowledgement lost) carries the same jti: acknowledged again, not handled again.
        var first = _handled.First();
        var redelivered = Assert.Single(SecurityEventMapper.Map(JsonNode.Parse($$"""
            {"v":1,"id":"{{first["jti"]}}","type":"user.created","time":"2025-01-14T09:30:02Z","tenant":"{{tenant.Tenant}}","userId":"{{alice.Id()}}","version":1}
            """)!.AsObject(), options.Issuer, options.Audience));
        var signed = await _host.Services.GetRequiredService<SecurityEventSigner>().SignAsync(redelivered, CancellationToken.None);
        var push = TestReceivers.PushClient();
        Assert.Equal(new PushResult(PushOutcome.Delivered), await push.PushAsync(new Uri(url), options.Bearer, signed, TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.Equal(2, _handled.Count);
        Assert.Equal(2, File.ReadAllLines(_seenFile).Length);

        // What it refuses: the wrong audience (RFC 8935 error code) and the wrong bearer secret.
        var elsewhere = Assert.Single(SecurityEventMapper.Map(JsonNode.Parse($$"""
            {"v":1,"id":"other","type":"user.created","time":"2025-01-14T09:30:02Z","tenant":"{{tenant.Tenant}}","userId":"{{alice.Id()}}","version":1}
            """)!.AsObject(), options.Issuer, "https://someone-else.test"));
        var refused = await push.PushAsync(new Uri(url), options.Bearer,
            await _host.Services.GetRequiredService<SecurityEventSigner>().SignAsync(elsewhere, CancellationToken.None), TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Equal(PushOutcome.Rejected, refused.Outcome);
        Assert.StartsWith("HTTP 400 invalid_audience", refused.Error, StringComparison.Ordinal);
        Assert.Equal(new PushResult(PushOutcome.Retry, "HTTP 401"), await push.PushAsync(new Uri(url), "wrong", signed, TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.Equal(2, _handled.Count);
    }
}
