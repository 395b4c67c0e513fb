using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Administration;
using ScimFunctions.Events;
using ScimFunctions.Http.Portal;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;

namespace ScimFunctions.Http;

public static class ScimServiceCollectionExtensions
{
    /// <summary>Registers the storage services (<see cref="StorageServiceCollectionExtensions.AddScimStorage"/>) and
    /// on them the SCIM HTTP layer: limits, pipeline, handlers, endpoints, warm-up. Both hosts call this, so they
    /// run the same services.</summary>
    public static IServiceCollection AddScim(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScimStorage(configuration);
        services.AddSingleton(configuration.GetSection("Limits").Get<ScimLimits>() ?? new ScimLimits());
        services.AddSingleton<TenantSettingsCache>();
        services.AddScimHealth();
        services.AddSingleton(configuration.GetSection("Edge").Get<ScimEdgeOptions>() ?? new ScimEdgeOptions());
        services.AddSingleton<ScimPipeline>();
        services.AddSingleton<ScanBookmarks>();
        services.AddSingleton<CursorKey>();
        services.AddSingleton<PagingCursors>();
        services.AddSingleton<QueryExecutor>();
        services.AddSingleton<UserHandlers>();
        services.AddSingleton<GroupHandlers>();
        services.AddSingleton<DiscoveryHandlers>();
        services.AddSingleton<BulkHandler>();
        services.AddSingleton<ScimEndpoints>();
        services.AddSingleton<EventPollEndpoint>();
        // The self-service page on the admin core.
        services.AddScimAdministration();
        services.AddSingleton<PortalEndpoints>();
        services.AddHostedService<StartupWarmUp>();
        // Without Events:Origin or a Functions host name, the SETs' issuer is the address this host listens on.
        services.AddSingleton(sp => new EventIssuer(configuration,
            () => sp.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()));
        return services;
    }

    /// <summary>Maps every route of <see cref="ScimRoutes"/> to <see cref="ScimEndpoints"/> (the local host's
    /// equivalent of the Functions app's triggers).</summary>
    public static IEndpointRouteBuilder MapScim(this IEndpointRouteBuilder app)
    {
        ScimEndpoints E(HttpContext http) => http.RequestServices.GetRequiredService<ScimEndpoints>();
        app.Map(ScimRoutes.Users, (HttpContext h, string tenant) => E(h).Users(h, tenant));
        app.Map(ScimRoutes.UsersSearch, (HttpContext h, string tenant) => E(h).UsersSearch(h, tenant));
        app.Map(ScimRoutes.User, (HttpContext h, string tenant, string id) => E(h).User(h, tenant, id));
        app.Map(ScimRoutes.Groups, (HttpContext h, string tenant) => E(h).Groups(h, tenant));
        app.Map(ScimRoutes.GroupsSearch, (HttpContext h, string tenant) => E(h).GroupsSearch(h, tenant));
        app.Map(ScimRoutes.Group, (HttpContext h, string tenant, string id) => E(h).Group(h, tenant, id));
        app.Map(ScimRoutes.ServiceProviderConfig, (HttpContext h, string tenant) => E(h).ServiceProviderConfig(h, tenant));
        app.Map(ScimRoutes.ResourceTypes, (HttpContext h, string tenant) => E(h).ResourceTypes(h, tenant));
        app.Map(ScimRoutes.ResourceType, (HttpContext h, string tenant, string id) => E(h).ResourceType(h, tenant, id));
        app.Map(ScimRoutes.Schemas, (HttpContext h, string tenant) => E(h).Schemas(h, tenant));
        app.Map(ScimRoutes.Schema, (HttpContext h, string tenant, string id) => E(h).Schema(h, tenant, id));
        app.Map(ScimRoutes.Roles, (HttpContext h, string tenant) => E(h).Roles(h, tenant));
        app.Map(ScimRoutes.Role, (HttpContext h, string tenant, string id) => E(h).Role(h, tenant, id));
        app.Map(ScimRoutes.Me, (HttpContext h, string tenant) => E(h).Me(h, tenant));
        app.Map(ScimRoutes.EventsPoll, (HttpContext h, string tenant) => h.RequestServices.GetRequiredService<EventPollEndpoint>().PollAsync(h, tenant));
        app.Map(ScimRoutes.Search, (HttpContext h, string tenant) => E(h).Search(h, tenant));
        app.Map(ScimRoutes.Bulk, (HttpContext h, string tenant) => E(h).Bulk(h, tenant));
        app.Map(ScimRoutes.Fallback, (HttpContext h, string tenant) => E(h).NotFound(h, tenant));
        app.MapGet(ScimRoutes.EventKeys, EventsEndpoints.JwksAsync);
        app.Map(ScimRoutes.Health, (HttpContext h, ScimHealth health) => health.Get(h));
        PortalEndpoints P(HttpContext http) => http.RequestServices.GetRequiredService<PortalEndpoints>();
        app.Map(ScimRoutes.Portal, (HttpContext h, string tenant) => P(h).Page(h, tenant));
        app.Map(ScimRoutes.PortalOpen, (HttpContext h, string tenant, string link) => P(h).Open(h, tenant, link));
        app.Map(ScimRoutes.PortalAction, (HttpContext h, string tenant, string action) => P(h).Action(h, tenant, action));
        app.Map(ScimRoutes.PortalAsset, (HttpContext h, string file) => PortalEndpoints.Asset(h, file));
        return app;
    }
}
