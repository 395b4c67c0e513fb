using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScimFunctions.Events;

namespace ScimFunctions.IntegrationTests.Events;

/// <summary>How a test receiver answers a push.</summary>
public enum ReceiverMode { Acknowledge, Fail500, AcknowledgeTooLate, Drop, Gate, Redirect }

/// <summary>RFC 8935 receivers on one Kestrel at 127.0.0.1: <c>POST /{name}</c>. Each keeps the SETs it
/// handled, in order, and notes when two pushes to it overlapped (a receiver must be served by one
/// instance at a time). <see cref="Connections"/> counts the TCP connections Kestrel accepted, whatever came of them.</summary>
public sealed class TestReceivers : IAsyncDisposable
{
    WebApplication _app = null!;
    readonly ConcurrentDictionary<string, Receiver> _receivers = new();
    int _connections;

    public int Connections => Volatile.Read(ref _connections);

    public sealed class Receiver
    {
        int _inFlight;
        public ReceiverMode Mode { get; set; }
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ConcurrentQueue<string> Received { get; } = new();
        public int Attempts;
        public bool Overlapped { get; private set; }
        public ConcurrentQueue<string?> Authorization { get; } = new();
        /// <summary>Where <see cref="ReceiverMode.Redirect"/> sends the push (307, so a client that follows posts again).</summary>
        public Uri? RedirectTo { get; set; }

        internal IDisposable Enter()
        {
            if (Interlocked.Increment(ref _inFlight) > 1) Overlapped = true;
            return new Exit(this);
        }

        sealed class Exit(Receiver r) : IDisposable
        {
            public void Dispose() => Interlocked.Decrement(ref r._inFlight);
        }
    }

    /// <summary>The push client as the service builds it (<see cref="SetPushClient.Create"/>), with receivers on private
    /// addresses allowed as in the tests' hosts, since these listen on 127.0.0.1.</summary>
    public static SetPushClient PushClient() => SetPushClient.Create(new ReceiverAddressPolicy(allowPrivate: true));

    public static async Task<TestReceivers> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var receivers = new TestReceivers();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => connection =>
        {
            Interlocked.Increment(ref receivers._connections);
            return next(connection);
        })));
        var app = receivers._app = builder.Build();
        app.MapPost("/{name}", receivers.ReceiveAsync);
        await app.StartAsync();
        return receivers;
    }

    public Uri Url(string name)
    {
        _receivers.GetOrAdd(name, _ => new Receiver());
        return new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/" + name);
    }

    public Receiver this[string name] => _receivers.GetOrAdd(name, _ => new Receiver());

    async Task<IResult> ReceiveAsync(string name, HttpContext context)
    {
        var r = this[name];
        using var _ = r.Enter();
        Interlocked.Increment(ref r.Attempts);
        r.Authorization.Enqueue(context.Request.Headers.Authorization);
        using var reader = new StreamReader(context.Request.Body);
        var token = await reader.ReadToEndAsync(context.RequestAborted);
        switch (r.Mode)
        {
            case ReceiverMode.Fail500:
                return Results.StatusCode(500);
            case ReceiverMode.AcknowledgeTooLate:
                // Handled, but the answer comes after the transmitter gave up: it sends the SET again.
                r.Received.Enqueue(token);
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
                break;
            case ReceiverMode.Drop:
                context.Abort();
                return Results.Empty;
            case ReceiverMode.Redirect:
                return Results.Redirect(r.RedirectTo!.ToString(), permanent: false, preserveMethod: true);
            case ReceiverMode.Gate:
                await r.Gate.Task.WaitAsync(context.RequestAborted);
                break;
        }
        r.Received.Enqueue(token);
        return Results.StatusCode(202);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var r in _receivers.Values) r.Gate.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
