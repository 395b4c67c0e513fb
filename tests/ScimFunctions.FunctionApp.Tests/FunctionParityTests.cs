using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScimFunctions.IntegrationTests;
using ScimFunctions.Protocol;

namespace ScimFunctions.FunctionApp.Tests;

/// <summary>
/// Each [Function] method, invoked with a real ASP.NET Core HttpContext and resolved from the Functions app's own
/// composition (<see cref="FunctionAppHost"/>), answers exactly what the local host answers over HTTP for the same
/// request: status, the headers the app sets, and the body byte for byte. Both run over the same Azurite tables.
/// What the Functions host adds in between (its HTTP proxy to the worker, the trigger binding) is not exercised.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FunctionParityTests(AzuriteFixture azurite) : IAsyncLifetime
{
    /// <summary>Set by the server, not the app (the in-process call has no server).</summary>
    static readonly HashSet<string> ServerHeaders = new(StringComparer.OrdinalIgnoreCase) { "Date", "Server", "Transfer-Encoding", "Content-Length" };

    ScimHost _local = null!;
    IHost _functions = null!;
    TenantClient _tenant = null!;
    string _user = null!, _group = null!;

    public async Task InitializeAsync()
    {
        var prefix = "f" + Guid.NewGuid().ToString("N")[..10];
        _local = await ScimHost.StartAsync(azurite, new Dictionary<string, string?> { ["Storage:TablePrefix"] = prefix });
        _functions = FunctionAppHost.Build([$"--Storage:ConnectionString={azurite.ConnectionString}", $"--Storage:TablePrefix={prefix}", "--Logging:LogLevel:Default=Warning"]);
        _tenant = await _local.CreateTenantAsync();
        _user = (await _tenant.CreateUserAsync("alice@contoso.com"))["id"]!.GetValue<string>();
        var members = new JsonArray { new JsonObject { ["value"] = _user } };
        for (var i = 0; i < 3; i++) members.Add(new JsonObject { ["value"] = (await _tenant.CreateUserAsync($"user{i}@contoso.com"))["id"]!.GetValue<string>() });
        var group = await _tenant.PostAsync("Groups", new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:Group"), ["displayName"] = "Engineering", ["members"] = members,
        });
        Assert.Equal(HttpStatusCode.Created, group.StatusCode);
        _group = (await group.ReadJsonAsync())["id"]!.GetValue<string>();
    }

    public async Task DisposeAsync()
    {
        _functions.Dispose();
        await _local.DisposeAsync();
    }

    /// <summary>One request: where it goes, and the function (with the route values the host would bind) that serves it,
    /// invoked on its function class as the worker creates it (from the request scope).</summary>
    public sealed record Call(string Name, string Method, string Path, string? Body, bool Authenticated,
        Func<IServiceProvider, HttpRequest, string, string, string, Task<IActionResult>> Invoke)
    {
        /// <summary>A SCIM route's function.</summary>
        public Call(string name, string method, string path, string? body, bool authenticated,
            Func<ScimHttpFunctions, HttpRequest, string, string, string, Task<IActionResult>> function)
            : this(name, method, path, body, authenticated,
                (services, r, t, u, g) => function(ActivatorUtilities.CreateInstance<ScimHttpFunctions>(services), r, t, u, g))
        {
        }

        public override string ToString() => Name;
    }

    // Route values handed to each function: tenant, user id, group id (what the host would bind from the route).
    public static TheoryData<Call> Calls => new()
    {
        new("indexed filter", "GET", "Users?filter=userName%20eq%20%22alice%40contoso.com%22", null, true, (f, r, t, _, _) => f.Users(r, t)),
        new("user by id", "GET", "Users/{user}", null, true, (f, r, t, u, _) => f.User(r, t, u)),
        new("group with members, streamed", "GET", "Groups/{group}", null, true, (f, r, t, _, g) => f.Group(r, t, g)),
        new("group listing, streamed", "GET", "Groups", null, true, (f, r, t, _, _) => f.Groups(r, t)),
        new("group without members", "GET", "Groups/{group}?excludedAttributes=members", null, true, (f, r, t, _, g) => f.Group(r, t, g)),
        new("search", "POST", "Users/.search", """{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName sw \"user\"","sortBy":"userName"}""", true,
            (f, r, t, _, _) => f.UsersSearch(r, t)),
        new("root-level search, users and groups with members", "POST", ".search", """{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"displayName pr or userName pr"}""", true,
            (f, r, t, _, _) => f.Search(r, t)),
        new("409 duplicate userName", "POST", "Users", """{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ALICE@contoso.com"}""", true,
            (f, r, t, _, _) => f.Users(r, t)),
        new("400 malformed JSON", "PATCH", "Users/{user}", """{"Operations": [""", true, (f, r, t, u, _) => f.User(r, t, u)),
        new("405 with Allow", "POST", "ServiceProviderConfig", "{}", true, (f, r, t, _, _) => f.ServiceProviderConfig(r, t)),
        new("405 on a collection", "DELETE", "Users", null, true, (f, r, t, _, _) => f.Users(r, t)),
        new("SCIM 404 for an unknown path", "GET", "Nothing/here", null, true, (f, r, t, _, _) => f.NotFound(r, t)),
        new("SCIM 404 for an unknown user", "GET", "Users/00000000-0000-0000-0000-000000000000", null, true,
            (f, r, t, _, _) => f.User(r, t, "00000000-0000-0000-0000-000000000000")),
        new("401 without a token", "GET", "Users", null, false, (f, r, t, _, _) => f.Users(r, t)),
        new("501 for /Me", "GET", "Me", null, true, (f, r, t, _, _) => f.Me(r, t)),
        new("discovery: ServiceProviderConfig", "GET", "ServiceProviderConfig", null, true, (f, r, t, _, _) => f.ServiceProviderConfig(r, t)),
        new("discovery: Schemas", "GET", "Schemas", null, true, (f, r, t, _, _) => f.Schemas(r, t)),
        new("discovery: one schema", "GET", "Schemas/urn:ietf:params:scim:schemas:core:2.0:User", null, true,
            (f, r, t, _, _) => f.Schema(r, t, "urn:ietf:params:scim:schemas:core:2.0:User")),
        new("discovery: ResourceTypes", "GET", "ResourceTypes", null, true, (f, r, t, _, _) => f.ResourceTypes(r, t)),
        new("discovery: one resource type", "GET", "ResourceTypes/User", null, true, (f, r, t, _, _) => f.ResourceType(r, t, "User")),
        new("health", "GET", "/health", null, false, (f, r, _, _, _) => f.Health(r)),
        new("event signing keys (JWKS)", "GET", "/" + ScimRoutes.EventKeys, null, false,
            (Func<IServiceProvider, HttpRequest, string, string, string, Task<IActionResult>>)((services, r, _, _, _) =>
                ActivatorUtilities.CreateInstance<EventFunctions>(services).EventKeys(r))),
        new("self-service page without a session: refusal page", "GET", "/scim/portal/{tenant}", null, false, Portal((f, r, t) => f.Page(r, t))),
        new("forged self-service link: refusal page", "GET", "/scim/portal/{tenant}/open/Zm9yZ2Vk.c2lnbmF0dXJl", null, false,
            Portal((f, r, t) => f.Open(r, t, "Zm9yZ2Vk.c2lnbmF0dXJl"))),
        new("self-service page's stylesheet", "GET", "/scim/portal-assets/portal.css", null, false, Portal((f, r, _) => Task.FromResult(f.Asset(r, "portal.css")))),
        new("events poll: 403 for the Secret Token", "POST", "Events/poll", """{"returnImmediately":true}""", true,
            (Func<IServiceProvider, HttpRequest, string, string, string, Task<IActionResult>>)((services, r, t, _, _) =>
                ActivatorUtilities.CreateInstance<EventFunctions>(services).EventsPoll(r, t))),
    };

    /// <summary>A self-service page route's function (tenant from the route).</summary>
    static Func<IServiceProvider, HttpRequest, string, string, string, Task<IActionResult>> Portal(Func<PortalFunctions, HttpRequest, string, Task<IActionResult>> function) =>
        (services, r, t, _, _) => function(ActivatorUtilities.CreateInstance<PortalFunctions>(services), r, t);

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Function_answers_as_the_local_host(Call call)
    {
        var path = call.Path.StartsWith('/') ? call.Path.Replace("{tenant}", _tenant.Tenant.Value) : _tenant.Path(call.Path.Replace("{user}", _user).Replace("{group}", _group));
        var local = await SendToLocalHostAsync(call, path);
        var function = await InvokeFunctionAsync(call, path);

        Assert.Equal(local.Status, function.Status);
        Assert.Equal(local.Headers, function.Headers);
        Assert.Equal(local.Body, function.Body);
        // The comparison is only as good as what was compared: every call has a status and the SCIM ones a body.
        Assert.NotEmpty(local.Body);
        Assert.Contains(local.Headers, h => h.Key == "content-type");
    }

    sealed record Answer(int Status, SortedDictionary<string, string> Headers, string Body);

    async Task<Answer> SendToLocalHostAsync(Call call, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(call.Method), new Uri(_local.Origin, path));
        if (call.Authenticated) request.Headers.Authorization = new("Bearer", _tenant.Token);
        if (call.Body is not null) request.Content = new StringContent(call.Body, Encoding.UTF8, "application/scim+json");
        using var client = new HttpClient();
        using var response = await client.SendAsync(request);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated))
            if (!ServerHeaders.Contains(name)) headers[name.ToLowerInvariant()] = values.ToString();
        return new((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Calls the function method the way the worker's ASP.NET Core integration does: an HttpContext for the
    /// request (services from the app's container, in a request scope), then the returned IActionResult executed
    /// against it.</summary>
    async Task<Answer> InvokeFunctionAsync(Call call, string path)
    {
        await using var scope = _functions.Services.CreateAsyncScope();
        var uri = new Uri(_local.Origin, path);
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Method = call.Method;
        http.Request.Scheme = uri.Scheme;
        http.Request.Host = new HostString(uri.Host, uri.Port);
        http.Request.Path = PathString.FromUriComponent(uri);
        http.Request.QueryString = QueryString.FromUriComponent(uri);
        http.Connection.RemoteIpAddress = IPAddress.Loopback;
        if (call.Authenticated) http.Request.Headers.Authorization = "Bearer " + _tenant.Token;
        if (call.Body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(call.Body);
            http.Request.Body = new MemoryStream(bytes);
            http.Request.ContentType = "application/scim+json; charset=utf-8";
            http.Request.ContentLength = bytes.Length;
        }
        var body = new MemoryStream();
        http.Response.Body = body;

        var result = await call.Invoke(scope.ServiceProvider, http.Request, _tenant.Tenant, _user, _group);
        await result.ExecuteResultAsync(new ActionContext(http, new RouteData(), new ActionDescriptor()));
        await http.Response.CompleteAsync();

        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in http.Response.Headers)
            if (!ServerHeaders.Contains(name)) headers[name.ToLowerInvariant()] = values.ToString();
        return new(http.Response.StatusCode, headers, Encoding.UTF8.GetString(body.ToArray()));
    }
}
