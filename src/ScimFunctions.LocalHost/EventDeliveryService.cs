using ScimFunctions.Events;

namespace ScimFunctions.LocalHost;

/// <summary>The local host's delivery: a sweep of every receiver each <see cref="DeliveryOptions.SweepInterval"/>,
/// calling the same <see cref="EventDelivery"/> as the Functions timer. A receiver's events go out once they are
/// older than the settle window, so sweeping at a fraction of that window is what bounds the latency.</summary>
public sealed class EventDeliveryService(EventDelivery delivery, DeliveryOptions options, ILogger<EventDeliveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval);
        do
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
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
