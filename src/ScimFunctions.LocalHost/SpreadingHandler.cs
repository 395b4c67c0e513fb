namespace ScimFunctions.LocalHost;

/// <summary>Sends each request to the next of several instances in turn, as the load balancer in front of a scaled-out
/// Functions app does: one client's traffic spread over hosts that share the storage (the load driver's <c>--hosts</c>
/// and <c>--also-url</c>, the many-instances tests).</summary>
public sealed class SpreadingHandler(IReadOnlyList<Uri> origins, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    int _next = -1;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var origin = origins[(int)((uint)Interlocked.Increment(ref _next) % origins.Count)];
        request.RequestUri = new UriBuilder(request.RequestUri!) { Scheme = origin.Scheme, Host = origin.Host, Port = origin.Port }.Uri;
        return base.SendAsync(request, ct);
    }
}
