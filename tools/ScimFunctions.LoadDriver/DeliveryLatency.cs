using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace ScimFunctions.LoadDriver;

/// <summary>
/// Delivery latency of pushed SETs: a receiver on 127.0.0.1 subscribed to the load tenant acknowledges every SET
/// and notes when the create notice of each user and group arrived; the latency is that instant minus the instant
/// the driver had the SCIM response of the POST that created it (<see cref="Recorder.CreatedAt"/>). Creates are
/// matched exactly by resource id (one create per resource), which other writes cannot be.
/// </summary>
public sealed class DeliveryLatency : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ConcurrentDictionary<string, long> _acknowledged = new(StringComparer.Ordinal);
    int _sets;

    DeliveryLatency(WebApplication app) => _app = app;

    public Uri Url => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/events");

    public static async Task<DeliveryLatency> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var latency = new DeliveryLatency(app);
        app.MapPost("/events", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.ASCII);
            var token = await reader.ReadToEndAsync(http.RequestAborted);
            var now = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref latency._sets);
            // Timing only: the signatures are verified by the integration tests, not on the measured path.
            var claims = JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[1]))!.AsObject();
            if (claims["events"]?.AsObject().ContainsKey("urn:ietf:params:scim:event:prov:create:notice") == true)
                latency._acknowledged.TryAdd(claims["sub_id"]!["id"]!.GetValue<string>(), now);
            return Results.StatusCode(202);
        });
        await app.StartAsync();
        return latency;
    }

    /// <summary>Waits until every created resource's notice arrived (or <paramref name="timeout"/>), then the figures.</summary>
    public async Task<string> ReportAsync(Recorder recorder, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (recorder.CreatedAt.Keys.Any(id => !_acknowledged.ContainsKey(id)) && Stopwatch.GetTimestamp() < deadline) await Task.Delay(250);
        var latencies = recorder.CreatedAt
            .Where(c => _acknowledged.ContainsKey(c.Key))
            .Select(c => Stopwatch.GetElapsedTime(c.Value, _acknowledged[c.Key]).TotalMilliseconds)
            .Order().ToList();
        var missing = recorder.CreatedAt.Count - latencies.Count;
        string Ms(double p) => Stats.Percentile(latencies, p).ToString("0", CultureInfo.InvariantCulture);
        return $"""

            ## Event delivery (RFC 8935 push to a receiver on 127.0.0.1)

            | Measured | Count | p50 ms | p95 ms | Max ms | Not delivered within {timeout.TotalSeconds:0} s |
            |---|---:|---:|---:|---:|---:|
            | SCIM response of a create → receiver's acknowledgement of its create notice | {latencies.Count} | {Ms(50)} | {Ms(95)} | {latencies.DefaultIfEmpty(double.NaN).Max():0} | {missing} |

            SETs received in all: {_sets}. The local host delivers with its background service (settle window and sweep
            interval as the quick start sets them), signing each SET with ES256.

            """;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
