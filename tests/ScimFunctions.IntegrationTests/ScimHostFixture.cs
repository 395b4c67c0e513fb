using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using ScimFunctions.Administration;
using Microsoft.Extensions.Logging;
using ScimFunctions.IntegrationTests.Reliability;
using ScimFunctions.LocalHost;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.IntegrationTests;

/// <summary>The local host, started exactly as `dotnet run` starts it (<see cref="LocalScimHarness"/>), on Kestrel at
/// 127.0.0.1 on a free port, over the shared Azurite. Only configuration differs: storage, table prefix, port.</summary>
public sealed class ScimHost(LocalScimHarness harness) : IAsyncDisposable
{
    public Uri Origin => harness.Origin;
    public IServiceProvider Services => harness.Services;
    public StorageRequestCounter StorageRequests => Services.GetRequiredService<StorageRequestCounter>();

    /// <summary>The storage fault injector of a host started with <c>faults</c>.</summary>
    public StorageFaultInjector Faults => Services.GetRequiredService<StorageFaultInjector>();

    /// <param name="settings">Settings over the in-process defaults; Storage:TablePrefix defaults to a new one.</param>
    /// <param name="logs">An extra logger provider (tests that read the host's logs); levels come from
    /// the Logging:* settings.</param>
    /// <param name="faults">Storage fault injection (reliability tests): a <see cref="StorageFaultInjector"/> in the
    /// table clients' pipeline, through the app's <see cref="StoragePipelinePolicy"/> hook.</param>
    public static async Task<ScimHost> StartAsync(AzuriteFixture azurite, IReadOnlyDictionary<string, string?>? settings = null, ILoggerProvider? logs = null,
        StorageFaultOptions? faults = null)
    {
        var config = LocalScimHarness.InProcessSettings(azurite.ConnectionString, "t" + Guid.NewGuid().ToString("N")[..10]);
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) config[k] = v;
        return new ScimHost(await LocalScimHarness.StartAsync(config, logs: logs, services: services =>
        {
            if (faults is null) return;
            var injector = new StorageFaultInjector(faults);
            services.AddSingleton(injector);
            services.AddSingleton(new StoragePipelinePolicy(injector));
        }));
    }

    /// <summary>The admin core in its own services (the CLI's or the application's), over the tables with
    /// <paramref name="tablePrefix"/> in Azurite: a separate instance from any running host. <paramref name="configure"/>:
    /// registrations over it (a <see cref="StoragePipelinePolicy"/> that acts between the job's requests).</summary>
    public static ServiceProvider AdminServices(AzuriteFixture azurite, string tablePrefix, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = tablePrefix,
        }).Build();
        var services = new ServiceCollection().AddLogging().AddScimStorage(configuration).AddScimAdministration();
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    /// <summary>Creates a tenant (a new id unless given) and issues its token.</summary>
    public async Task<TenantClient> CreateTenantAsync(string? name = null) =>
        new(await harness.CreateTenantAsync(TenantId.Parse(name ?? "t" + Guid.NewGuid().ToString("N")[..12])));

    /// <summary>A tenant whose settings are set before its first request (the host caches settings briefly).</summary>
    public async Task<TenantClient> TenantWithAsync(DeprovisionMode deprovision, OperationMode mode)
    {
        var tenant = await CreateTenantAsync();
        var store = Services.GetRequiredService<TenantStore>();
        var settings = (await store.GetAsync(tenant.Tenant, CancellationToken.None))!;
        await store.UpdateAsync(settings with { Deprovision = deprovision, Mode = mode }, CancellationToken.None);
        return tenant;
    }

    /// <summary>A tenant for the Entra-like cycle (<see cref="EntraCycle"/>): it deprovisions a quarter of its users, past
    /// the deprovisioning brake's default in the longer runs, so the brake is off (it has its own tests).</summary>
    public async Task<TenantClient> CycleTenantAsync()
    {
        var tenant = await CreateTenantAsync();
        var store = Services.GetRequiredService<TenantStore>();
        await store.UpdateAsync((await store.GetAsync(tenant.Tenant, CancellationToken.None))! with { BrakeThreshold = 0 }, CancellationToken.None);
        return tenant;
    }

    /// <summary>A client for a tenant made through another host over the same tables, sending to this host.</summary>
    public TenantClient ClientFor(TenantClient tenant) => new(tenant.Access with { BaseUrl = harness.TenantUrl(tenant.Tenant) });

    public ValueTask DisposeAsync() => harness.DisposeAsync();
}

/// <summary>An HTTP client for one tenant's SCIM base URL, authenticated with its token.</summary>
/// <param name="handler">Sends the requests (default: straight to the base URL's host; see <c>SpreadingHandler</c>).</param>
public sealed class TenantClient(TenantAccess access, HttpMessageHandler? handler = null)
{
    public TenantAccess Access => access;
    public TenantId Tenant => access.Tenant;
    public string Token => access.Token;
    public string BaseUrl => access.BaseUrl;

    /// <summary>Sends to the host's origin, so requests name their whole path (<see cref="Path"/>).</summary>
    public HttpClient Http { get; } = CreateClient(new Uri(access.BaseUrl), access.Token, handler);

    static HttpClient CreateClient(Uri baseUrl, string token, HttpMessageHandler? handler)
    {
        var client = new HttpClient(handler ?? new SocketsHttpHandler()) { BaseAddress = new Uri(baseUrl.GetLeftPart(UriPartial.Authority)) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public string Path(string relative) => $"{ScimRoutes.TenantPath(access.Tenant)}/{relative.TrimStart('/')}";

    public Task<HttpResponseMessage> GetAsync(string relative) => Http.GetAsync(Path(relative));

    /// <summary>The JSON object a GET answers, whatever its status.</summary>
    public Task<JsonObject> GetJsonAsync(string relative) => GetAsync(relative).ReadJsonAsync();

    /// <summary>The totalResults of a list or filter query.</summary>
    public async Task<int> TotalResultsAsync(string relative) => (await GetJsonAsync(relative)).GetInt32("totalResults");

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

    /// <summary>The JSON object a POST, PATCH or PUT answers, whatever its status.</summary>
    public Task<JsonObject> PostJsonAsync(string relative, JsonNode body) => PostAsync(relative, body).ReadJsonAsync();
    public Task<JsonObject> PatchJsonAsync(string relative, JsonNode body) => PatchAsync(relative, body).ReadJsonAsync();
    public Task<JsonObject> PutJsonAsync(string relative, JsonNode body) => PutAsync(relative, body).ReadJsonAsync();

    /// <summary>Creates a user and returns its JSON (asserting 201).</summary>
    public async Task<JsonObject> CreateUserAsync(string userName, JsonObject? extra = null)
    {
        var body = new JsonObject { ["schemas"] = new JsonArray(ScimUrns.User), ["userName"] = userName, ["active"] = true };
        foreach (var (k, v) in extra ?? []) body[k] = v?.DeepClone();
        var response = await PostAsync("Users", body);
        var json = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, json.ToJsonString());
        return json;
    }
}

public static class HttpResponseExtensions
{
    /// <summary>The response's JSON object, read when it arrives: `await client.GetAsync(…).ReadJsonAsync()`.</summary>
    public static async Task<JsonObject> ReadJsonAsync(this Task<HttpResponseMessage> response) => await (await response).ReadJsonAsync();

    public static async Task<JsonObject> AssertScimErrorAsync(this Task<HttpResponseMessage> response, int status, string? scimType = null) =>
        await (await response).AssertScimErrorAsync(status, scimType);

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
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:Error", json["schemas"]!.GetString(0));
        Assert.Equal(status.ToString(System.Globalization.CultureInfo.InvariantCulture), json.GetString("status"));
        if (scimType is not null) Assert.Equal(scimType, json["scimType"]?.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(json["detail"]?.GetValue<string>()));
        return json;
    }
}
