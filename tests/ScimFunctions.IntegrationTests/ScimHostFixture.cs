using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScimFunctions.IntegrationTests.Reliability;
using ScimFunctions.LocalHost;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.IntegrationTests;

/// <summary>The local host, built exactly as `dotnet run` builds it, on Kestrel at 127.0.0.1 on a free
/// port, over the shared Azurite. Only configuration differs: storage, table prefix, port.</summary>
public sealed class ScimHost : IAsyncDisposable
{
    readonly WebApplication _app;

    ScimHost(WebApplication app, Uri origin)
    {
        _app = app;
        Origin = origin;
    }

    public Uri Origin { get; }
    public IServiceProvider Services => _app.Services;
    public StorageRequestCounter StorageRequests => Services.GetRequiredService<StorageRequestCounter>();

    /// <summary>The storage fault injector of a host started with <c>faults</c>.</summary>
    public StorageFaultInjector Faults => Services.GetRequiredService<StorageFaultInjector>();

    /// <param name="logs">An extra logger provider (tests that read the host's logs); levels come from
    /// the Logging:* settings.</param>
    /// <param name="faults">Storage fault injection (reliability tests): a <see cref="StorageFaultInjector"/> in the
    /// table clients' pipeline, through the app's <see cref="StoragePipelinePolicy"/> hook.</param>
    public static async Task<ScimHost> StartAsync(AzuriteFixture azurite, IDictionary<string, string?>? settings = null, ILoggerProvider? logs = null,
        StorageFaultOptions? faults = null)
    {
        var config = new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = "t" + Guid.NewGuid().ToString("N")[..10],
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) config[k] = v;
        var app = LocalScimHost.Build([], config, services =>
        {
            if (faults is null) return;
            var injector = new StorageFaultInjector(faults);
            services.AddSingleton(injector);
            services.AddSingleton(new StoragePipelinePolicy(injector));
        });
        if (logs is not null) app.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        await app.Services.GetRequiredService<ScimTables>().EnsureCreatedAsync();
        return new ScimHost(app, new Uri(address));
    }

    /// <summary>Creates a tenant and issues its token through the same services the admin CLI uses.</summary>
    public async Task<TenantClient> CreateTenantAsync(string? name = null)
    {
        var tenant = TenantId.Parse(name ?? "t" + Guid.NewGuid().ToString("N")[..12]);
        await Services.GetRequiredService<TenantStore>().CreateAsync(tenant, CancellationToken.None);
        var issued = await Services.GetRequiredService<TokenService>().IssueAsync(tenant, null, null, CancellationToken.None);
        return new TenantClient(this, tenant, issued.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>An HTTP client for one tenant's SCIM base URL, authenticated with its token.</summary>
public sealed class TenantClient(ScimHost host, TenantId tenant, string token)
{
    public TenantId Tenant => tenant;
    public string Token => token;
    public string BaseUrl => ScimRoutes.TenantUrl(host.Origin.ToString(), tenant);

    public HttpClient Http { get; } = CreateClient(host.Origin, token);

    static HttpClient CreateClient(Uri origin, string token)
    {
        var client = new HttpClient { BaseAddress = origin };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public string Path(string relative) => $"{ScimRoutes.TenantPath(tenant)}/{relative.TrimStart('/')}";

    public Task<HttpResponseMessage> GetAsync(string relative) => Http.GetAsync(Path(relative));

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string relative, JsonNode? body = null, string contentType = "application/scim+json",
        Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method, Path(relative));
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, contentType);
        configure?.Invoke(request);
        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> PostAsync(string relative, JsonNode body) => SendAsync(HttpMethod.Post, relative, body);
    public Task<HttpResponseMessage> PatchAsync(string relative, JsonNode body) => SendAsync(HttpMethod.Patch, relative, body);
    public Task<HttpResponseMessage> PutAsync(string relative, JsonNode body) => SendAsync(HttpMethod.Put, relative, body);
    public Task<HttpResponseMessage> DeleteAsync(string relative) => SendAsync(HttpMethod.Delete, relative);

    /// <summary>Creates a user and returns its JSON (asserting 201).</summary>
    public async Task<JsonObject> CreateUserAsync(string userName, JsonObject? extra = null)
    {
        var body = new JsonObject { ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"), ["userName"] = userName, ["active"] = true };
        foreach (var (k, v) in extra ?? []) body[k] = v?.DeepClone();
        var response = await PostAsync("Users", body);
        var json = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, json.ToJsonString());
        return json;
    }
}

public static class HttpResponseExtensions
{
    public static async Task<JsonObject> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) as JsonObject ?? throw new InvalidOperationException($"Not a JSON object: {text}");
    }

    /// <summary>Asserts a SCIM error response: status, content type and the RFC 7644 §3.12 body.</summary>
    public static async Task<JsonObject> AssertScimErrorAsync(this HttpResponseMessage response, int status, string? scimType = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/scim+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonNode.Parse(body)!.AsObject();
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:Error", json["schemas"]![0]!.GetValue<string>());
        Assert.Equal(status.ToString(System.Globalization.CultureInfo.InvariantCulture), json["status"]!.GetValue<string>());
        if (scimType is not null) Assert.Equal(scimType, json["scimType"]?.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(json["detail"]?.GetValue<string>()));
        return json;
    }
}
