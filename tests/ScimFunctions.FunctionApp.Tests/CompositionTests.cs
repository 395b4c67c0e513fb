using System.Reflection;
using Microsoft.ApplicationInsights;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScimFunctions.Http;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.FunctionApp.Tests;

/// <summary>
/// The app's real composition (<see cref="FunctionAppHost.Build"/>, which Program runs) builds its host with the
/// settings the deployment template sets, and every function class resolves from it: a missing registration or a
/// setting that does not bind fails here instead of at the first start in Azure. The host is built, not started:
/// starting needs the Functions host on the other end of its gRPC channel. Nothing here reaches the network
/// (the clients are created, never called).
/// </summary>
public sealed class CompositionTests : IDisposable
{
    /// <summary>What infra/main.bicep sets (AppSettings.RequiredInAzure, checked against the template by the infra
    /// tests), with the shapes Azure gives them.</summary>
    static readonly Dictionary<string, string> Production = new()
    {
        [AppSettings.StorageTableEndpoint] = "https://stscimexample.table.core.windows.net/",
        [AppSettings.KeyVaultUri] = "https://kv-scimexample.vault.azure.net/",
        [AppSettings.TokenCacheSeconds] = "60",
        [AppSettings.MaintenanceSchedule] = "0 0 3 * * *",
        [AppSettings.EventDeliverySchedule] = "*/5 * * * * *",
        [AppSettings.AzureTokenCredentials] = "ManagedIdentityCredential",
        ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://swedencentral-0.in.applicationinsights.azure.com/",
        ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "Authorization=AAD",
    };

    /// <summary>What the Functions host hands the worker process it starts: where its gRPC endpoint is and who the
    /// worker is. Only read when the worker's services are built, never connected to here.</summary>
    static readonly Dictionary<string, string> FromFunctionsHost = new()
    {
        ["Functions__Worker__HostEndpoint"] = "http://127.0.0.1:50051",
        ["Functions__Worker__WorkerId"] = Guid.NewGuid().ToString(),
        ["Functions__Worker__RequestId"] = Guid.NewGuid().ToString(),
        ["Functions__Worker__GrpcMaxMessageLength"] = "2147483647",
    };

    // Both reach the worker as environment variables, where "__" separates sections; on the command line ":" does.
    readonly IHost _host = FunctionAppHost.Build([.. Production.Concat(FromFunctionsHost)
        .Select(s => $"--{s.Key.Replace("__", ":", StringComparison.Ordinal)}={s.Value}")]);

    public void Dispose() => _host.Dispose();

    [Fact]
    public void Settings_cover_what_the_template_sets()
    {
        Assert.All(AppSettings.RequiredInAzure, name => Assert.Contains(name, Production.Keys));
    }

    [Fact]
    public void Push_receivers_on_private_addresses_are_refused_with_the_template_settings()
    {
        // The function app's delivery and its page share this policy; only Events__AllowPrivateReceivers turns it off.
        Assert.False(_host.Services.GetRequiredService<ScimFunctions.Events.ReceiverAddressPolicy>().AllowPrivate);
    }

    static Type[] FunctionTypes => [.. typeof(FunctionAppHost).Assembly.GetTypes()
        .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null))];

    public static TheoryData<Type> FunctionClasses => [.. FunctionTypes];

    [Theory]
    [MemberData(nameof(FunctionClasses))]
    public void Every_function_class_resolves(Type functionClass)
    {
        // As the worker's default activator creates them: constructor arguments from a request scope.
        using var scope = _host.Services.CreateScope();
        Assert.IsType(functionClass, ActivatorUtilities.CreateInstance(scope.ServiceProvider, functionClass));
    }

    [Fact]
    public void The_function_classes_are_the_http_routes_the_events_the_page_and_the_timer()
    {
        Assert.Equal(["EventFunctions", "MaintenanceFunction", "PortalFunctions", "ScimHttpFunctions"], FunctionTypes.Select(t => t.Name).Order());
    }

    [Fact]
    public void Production_settings_choose_key_vault_and_its_health_check()
    {
        Assert.IsType<KeyVaultTokenStore>(_host.Services.GetRequiredService<ITokenStore>());
        // The self-service page's link key beside the token hashes.
        Assert.NotNull(_host.Services.GetRequiredService<ScimFunctions.Administration.Portal.PortalLinks>());
        Assert.IsType<ScimFunctions.Keys.KeyVaultKeyStore>(_host.Services.GetRequiredService<ScimFunctions.Keys.KeyStores>().For(ScimFunctions.Keys.KeyRing.PortalLinks));
        var checks = _host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Select(r => r.Name).Order();
        Assert.Equal([ScimHealth.KeyVaultCheck, ScimHealth.StorageCheck], checks);
        Assert.Equal(TimeSpan.FromSeconds(60), _host.Services.GetRequiredService<TokenOptions>().CacheWindow);
    }

    [Fact]
    public void Hosted_services_construct_including_the_startup_warm_up()
    {
        var hosted = _host.Services.GetServices<IHostedService>().ToList();
        Assert.Contains(hosted, s => s is StartupWarmUp);
    }

    [Fact]
    public void Application_insights_gets_the_information_level_request_line()
    {
        Assert.NotNull(_host.Services.GetRequiredService<TelemetryClient>());
        var rules = _host.Services.GetRequiredService<IOptions<LoggerFilterOptions>>().Value.Rules;
        Assert.DoesNotContain(rules, r => r.ProviderName == FunctionAppHost.ApplicationInsightsLoggerProvider && r.LogLevel > LogLevel.Information);
        Assert.Contains(_host.Services.GetServices<ILoggerProvider>(), p => p.GetType().FullName == FunctionAppHost.ApplicationInsightsLoggerProvider);
    }
}
