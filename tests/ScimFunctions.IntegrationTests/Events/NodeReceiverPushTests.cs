using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScimFunctions.Events;
using ScimFunctions.LocalHost;

namespace ScimFunctions.IntegrationTests.Events;

/// <summary>
/// SETs signed here, pushed (RFC 8935) to the Node sample receiver running in node, which verifies them with
/// jose against the JWKS this test serves from the key ring: the cross-language check that an ordinary JOSE
/// library accepts what the service signs. Plus the transmitter's reading of failures (down, slow, refused).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class NodeReceiverPushTests(AzuriteFixture azurite) : IAsyncLifetime
{
    const string Issuer = "https://scim.example.com/scim/v2/contoso", Audience = "receiver-1", Secret = "transmitter-secret-1";
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    readonly ConcurrentQueue<string> _handled = new();
    readonly SetPushClient _push = TestReceivers.PushClient();
    WebApplication _keys = null!;
    SigningKeyRing _ring = null!;
    Process _node = null!;
    Uri _receiver = null!;

    public async Task InitializeAsync()
    {
        _ring = await SetVerification.KeyRingAsync(azurite, "nodekeys" + Guid.NewGuid().ToString("N")[..8]);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _keys = builder.Build();
        _keys.MapGet("/jwks", async (CancellationToken ct) => Results.Text((await _ring.GetJwksAsync(ct)).ToJsonString(), "application/jwk-set+json"));
        _keys.MapPost("/slow", async (CancellationToken ct) => { await Task.Delay(TimeSpan.FromSeconds(30), ct); return Results.Accepted(); });
        await _keys.StartAsync();

        var root = RepositoryRoot.Find();
        var sample = Path.Combine(root, "samples", "node-receiver");
        Assert.True(File.Exists(Path.Combine(sample, "node_modules", "jose", "package.json")), "run `npm ci` in samples/node-receiver (.ci/run does)");
        var port = Azurite.FreePort();
        _receiver = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("node", "receiver.mjs") { WorkingDirectory = sample, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["JWKS_URL"] = KeysAddress + "jwks";
        start.Environment["ISSUER"] = Issuer;
        start.Environment["AUDIENCE"] = Audience;
        start.Environment["RECEIVER_SECRET"] = Secret;
        start.Environment["SEEN_FILE"] = Path.Combine(Path.GetTempPath(), "seen-" + Guid.NewGuid().ToString("N"));
        var listening = new TaskCompletionSource();
        _node = Process.Start(start)!;
        _node.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            if (e.Data.StartsWith("Receiving SETs", StringComparison.Ordinal)) listening.TrySetResult();
            else _handled.Enqueue(e.Data);
        };
        _node.ErrorDataReceived += (_, _) => { };
        _node.BeginOutputReadLine();
        _node.BeginErrorReadLine();
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    string KeysAddress => _keys.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/";

    public async Task DisposeAsync()
    {
        if (!_node.HasExited) _node.Kill();
        await _node.WaitForExitAsync();
        _node.Dispose();
        await _keys.DisposeAsync();
    }

    static SecurityEvent Disabled(string id, string audience = Audience) => Assert.Single(SecurityEventMapper.Map(JsonNode.Parse($$"""
        {"v":1,"id":"{{id}}","type":"user.disabled","time":"2025-01-14T09:30:02Z","tenant":"contoso","userId":"user-{{id}}","version":3,"changed":["active"],"requestId":"r1"}
        """)!.AsObject(), Issuer, audience));

    async Task<PushResult> PushAsync(SecurityEvent set, string? bearer = Secret) =>
        await _push.PushAsync(_receiver, bearer, await new SecurityEventSigner(_ring).SignAsync(set, CancellationToken.None), Timeout, CancellationToken.None);

    [Fact]
    public async Task The_node_receiver_verifies_with_jose_acknowledges_and_handles_a_redelivered_jti_once()
    {
        Assert.Equal(new PushResult(PushOutcome.Delivered), await PushAsync(Disabled("e1")));
        Assert.Equal(new PushResult(PushOutcome.Delivered), await PushAsync(Disabled("e1")));
        Assert.Equal(new PushResult(PushOutcome.Delivered), await PushAsync(Disabled("e2")));
        // One line per event URI of each handled SET (patch:notice, deactivate): e1 once, then e2. Output keeps
        // its order, so a second handling of e1 would show before e2's lines.
        await WaitForAsync(() => _handled.Count(l => l.Contains("/Users/user-e2", StringComparison.Ordinal)) == 2);
        Assert.Equal(["patch:notice /Users/user-e1", "deactivate /Users/user-e1", "patch:notice /Users/user-e2", "deactivate /Users/user-e2"],
            _handled.Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..3])));
    }

    [Fact]
    public async Task A_refused_SET_is_rejected_with_the_receivers_RFC_8935_error()
    {
        var result = await PushAsync(Disabled("e1", audience: "someone-else"));
        Assert.Equal(PushOutcome.Rejected, result.Outcome);
        Assert.StartsWith("HTTP 400 invalid_audience", result.Error, StringComparison.Ordinal);
        Assert.Empty(_handled);
    }

    [Fact]
    public async Task Wrong_credentials_a_down_receiver_and_a_slow_one_are_retried_later()
    {
        Assert.Equal(new PushResult(PushOutcome.Retry, "HTTP 401"), await PushAsync(Disabled("e1"), bearer: "wrong"));

        var slow = await _push.PushAsync(new Uri(KeysAddress + "slow"), null, "a.b.c", TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.Equal(new PushResult(PushOutcome.Retry, "no acknowledgement within 0.3 s"), slow);

        _node.Kill();
        await _node.WaitForExitAsync();
        var down = await PushAsync(Disabled("e2"));
        Assert.Equal((PushOutcome.Retry, nameof(HttpRequestError.ConnectionError)), (down.Outcome, down.Error));
        Assert.Empty(_handled);
    }

    static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(100);
    }
}
