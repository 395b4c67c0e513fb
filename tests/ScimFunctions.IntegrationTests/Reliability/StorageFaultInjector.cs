using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ScimFunctions.IntegrationTests.Reliability;

/// <summary>Fault injection between the app and storage: for the reliability tests only, which hand it to the
/// host (<see cref="ScimHost.StartAsync"/>) as a <see cref="ScimFunctions.Storage.StoragePipelinePolicy"/>.</summary>
public sealed record StorageFaultOptions
{
    /// <summary>Share of storage attempts that fail, 0..1.</summary>
    public double Rate { get; init; }

    /// <summary>Seed of the fault sequence, so a run can be repeated.</summary>
    public int Seed { get; init; }
}

public enum StorageFault
{
    Error503,
    Timeout,
    DroppedResponse,

    /// <summary>Storage that never answers: the call waits until its caller gives up (scheduled only, never random).</summary>
    Hang,
}

/// <summary>
/// An Azure SDK pipeline policy that makes a configured share of storage attempts fail the way the
/// network and the service do: a 503 before anything is sent, a timeout (thrown as the transport
/// throws it, without waiting), or a dropped response: the request reaches storage and is executed,
/// then the response is lost. The last kind is what makes writes non-idempotent under the SDK's own
/// retries and the client's, which is what the reliability tests are after.
/// It sits per retry, like a real network fault: the SDK's retry policy sees and retries every fault.
/// </summary>
public sealed class StorageFaultInjector(StorageFaultOptions options) : HttpPipelinePolicy
{
    readonly Random _random = new(options.Seed);
    readonly long[] _injected = new long[4];
    readonly Queue<(StorageFault Kind, Func<Request, bool> When)> _scheduled = new();

    public StorageFaultOptions Options => options;

    /// <summary>Faults injected so far, by kind.</summary>
    public long Injected(StorageFault kind) => Interlocked.Read(ref _injected[(int)kind]);

    public long InjectedTotal => _injected.Sum(n => n);

    /// <summary>Makes the next <paramref name="times"/> storage attempts that match <paramref name="when"/> fail
    /// with <paramref name="kind"/>, ahead of the random faults: deterministic tests of one failure.</summary>
    public void Schedule(StorageFault kind, int times = 1, Func<Request, bool>? when = null)
    {
        lock (_random)
        {
            for (var i = 0; i < times; i++) _scheduled.Enqueue((kind, when ?? (_ => true)));
        }
    }

    /// <summary>An entity-group transaction (the writes of the stores), for <see cref="Schedule"/>.</summary>
    public static bool IsTransaction(Request request) => request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal);

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        switch (Next(message.Request))
        {
            case null:
                await ProcessNextAsync(message, pipeline);
                return;
            case StorageFault.Error503:
                message.Response = new ServiceUnavailableResponse(message.Request.ClientRequestId);
                return;
            case StorageFault.Timeout:
                throw TimedOut();
            case StorageFault.DroppedResponse:
                await ProcessNextAsync(message, pipeline);
                throw Dropped(message);
            case StorageFault.Hang:
                await Task.Delay(Timeout.Infinite, message.CancellationToken);
                return;
        }
    }

    // The stores call the SDK asynchronously; a synchronous call shares the async path's faults.
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    StorageFault? Next(Request request)
    {
        StorageFault kind;
        lock (_random)
        {
            if (_scheduled.TryPeek(out var scheduled) && scheduled.When(request))
                kind = _scheduled.Dequeue().Kind;
            else if (options.Rate > 0 && _random.NextDouble() < options.Rate)
                kind = (StorageFault)_random.Next(3);
            else
                return null;
        }
        Interlocked.Increment(ref _injected[(int)kind]);
        return kind;
    }

    /// <summary>What Azure.Core's network timeout throws: a TaskCanceledException the retry policy
    /// treats as retriable because the caller's token was not cancelled.</summary>
    static TaskCanceledException TimedOut() =>
        new("The operation was cancelled because it exceeded the configured network timeout (injected fault).",
            new TimeoutException("Injected storage timeout."));

    /// <summary>What the HTTP transport throws when the connection drops before the response is read:
    /// a RequestFailedException with status 0 wrapping the HttpRequestException. Only the method is named,
    /// never the URI or the content (they hold row keys and documents).</summary>
    static RequestFailedException Dropped(HttpMessage message)
    {
        message.Response.Dispose();
        return new RequestFailedException($"The response to {message.Request.Method} was lost (injected fault).",
            new HttpRequestException("The response ended prematurely.", new IOException("Injected connection reset.")));
    }

    /// <summary>A 503 the service never sent: retriable for the SDK, and an error for the clients.</summary>
    sealed class ServiceUnavailableResponse(string clientRequestId) : Response
    {
        public override int Status => 503;
        public override string ReasonPhrase => "Service Unavailable (injected fault)";
        public override Stream? ContentStream { get; set; } = new MemoryStream([]);
        public override string ClientRequestId { get; set; } = clientRequestId;
        public override bool IsError => true;
        public override void Dispose() => ContentStream?.Dispose();
        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value) => (value = null) is not null;
        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values) => (values = null) is not null;
        protected override bool ContainsHeader(string name) => false;
        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [];
    }
}
