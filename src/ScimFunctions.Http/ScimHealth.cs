using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;

namespace ScimFunctions.Http;

/// <summary>
/// The unauthenticated health route (<see cref="ScimRoutes.Health"/>) of both hosts: whether storage and, when
/// configured, Key Vault answer. The body names the checks and their status only: no tenant, account, vault or
/// exception text (the health-check service logs failures with their exception). A report is reused for a few
/// seconds, so an anonymous caller cannot turn the route into a stream of storage and Key Vault requests.
/// </summary>
public sealed class ScimHealth(HealthCheckService checks, TimeProvider time)
{
    public const string StorageCheck = "storage", KeyVaultCheck = "keyVault";

    static readonly TimeSpan Reuse = TimeSpan.FromSeconds(10);

    sealed record Run(Task<HealthReport> Report, DateTimeOffset Started);

    Run? _last;

    public async Task<IResult> Get(HttpContext http)
    {
        if (!HttpMethods.IsGet(http.Request.Method))
        {
            http.Response.Headers.Allow = "GET";
            return Results.StatusCode(StatusCodes.Status405MethodNotAllowed);
        }
        var report = await ReportAsync();
        var body = new JsonObject { ["status"] = report.Status.ToString() };
        var entries = new JsonObject();
        foreach (var (name, entry) in report.Entries) entries[name] = entry.Status.ToString();
        body["checks"] = entries;
        http.Response.Headers.CacheControl = "no-store";
        return Results.Json(body, statusCode: report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    Task<HealthReport> ReportAsync()
    {
        var now = time.GetUtcNow();
        // Callers within the window share one run (also while it is in flight); a race starts at most one extra.
        if (_last is { } last && now - last.Started < Reuse) return last.Report;
        var run = new Run(checks.CheckHealthAsync(CancellationToken.None), now);
        _last = run;
        return run.Report;
    }
}

/// <summary>A point read of a row no tenant can have (tenant ids are lowercase slugs): proves the table answers
/// this identity, reads no data.</summary>
sealed class StorageHealthCheck(ScimTables tables) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
    {
        await tables.Resources.GetEntityIfExistsAsync<TableEntity>("~health", "~health", ["PartitionKey"], ct);
        return HealthCheckResult.Healthy();
    }
}

/// <summary>A read of a secret that does not exist: Key Vault answers 404 only to an identity it authenticated
/// and authorized, so 404 means reachable and usable; anything else is a failure.</summary>
sealed class KeyVaultHealthCheck(SecretClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
    {
        try
        {
            await client.GetSecretAsync("scim-health-probe", cancellationToken: ct);
        }
        catch (Azure.RequestFailedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
        }
        return HealthCheckResult.Healthy();
    }
}

static class ScimHealthRegistration
{
    /// <summary>The health checks: storage always, Key Vault when the storage registration chose it (registered its
    /// <see cref="SecretClient"/>) for the token hashes.</summary>
    public static IServiceCollection AddScimHealth(this IServiceCollection services)
    {
        var checks = services.AddHealthChecks().AddCheck<StorageHealthCheck>(ScimHealth.StorageCheck, timeout: TimeSpan.FromSeconds(10));
        if (services.Any(d => d.ServiceType == typeof(SecretClient)))
            checks.AddCheck<KeyVaultHealthCheck>(ScimHealth.KeyVaultCheck, timeout: TimeSpan.FromSeconds(10));
        services.AddSingleton<ScimHealth>();
        return services;
    }
}
