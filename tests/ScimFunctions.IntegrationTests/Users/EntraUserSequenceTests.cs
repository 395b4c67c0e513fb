using System.Net;
using System.Text.Json.Nodes;

namespace ScimFunctions.IntegrationTests.Users;

/// <summary>Microsoft Entra ID's documented request sequence for users, as it sends it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class EntraUserSequenceTests(AzuriteFixture azurite) : IAsyncLifetime
{
    const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    ScimHost _host = null!;
    TenantClient _entra = null!;

    public async Task InitializeAsync()
    {
        _host = await ScimHost.StartAsync(azurite);
        _entra = await _host.CreateTenantAsync();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    static JsonObject EntraUser(string userName, string externalId) => JsonNode.Parse($$"""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "{{Enterprise}}"],
          "externalId": "{{externalId}}",
          "userName": "{{userName}}",
          "active": true,
          "addresses": [{ "primary": true, "type": "work", "postalCode": "98052", "locality": "Redmond" }],
          "displayName": "Test User",
          "emails": [{ "primary": true, "type": "work", "value": "{{userName}}" }],
          "meta": { "resourceType": "User" },
          "name": { "familyName": "User", "givenName": "Test" },
          "phoneNumbers": [{ "type": "work", "value": "55555555555" }],
          "title": "Engineer",
          "{{Enterprise}}": { "department": "Sales", "employeeNumber": "701984" }
        }
        """)!.AsObject();

    static JsonObject Patch(params JsonObject[] operations) => new()
    {
        ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:PatchOp"),
        ["Operations"] = new JsonArray([.. operations]),
    };

    static JsonObject Op(string op, string? path, JsonNode? value)
    {
        var o = new JsonObject { ["op"] = op };
        if (path is not null) o["path"] = path;
        if (value is not null) o["value"] = value;
        return o;
    }

    [Fact]
    public async Task Full_user_lifecycle_as_Entra_sends_it()
    {
        // Test Connection: a random GUID as the matching value, no SCIM headers, expects 200 and an empty list.
        var probe = await _entra.Http.GetAsync(_entra.Path($"Users?filter=userName+eq+%22{Guid.NewGuid()}%22"));
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.Equal(0, (await probe.ReadJsonAsync())["totalResults"]!.GetValue<int>());

        // Query before create, by userName then externalId.
        var externalId = Guid.NewGuid().ToString();
        var userName = $"Test_User_{Guid.NewGuid():N}@contoso.com";
        Assert.Equal(0, (await (await _entra.GetAsync($"Users?filter=userName eq \"{userName}\"")).ReadJsonAsync())["totalResults"]!.GetValue<int>());
        Assert.Equal(0, (await (await _entra.GetAsync($"Users?filter=externalId eq \"{externalId}\"")).ReadJsonAsync())["totalResults"]!.GetValue<int>());

        // Create.
        var created = await _entra.PostAsync("Users", EntraUser(userName, externalId));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var user = await created.ReadJsonAsync();
        var id = user["id"]!.GetValue<string>();
        Assert.Equal($"{_entra.BaseUrl}/Users/{id}", created.Headers.Location!.ToString());
        Assert.Equal(user["meta"]!["version"]!.GetValue<string>(), created.Headers.ETag!.ToString());
        Assert.Equal(userName, user["userName"]!.GetValue<string>());
        Assert.Equal("55555555555", user["phoneNumbers"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("User", user["meta"]!["resourceType"]!.GetValue<string>());
        Assert.Equal($"{_entra.BaseUrl}/Users/{id}", user["meta"]!["location"]!.GetValue<string>());
        Assert.Equal("701984", user[Enterprise]!["employeeNumber"]!.GetValue<string>());

        // Duplicate create → 409 uniqueness (userName is case-insensitive).
        var duplicate = await _entra.PostAsync("Users", EntraUser(userName.ToUpperInvariant(), Guid.NewGuid().ToString()));
        await duplicate.AssertScimErrorAsync(409, "uniqueness");

        // Query finds it now: by userName (any case), externalId, and work email.
        foreach (var filter in new[]
        {
            $"userName eq \"{userName.ToLowerInvariant()}\"",
            $"externalId eq \"{externalId}\"",
            $"emails[type eq \"work\"].value eq \"{userName}\"",
        })
        {
            var list = await (await _entra.GetAsync("Users?filter=" + Uri.EscapeDataString(filter))).ReadJsonAsync();
            Assert.Equal(1, list["totalResults"]!.GetValue<int>());
            Assert.Equal(id, list["Resources"]![0]!["id"]!.GetValue<string>());
        }

        // Get, and get missing → 404 SCIM error.
        Assert.Equal(HttpStatusCode.OK, (await _entra.GetAsync($"Users/{id}")).StatusCode);
        await (await _entra.GetAsync($"Users/{Guid.NewGuid()}")).AssertScimErrorAsync(404);
        await (await _entra.GetAsync("Users/not-a-guid")).AssertScimErrorAsync(404);

        // Replace single-valued and multi-valued attributes.
        var patched = await _entra.PatchAsync($"Users/{id}", Patch(
            Op("Replace", "displayName", JsonValue.Create("Renamed")),
            Op("Replace", "emails[type eq \"work\"].value", JsonValue.Create("renamed@contoso.com")),
            Op("Add", "phoneNumbers[type eq \"mobile\"].value", JsonValue.Create("+1 555 0100")),
            Op("Replace", null, new JsonObject { ["name.givenName"] = "Given", [$"{Enterprise}:department"] = "Marketing" })));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var afterPatch = await patched.ReadJsonAsync();
        Assert.Equal("Renamed", afterPatch["displayName"]!.GetValue<string>());
        Assert.Equal("renamed@contoso.com", afterPatch["emails"]![0]!["value"]!.GetValue<string>());
        Assert.Contains(afterPatch["phoneNumbers"]!.AsArray(), p => p!["type"]!.GetValue<string>() == "mobile" && p["value"]!.GetValue<string>() == "+1 555 0100");
        Assert.Equal("Given", afterPatch["name"]!["givenName"]!.GetValue<string>());
        Assert.Equal("Marketing", afterPatch[Enterprise]!["department"]!.GetValue<string>());
        // The email index moved with the value.
        Assert.Equal(1, (await (await _entra.GetAsync("Users?filter=" + Uri.EscapeDataString("emails[type eq \"work\"].value eq \"renamed@contoso.com\""))).ReadJsonAsync())["totalResults"]!.GetValue<int>());
        Assert.Equal(0, (await (await _entra.GetAsync("Users?filter=" + Uri.EscapeDataString($"emails[type eq \"work\"].value eq \"{userName}\""))).ReadJsonAsync())["totalResults"]!.GetValue<int>());

        // Disable with a boolean, enable, disable with the string "False".
        var disabled = await (await _entra.PatchAsync($"Users/{id}", Patch(Op("Replace", "active", JsonValue.Create(false))))).ReadJsonAsync();
        Assert.False(disabled["active"]!.GetValue<bool>());
        await _entra.PatchAsync($"Users/{id}", Patch(Op("Add", "active", JsonValue.Create("True"))));
        var disabledAgain = await (await _entra.PatchAsync($"Users/{id}", Patch(Op("Replace", "active", JsonValue.Create("False"))))).ReadJsonAsync();
        Assert.False(disabledAgain["active"]!.GetValue<bool>());
        // A disabled user is still returned by GET and by filters.
        Assert.Equal(HttpStatusCode.OK, (await _entra.GetAsync($"Users/{id}")).StatusCode);
        Assert.Equal(1, (await (await _entra.GetAsync($"Users?filter=userName eq \"{userName}\"")).ReadJsonAsync())["totalResults"]!.GetValue<int>());

        // Manager: set as a bare id, check with Entra's reference query, remove.
        var manager = await _entra.CreateUserAsync($"manager_{Guid.NewGuid():N}@contoso.com");
        var managerId = manager["id"]!.GetValue<string>();
        var withManager = await (await _entra.PatchAsync($"Users/{id}", Patch(Op("Add", $"{Enterprise}:manager", JsonValue.Create(managerId))))).ReadJsonAsync();
        Assert.Equal(managerId, withManager[Enterprise]!["manager"]!["value"]!.GetValue<string>());
        Assert.Equal($"{_entra.BaseUrl}/Users/{managerId}", withManager[Enterprise]!["manager"]!["$ref"]!.GetValue<string>());
        var check = await (await _entra.GetAsync("Users?attributes=id&filter=" + Uri.EscapeDataString($"id eq \"{id}\" and manager eq \"{managerId}\""))).ReadJsonAsync();
        Assert.Equal(1, check["totalResults"]!.GetValue<int>());
        Assert.Equal(new[] { "id", "schemas" }, check["Resources"]![0]!.AsObject().Select(p => p.Key).Order());
        await _entra.PatchAsync($"Users/{id}", Patch(Op("Remove", $"{Enterprise}:manager[value eq \"{managerId}\"]", null)));
        var noManager = await (await _entra.GetAsync("Users?attributes=id&filter=" + Uri.EscapeDataString($"id eq \"{id}\" and manager eq \"{managerId}\""))).ReadJsonAsync();
        Assert.Equal(0, noManager["totalResults"]!.GetValue<int>());

        // Delete, then get → 404; the userName is free again.
        Assert.Equal(HttpStatusCode.NoContent, (await _entra.DeleteAsync($"Users/{id}")).StatusCode);
        await (await _entra.GetAsync($"Users/{id}")).AssertScimErrorAsync(404);
        await (await _entra.DeleteAsync($"Users/{id}")).AssertScimErrorAsync(404);
        Assert.Equal(0, (await (await _entra.GetAsync($"Users?filter=userName eq \"{userName}\"")).ReadJsonAsync())["totalResults"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Created, (await _entra.PostAsync("Users", EntraUser(userName, externalId))).StatusCode);
    }

    [Fact]
    public async Task Manager_in_every_shape_is_stored_as_an_object()
    {
        var manager = (await _entra.CreateUserAsync($"m_{Guid.NewGuid():N}@contoso.com"))["id"]!.GetValue<string>();
        var id = (await _entra.CreateUserAsync($"u_{Guid.NewGuid():N}@contoso.com"))["id"]!.GetValue<string>();
        foreach (var (path, value) in new (string, JsonNode)[]
        {
            ("manager", JsonValue.Create(manager)),
            ($"{Enterprise}:manager", new JsonObject { ["value"] = manager }),
            ($"{Enterprise}:manager", new JsonArray(new JsonObject { ["value"] = manager })),
        })
        {
            var user = await (await _entra.PatchAsync($"Users/{id}", Patch(Op("replace", path, value)))).ReadJsonAsync();
            Assert.Equal(manager, user[Enterprise]!["manager"]!["value"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Etags_give_412_when_stale_and_304_when_unchanged()
    {
        var user = await _entra.CreateUserAsync($"etag_{Guid.NewGuid():N}@contoso.com");
        var id = user["id"]!.GetValue<string>();
        var version = user["meta"]!["version"]!.GetValue<string>();

        var notModified = await _entra.SendAsync(HttpMethod.Get, $"Users/{id}", configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", version));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        var ok = await _entra.SendAsync(HttpMethod.Patch, $"Users/{id}", Patch(Op("replace", "title", JsonValue.Create("A"))),
            configure: r => r.Headers.TryAddWithoutValidation("If-Match", version));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.NotEqual(version, ok.Headers.ETag!.ToString());

        var stale = await _entra.SendAsync(HttpMethod.Patch, $"Users/{id}", Patch(Op("replace", "title", JsonValue.Create("B"))),
            configure: r => r.Headers.TryAddWithoutValidation("If-Match", version));
        await stale.AssertScimErrorAsync(412);
        var staleDelete = await _entra.SendAsync(HttpMethod.Delete, $"Users/{id}", configure: r => r.Headers.TryAddWithoutValidation("If-Match", version));
        await staleDelete.AssertScimErrorAsync(412);
        Assert.Equal("A", (await (await _entra.GetAsync($"Users/{id}")).ReadJsonAsync())["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Invalid_patches_are_scim_errors_and_change_nothing()
    {
        var user = await _entra.CreateUserAsync($"bad_{Guid.NewGuid():N}@contoso.com", new JsonObject { ["title"] = "Keep" });
        var id = user["id"]!.GetValue<string>();
        await (await _entra.PatchAsync($"Users/{id}", Patch(Op("replace", "title", JsonValue.Create("Changed")), Op("replace", "active", JsonValue.Create("maybe")))))
            .AssertScimErrorAsync(400, "invalidValue");
        await (await _entra.PatchAsync($"Users/{id}", Patch(Op("replace", "id", JsonValue.Create("x"))))).AssertScimErrorAsync(400, "mutability");
        await (await _entra.PatchAsync($"Users/{id}", Patch(Op("replace", "emails[type eq", JsonValue.Create("x"))))).AssertScimErrorAsync(400, "invalidPath");
        await (await _entra.PatchAsync($"Users/{id}", Patch(Op("remove", null, null)))).AssertScimErrorAsync(400, "noTarget");
        await (await _entra.PatchAsync($"Users/{id}", Patch(Op("jump", "title", JsonValue.Create("x"))))).AssertScimErrorAsync(400);
        Assert.Equal("Keep", (await (await _entra.GetAsync($"Users/{id}")).ReadJsonAsync())["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Password_is_never_returned_and_projection_applies_to_writes()
    {
        var response = await _entra.SendAsync(HttpMethod.Post, "Users?attributes=userName", new JsonObject
        {
            ["userName"] = $"pw_{Guid.NewGuid():N}@contoso.com",
            ["password"] = "P@ssw0rd!",
            ["title"] = "Hidden by projection",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("P@ssw0rd", body);
        var json = JsonNode.Parse(body)!.AsObject();
        Assert.Null(json["title"]);
        Assert.NotNull(json["userName"]);
        Assert.NotNull(json["id"]);
        var full = await (await _entra.GetAsync($"Users/{json["id"]}?excludedAttributes=title,emails")).ReadJsonAsync();
        Assert.Null(full["title"]);
        Assert.Null(full["password"]);
        Assert.NotNull(full["meta"]);
    }
}
