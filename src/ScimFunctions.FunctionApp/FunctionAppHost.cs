using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScimFunctions.Http;

namespace ScimFunctions.FunctionApp;

/// <summary>The worker's composition root. Program runs it; the Functions app's tests build it with
/// production-shaped settings, so a wiring error fails there rather than at the first start in Azure.</summary>
public static class FunctionAppHost
{
    /// <summary>The Application Insights logger provider whose Warning-only filter rule <see cref="Build"/> removes.</summary>
    public const string ApplicationInsightsLoggerProvider = "Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider";

    public static IHost Build(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);

        // HTTP triggers bind ASP.NET Core's HttpRequest, so the shared handlers run unchanged.
        builder.ConfigureFunctionsWebApplication();

        // Logs and requests to Application Insights (connection and AAD auth come from app settings).
        builder.Services
            .AddApplicationInsightsTelemetryWorkerService()
            .ConfigureFunctionsApplicationInsights();

        // The Application Insights SDK adds a filter rule that sends only Warning and above from the worker.
        // The per-request SCIM log line is Information, so the rule goes (the worker's default minimum,
        // Information, then applies).
        builder.Logging.Services.Configure<LoggerFilterOptions>(options =>
        {
            var rule = options.Rules.FirstOrDefault(r => r.ProviderName == ApplicationInsightsLoggerProvider);
            if (rule is not null) options.Rules.Remove(rule);
        });

        // Stores, token service (AddScimStorage), the SCIM HTTP layer and health checks on them: the same registration
        // the local host uses.
        builder.Services.AddScim(builder.Configuration);

        return builder.Build();
    }
}
