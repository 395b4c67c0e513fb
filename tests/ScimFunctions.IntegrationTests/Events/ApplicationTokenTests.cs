using System.Net;
using System.Text.Json.Nodes;
using ScimFunctions.Admin;
using ScimFunctions.Events;
using ScimFunctions.Storage.Tokens;

namespace ScimFunctions.IntegrationTests.Events;

/// <summary>The application's own credential over real HTTP on the local host: the application token issued by the
/// CLI reads (GET, filters, .search, discovery) and polls the tenant's events as RFC 9967 SETs (RFC 8936), and is
/// refused with a SCIM 403 on every write; the Secret Token may not poll. One host for the class's tests.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ApplicationTokenTests(AzuriteFixture azurite) : IAsyncLifetime
{
    readonly string _prefix = "eva" + Guid.NewGuid().ToString("N")[..8];
    ScimHost _host = null!;

    public async Task InitializeAsync() => _host = await ScimHost.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["Storage:TablePrefix"] = _prefix,
        ["Events:SettleSeconds"] = "0",
        ["Events:SweepSeconds"] = "0.1",
        ["Events:LongPollSeconds"] = "30",
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>The tenant's identity-provider client (Secret Token) and its application's client (application token
    /// issued with `scim-admin token issue --application`).</summary>
    async Task<(TenantClient Provider, TenantClient Application)> TenantAsync()
    {
        var provider = await _host.CreateTenantAsync();
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AdminCli.RunAsync(["token", "issue", provider.Tenant.Value, "--application", "--json",
            "--connection-string", azurite.ConnectionString, "--table-prefix", _prefix, "--base-url", _host.Origin.ToString()], output, error);
        Assert.True(exit == 0, $"exit {exit}: {error}");
        var issued = JsonNode.Parse(output.ToString())!;
        Assert.Equal("Application", issued["kind"]!.GetValue<string>());
        return (provider, new TenantClient(provider.Access with { Token = issued["secretToken"]!.GetValue<string>() }));
    }

    static JsonObject User(string userName) => new() { ["schemas"] = new JsonArray(ScimUrns.User), ["userName"] = userName, ["active"] = true };

    static JsonObject Group(string name) => new() { ["schemas"] = new JsonArray(ScimUrns.Group), ["displayName"] = name };

    [Fact]
    public async Task The_application_token_reads_and_is_refused_on_every_write()
    {
        var (provider, app) = await TenantAsync();
        var user = await provider.CreateUserAsync("reader@contoso.test");
        var userId = user.GetString("id");
        var group = await provider.PostJsonAsync("Groups", Group("Readers"));
        var groupId = group.GetString("id");

        foreach (var read in new[] { $"Users/{userId}", "Users?filter=userName eq \"reader@contoso.test\"", $"Groups/{groupId}", "Groups", "ServiceProviderConfig", "Schemas", "ResourceTypes" })
        {
            var response = await app.GetAsync(read);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {read}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        Assert.Equal(1, await app.TotalResultsAsync("Users?filter=userName eq \"reader@contoso.test\""));
        var search = new JsonObject { ["schemas"] = new JsonArray(ScimUrns.SearchRequest), ["filter"] = "userName eq \"reader@contoso.test\"" };
        Assert.Equal(1, (await app.PostJsonAsync("Users/.search", search)).GetInt32("totalResults"));

        var writes = new (HttpMethod Method, string Path, JsonNode? Body)[]
        {
            (HttpMethod.Post, "Users", User("intruder@contoso.test")),
            (HttpMethod.Put, $"Users/{userId}", User("renamed@contoso.test")),
            (HttpMethod.Patch, $"Users/{userId}", Patch(Op("replace", "active", false))),
            (HttpMethod.Delete, $"Users/{userId}", null),
            (HttpMethod.Post, "Groups", Group("Intruders")),
            (HttpMethod.Put, $"Groups/{groupId}", Group("Renamed")),
            (HttpMethod.Patch, $"Groups/{groupId}", Patch(Op("replace", "displayName", "Renamed"))),
            (HttpMethod.Delete, $"Groups/{groupId}", null),
            // Bulk and any route added later run through the same check: a POST that is not a query is a write.
            (HttpMethod.Post, "Bulk", new JsonObject { ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:BulkRequest"), ["Operations"] = new JsonArray() }),
        };
        foreach (var (method, path, body) in writes)
        {
            var error = await app.SendAsync(method, path, body).AssertScimErrorAsync(403);
            Assert.Contains("Secret Token", error.GetString("detail"), StringComparison.Ordinal);
        }

        // Nothing changed: same version, same name, nothing added.
        Assert.Equal(user["meta"]!["version"]!.ToString(), (await provider.GetJsonAsync($"Users/{userId}"))["meta"]!["version"]!.ToString());
        Assert.Equal(1, await provider.TotalResultsAsync("Users"));
        Assert.Equal("Readers", (await provider.GetJsonAsync($"Groups/{groupId}")).GetString("displayName"));
        Assert.Equal(1, await provider.TotalResultsAsync("Groups"));

        // The Secret Token keeps every right but the poll, which acknowledges events: the application's to do.
        await provider.SendAsync(HttpMethod.Post, "Events/poll", new JsonObject { ["returnImmediately"] = true }, "application/json").AssertScimErrorAsync(403);
    }

    async Task<(List<string> Jtis, List<JsonObject> Claims, bool More)> PollAsync(TenantClient app, JsonObject body)
    {
        var response = await app.SendAsync(HttpMethod.Post, "Events/poll", body, "application/json");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonNode.Parse(text)!.AsObject();
        using var http = new HttpClient();
        var jwks = JsonNode.Parse(await http.GetStringAsync(new Uri(_host.Origin, "/" + ScimRoutes.EventKeys)))!.AsObject();
        var jtis = new List<string>();
        var claims = new List<JsonObject>();
        foreach (var (jti, token) in json["sets"]!.AsObject())
        {
            var verified = await SetVerification.VerifyAsync(token!.GetValue<string>(), jwks, app.BaseUrl, SetPolling.Audience(app.BaseUrl));
            Assert.Equal(jti, verified["jti"]!.GetValue<string>());
            jtis.Add(jti);
            claims.Add(verified);
        }
        return (jtis, claims, json["moreAvailable"]!.GetValue<bool>());
    }

    static JsonObject Poll(int max, params string[] ack) =>
        new() { ["maxEvents"] = max, ["returnImmediately"] = true, ["ack"] = new JsonArray([.. ack.Select(a => (JsonNode)a)]) };

    [Fact]
    public async Task Poll_with_acks_delivers_each_event_until_acknowledged()
    {
        var (provider, app) = await TenantAsync();
        Assert.Empty((await PollAsync(app, Poll(10))).Jtis); // the first poll opens the stream
        var created = new List<string>();
        for (var i = 0; i < 3; i++) created.Add((await provider.CreateUserAsync($"polled{i}@contoso.test")).GetString("id"));

        var (first, claims, more) = await PollAsync(app, Poll(2));
        Assert.Equal(2, first.Count);
        Assert.True(more);
        Assert.Equal(created[..2].Select(id => "/Users/" + id), claims.Select(c => c["sub_id"]!["uri"]!.GetValue<string>()));
        Assert.Equal(first, (await PollAsync(app, Poll(2))).Jtis); // not acknowledged: the same SETs, the same jtis

        var (next, _, moreAfter) = await PollAsync(app, Poll(10, first[0]));
        Assert.False(moreAfter);
        Assert.Equal([first[1]], next[..1]); // the unacknowledged one first, then the one not yet sent
        Assert.Equal(2, next.Count);

        // setErrs answer a SET as well as ack does (the error is recorded for the poll stream's state).
        var errs = Poll(10, next[0]);
        errs["setErrs"] = new JsonObject { [next[1]] = new JsonObject { ["err"] = "invalid_request", ["description"] = "unknown user" } };
        Assert.Empty((await PollAsync(app, errs)).Jtis);
        Assert.Empty((await PollAsync(app, Poll(10))).Jtis);

        // A long poll waits for the next event and returns it.
        var waiting = PollAsync(app, new JsonObject { ["maxEvents"] = 10 });
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        var late = await provider.CreateUserAsync("late@contoso.test");
        var (jtis, lateClaims, _) = await waiting.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Single(jtis);
        Assert.Equal("/Users/" + late.GetString("id"), lateClaims[0]["sub_id"]!["uri"]!.GetValue<string>());
    }

    [Fact]
    public async Task PUT_and_PATCH_give_their_own_notices_with_externalId_in_sub_id_and_active_changes_add_activate_and_deactivate()
    {
        var (provider, app) = await TenantAsync();
        await PollAsync(app, Poll(0));
        var user = await provider.CreateUserAsync("lifecycle@contoso.test", new JsonObject { ["externalId"] = "ext-42" });
        var id = user.GetString("id");
        Assert.Equal(HttpStatusCode.OK, (await provider.PatchAsync($"Users/{id}", Patch(Op("replace", "title", "Engineer")))).StatusCode);
        var replaced = User("lifecycle@contoso.test");
        replaced["externalId"] = "ext-42";
        replaced["title"] = "Engineer";
        replaced["active"] = false;
        Assert.Equal(HttpStatusCode.OK, (await provider.PutAsync($"Users/{id}", replaced)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await provider.PatchAsync($"Users/{id}", Patch(Op("replace", "active", true)))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await provider.DeleteAsync($"Users/{id}")).StatusCode);

        var (_, claims, _) = await PollAsync(app, Poll(10));
        const string Prov = "urn:ietf:params:scim:event:prov:";
        Assert.Equal(
            [
                [Prov + "create:notice"],
                [Prov + "patch:notice"],
                [Prov + "put:notice", Prov + "deactivate"],
                [Prov + "patch:notice", Prov + "activate"],
                [Prov + "delete"],
            ],
            claims.Select(c => c["events"]!.AsObject().Select(e => e.Key).ToArray()));
        Assert.All(claims, c => Assert.True(JsonNode.DeepEquals(
            new JsonObject { ["format"] = "scim", ["uri"] = "/Users/" + id, ["id"] = id, ["externalId"] = "ext-42" }, c["sub_id"]), c["sub_id"]!.ToJsonString()));
        Assert.Equal(["title"], claims[1]["events"]![Prov + "patch:notice"]!["attributes"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(["active"], claims[2]["events"]![Prov + "put:notice"]!["attributes"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public async Task Malformed_polls_and_other_methods_get_SCIM_errors()
    {
        var (_, app) = await TenantAsync();
        await app.SendAsync(HttpMethod.Post, "Events/poll", new JsonObject { ["maxEvents"] = -1 }, "application/json").AssertScimErrorAsync(400, "invalidValue");
        await app.SendAsync(HttpMethod.Post, "Events/poll", new JsonArray(), "application/json").AssertScimErrorAsync(400, "invalidSyntax");
        await app.SendAsync(HttpMethod.Get, "Events/poll").AssertScimErrorAsync(405);
        using var anonymous = new HttpClient();
        var unauthenticated = await anonymous.PostAsync(new Uri(_host.Origin, app.Path("Events/poll")), new StringContent("{}"));
        await unauthenticated.AssertScimErrorAsync(401);
    }
}
