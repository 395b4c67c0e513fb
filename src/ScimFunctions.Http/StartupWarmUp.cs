using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScimFunctions.Storage;

namespace ScimFunctions.Http;

/// <summary>
/// Work every process does once, done when the host starts instead of inside the first request: the
/// tables check (which also acquires the managed identity's storage token) and building the request
/// services. It runs in the background, so a slow or unreachable storage does not hold the host back; a
/// failure is logged and left to the first request, which checks the tables again.
/// </summary>
public sealed class StartupWarmUp(IServiceProvider services, ILogger<StartupWarmUp> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        services.GetRequiredService<ScimEndpoints>();
        try
        {
            await services.GetRequiredService<ScimTables>().EnsureCreatedAsync().WaitAsync(stoppingToken);
            // The cursor key, so the first cursor a new instance is handed costs no storage request.
            await services.GetRequiredService<CursorKey>().GetAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Startup warm-up could not reach storage; the first request will try again");
        }
    }
}
