using Microsoft.Azure.Functions.Worker;
using ScimFunctions.Storage;

namespace ScimFunctions.FunctionApp;

/// <summary>Runs the maintenance job on the schedule in the MaintenanceSchedule app setting (NCRONTAB).</summary>
public sealed class MaintenanceFunction(MaintenanceJob job)
{
    [Function("Maintenance")]
    public Task Run([TimerTrigger("%MaintenanceSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        job.RunAsync(cancellationToken);
}
