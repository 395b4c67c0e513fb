using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ScimFunctions.Events;

/// <summary>Wakes the delivery loop early: the instance that committed a write kicks it, so its events go out
/// as soon as they settle instead of at the next sweep.</summary>
public sealed class DeliveryKick
{
    readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Kick() => _signal.Writer.TryWrite(true);

    internal async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(timeout);
        try
        {
            await _signal.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The sweep interval passed without a kick.
        }
    }
}

/// <summary>The local host's delivery: a sweep every <see cref="DeliveryOptions.SweepInterval"/> or sooner when
/// kicked, calling the same <see cref="EventDelivery"/> as the Functions timer.</summary>
public sealed class EventDeliveryService(EventDelivery delivery, DeliveryKick kick, DeliveryOptions options, ILogger<EventDeliveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await delivery.SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Storage trouble: the cursors are in storage, so the next sweep resumes where this one stopped.
                logger.LogWarning(e, "Event delivery sweep failed; retrying at the next sweep");
            }
            await kick.WaitAsync(options.SweepInterval, stoppingToken);
        }
    }
}
