using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScimFunctions.Http;

var builder = FunctionsApplication.CreateBuilder(args);

// HTTP triggers bind ASP.NET Core's HttpRequest, so the shared handlers run unchanged.
builder.ConfigureFunctionsWebApplication();

// Logs and requests to Application Insights (connection and AAD auth come from app settings).
builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights();

// Stores, token service, handlers: the same registration the local host uses.
builder.Services.AddScim(builder.Configuration);

builder.Build().Run();
