using ScimFunctions.Http;

namespace ScimFunctions.LocalHost;

/// <summary>Builds the local host: the shared SCIM services and routes on Kestrel. The integration
/// tests build the very same app, with their own configuration.</summary>
public static class LocalScimHost
{
    /// <summary>Event delivery as the quick start runs it: on, a 2 s settle window and a sweep every half second
    /// (docs/integrating.md, "Settle window"). Tests and the load driver take the same values.</summary>
    public static IReadOnlyDictionary<string, string?> QuickStartEvents { get; } = new Dictionary<string, string?>
    {
        ["Events:Deliver"] = "true",
        ["Events:SettleSeconds"] = "2",
        ["Events:SweepSeconds"] = "0.5",
    };

    /// <param name="services">Extra registrations after the app's own (the reliability tests add a
    /// <see cref="ScimFunctions.Storage.StoragePipelinePolicy"/> that injects storage faults).</param>
    public static WebApplication Build(string[] args, IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);
        builder.Services.AddScim(builder.Configuration);
        if (builder.Configuration.GetValue("Events:Deliver", false)) builder.Services.AddHostedService<EventDeliveryService>();
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapScim();
        return app;
    }
}
