using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScimFunctions.Keys;

namespace ScimFunctions.Events;

/// <summary>The SETs' issuer: the tenant's SCIM base URL under the service's public origin, from
/// <c>Events:Origin</c>, else the Functions app's host name (<c>WEBSITE_HOSTNAME</c>), else <paramref name="fallback"/>
/// (the HTTP layer gives the local host's address).</summary>
public sealed class EventIssuer(IConfiguration configuration, Func<string?>? fallback = null)
{
    string? _origin;

    public string For(string tenant) => ScimFunctions.Protocol.ScimRoutes.TenantUrl(Origin, ScimFunctions.Protocol.TenantId.Parse(tenant));

    public string Origin => _origin ??= (configuration["Events:Origin"] is { Length: > 0 } configured ? configured
        : configuration["WEBSITE_HOSTNAME"] is { Length: > 0 } host ? "https://" + host
        : fallback?.Invoke()
          ?? throw new InvalidOperationException("Set Events:Origin to the service's public origin (https://…)."))
        .TrimEnd('/');

    /// <summary>Where the published keys are served (<see cref="ScimFunctions.Protocol.ScimRoutes.EventKeys"/>).</summary>
    public string JwksUrl => Origin + "/" + ScimFunctions.Protocol.ScimRoutes.EventKeys;
}

public static class EventsServiceCollectionExtensions
{
    /// <summary>Registers the events services (settings under <c>Events:</c>; the signing keys are the
    /// <see cref="KeyRing.EventSigning"/> ring of the registered <see cref="KeyStores"/>).</summary>
    public static IServiceCollection AddScimEvents(this IServiceCollection services, IConfiguration configuration,
        Func<IServiceProvider, TableClient> resources)
    {
        var delivery = new DeliveryOptions();
        services.AddSingleton(delivery with
        {
            SettleWindow = TimeSpan.FromSeconds(configuration.GetValue("Events:SettleSeconds", delivery.SettleWindow.TotalSeconds)),
            AttemptTimeout = TimeSpan.FromSeconds(configuration.GetValue("Events:AttemptTimeoutSeconds", delivery.AttemptTimeout.TotalSeconds)),
            SweepInterval = TimeSpan.FromSeconds(configuration.GetValue("Events:SweepSeconds", delivery.SweepInterval.TotalSeconds)),
            LongPoll = TimeSpan.FromSeconds(configuration.GetValue("Events:LongPollSeconds", delivery.LongPoll.TotalSeconds)),
        });
        var keys = new SigningKeyOptions();
        services.AddSingleton(keys with
        {
            CacheDuration = TimeSpan.FromSeconds(configuration.GetValue("Events:KeyCacheSeconds", keys.CacheDuration.TotalSeconds)),
            KeepSupersededFor = TimeSpan.FromDays(configuration.GetValue("Events:KeyRetentionDays", keys.KeepSupersededFor.TotalDays)),
        });
        services.AddSingleton(sp => new SigningKeyRing(sp.GetRequiredService<KeyStores>().For(KeyRing.EventSigning), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<SigningKeyOptions>()));
        services.AddSingleton<SecurityEventSigner>();
        services.AddSingleton(sp => new EventReceivers(resources(sp), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new EventIssuer(configuration));
        var addresses = new ReceiverAddressPolicy(configuration.GetValue(ReceiverAddressPolicy.AllowPrivateSetting, false));
        services.AddSingleton(addresses);
        services.AddSingleton(SetPushClient.Create(addresses));
        services.AddSingleton(sp => new EventDelivery(sp.GetRequiredService<EventReceivers>(), sp.GetRequiredService<SecurityEventSigner>(),
            sp.GetRequiredService<SetPushClient>(), resources(sp), sp.GetRequiredService<EventIssuer>().For, sp.GetRequiredService<DeliveryOptions>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<EventDelivery>>()));
        services.AddSingleton(sp => new SetPolling(resources(sp), sp.GetRequiredService<SecurityEventSigner>(), sp.GetRequiredService<EventIssuer>().For,
            sp.GetRequiredService<DeliveryOptions>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
