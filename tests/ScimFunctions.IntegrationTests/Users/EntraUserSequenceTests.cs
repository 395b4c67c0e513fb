namespace ScimFunctions.IntegrationTests.Users;

/// <summary>Microsoft Entra ID's documented request sequence for users, as it sends it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class EntraUserSequenceTests(AzuriteFixture azurite) : TenantTestBase(azurite)
{
    const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

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

    [Fact]
    public async Task Full_user_lifecycle_as_Entra_sends_it()
    {
        // Test Connection: a random GUID as the matching value, no SCIM headers, expects 200 and an empty list.
        var probe = await Client.Http.GetAsync(Client.Path($"Users?filter=userName+eq+%22{Guid.NewGuid()}%22"));
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.Equal(0, (await probe.ReadJsonAsync()).GetInt32("totalResults"));

        // Query before create, by userName then externalId.
        var externalId = Guid.NewGuid().ToString();
        var userName = $"Test_User_{Guid.NewGuid():N}@contoso.com";
        Assert.Equal(0, await Client.TotalResultsAsync($"Users?filter=userName eq \"{userName}\""));
        Assert.Equal(0, await Client.TotalResultsAsync($"Users?filter=externalId eq \"{externalId}\""));

        // Create.
        var created = await Client.PostAsync("Users", EntraUser(userName, externalId));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var user = await created.ReadJsonAsync();
        var id = user.Id();
        Assert.Equal($"{Client.BaseUrl}/Users/{id}", created.Headers.Location!.ToString());
        Assert.Equal(user["meta"]!.GetString("version"), created.Headers.ETag!.ToString());
        Assert.Equal(userName, user.GetString("userName"));
        Assert.Equal("55555555555", user.GetArray("phoneNumbers")[0]!.GetString("value"));
        Assert.Equal("User", user["meta"]!.GetString("resourceType"));
        Assert.Equal($"{Client.BaseUrl}/Users/{id}", user["meta"]!.GetString("location"));
        Assert.Equal("701984", user[Enterprise]!.GetString("employeeNumber"));

        // Duplicate create → 409 uniqueness (userName is case-insensitive).
        var duplicate = await Client.PostAsync("Users", EntraUser(userName.ToUpperInvariant(), Guid.NewGuid().ToString()));
        await duplicate.AssertScimErrorAsync(409, "uniqueness");

        // Query finds it now: by userName (any case), externalId, and work email.
        foreach (var filter in new[]
        {
            $"userName eq \"{userName.ToLowerInvariant()}\"",
            $"externalId eq \"{externalId}\"",
            $"emails[type eq \"work\"].value eq \"{userName}\"",
        })
        {
            var list = await Client.GetJsonAsync("Users?filter=" + Uri.EscapeDataString(filter));
            Assert.Equal(1, list.GetInt32("totalResults"));
            Assert.Equal(id, list.GetArray("Resources")[0]!.Id());
        }

        // Get, and get missing → 404 SCIM error.
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"Users/{id}")).StatusCode);
        await Client.GetAsync($"Users/{Guid.NewGuid()}").AssertScimErrorAsync(404);
        await Client.GetAsync("Users/not-a-guid").AssertScimErrorAsync(404);

        // Replace single-valued and multi-valued attributes.
        var patched = await Client.PatchAsync($"Users/{id}", Patch(
            Op("Replace", "displayName", JsonValue.Create("Renamed")),
            Op("Replace", "emails[type eq \"work\"].value", JsonValue.Create("renamed@contoso.com")),
            Op("Add", "phoneNumbers[type eq \"mobile\"].value", JsonValue.Create("+1 555 0100")),
            Op("Replace", null, new JsonObject { ["name.givenName"] = "Given", [$"{Enterprise}:department"] = "Marketing" })));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var afterPatch = await patched.ReadJsonAsync();
        Assert.Equal("Renamed", afterPatch.GetString("displayName"));
        Assert.Equal("renamed@contoso.com", afterPatch.GetArray("emails")[0]!.GetString("value"));
        Assert.Contains(afterPatch.GetArray("phoneNumbers"), p => p!.GetString("type") == "mobile" && p!.GetString("value") == "+1 555 0100");
        Assert.Equal("Given", afterPatch["name"]!.GetString("givenName"));
        Assert.Equal("Marketing", afterPatch[Enterprise]!.GetString("department"));
        // The email index moved with the value.
        Assert.Equal(1, await Client.TotalResultsAsync("Users?filter=" + Uri.EscapeDataString("emails[type eq \"work\"].value eq \"renamed@contoso.com\"")));
        Assert.Equal(0, await Client.TotalResultsAsync("Users?filter=" + Uri.EscapeDataString($"emails[type eq \"work\"].value eq \"{userName}\"")));

        // Disable with a boolean, enable, disable with the string "False".
        var disabled = await Client.PatchJsonAsync($"Users/{id}", Patch(Op("Replace", "active", JsonValue.Create(false))));
        Assert.False(disabled.GetBoolean("active"));
        await Client.PatchAsync($"Users/{id}", Patch(Op("Add", "active", JsonValue.Create("True"))));
        var disabledAgain = await Client.PatchJsonAsync($"Users/{id}", Patch(Op("Replace", "active", JsonValue.Create("False"))));
        Assert.False(disabledAgain.GetBoolean("active"));
        // A disabled user is still returned by GET and by filters.
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"Users/{id}")).StatusCode);
        Assert.Equal(1, await Client.TotalResultsAsync($"Users?filter=userName eq \"{userName}\""));

        // Manager: set as a bare id, check with Entra's reference query, remove.
        var manager = await Client.CreateUserAsync($"manager_{Guid.NewGuid():N}@contoso.com");
        var managerId = manager.Id();
        var withManager = await Client.PatchJsonAsync($"Users/{id}", Patch(Op("Add", $"{Enterprise}:manager", JsonValue.Create(managerId))));
        Assert.Equal(managerId, withManager[Enterprise]!["manager"]!.GetString("value"));
        Assert.Equal($"{Client.BaseUrl}/Users/{managerId}", withManager[Enterprise]!["manager"]!.GetString("$ref"));
        var check = await Client.GetJsonAsync("Users?attributes=id&filter=" + Uri.EscapeDataString($"id eq \"{id}\" and manager eq \"{managerId}\""));
        Assert.Equal(1, check.GetInt32("totalResults"));
        Assert.Equal(new[] { "id", "schemas" }, check.GetArray("Resources")[0]!.AsObject().Select(p => p.Key).Order());
        await Client.PatchAsync($"Users/{id}", Patch(Op("Remove", $"{Enterprise}:manager[value eq \"{managerId}\"]", null)));
        var noManager = await Client.GetJsonAsync("Users?attributes=id&filter=" + Uri.EscapeDataString($"id eq \"{id}\" and manager eq \"{managerId}\""));
        Assert.Equal(0, noManager.GetInt32("totalResults"));

        // Delete, then get → 404; the userName is free again.
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"Users/{id}")).StatusCode);
        await Client.GetAsync($"Users/{id}").AssertScimErrorAsync(404);
        await Client.DeleteAsync($"Users/{id}").AssertScimErrorAsync(404);
        Assert.Equal(0, await Client.TotalResultsAsync($"Users?filter=userName eq \"{userName}\""));
        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsync("Users", EntraUser(userName, externalId))).StatusCode);
    }

    [Fact]
    public async Task Manager_in_every_shape_is_stored_as_an_object()
    {
        var manager = (await Client.CreateUserAsync($"m_{Guid.NewGuid():N}@contoso.com")).Id();
        var id = (await Client.CreateUserAsync($"u_{Guid.NewGuid():N}@contoso.com")).Id();
        foreach (var (path, value) in new (string, JsonNode)[]
        {
            ("manager", JsonValue.Create(manager)),
            ($"{Enterprise}:manager", new JsonObject { ["value"] = manager }),
            ($"{Enterprise}:manager", new JsonArray(new JsonObject { ["value"] = manager })),
        })
        {
            var user = await Client.PatchJsonAsync($"Users/{id}", Patch(Op("replace", path, value)));
            Assert.Equal(manager, user[Enterprise]!["manager"]!.GetString("value"));
        }
    }

    [Fact]
    public async Task Etags_give_412_when_stale_and_304_when_unchanged()
    {
        var user = await Client.CreateUserAsync($"etag_{Guid.NewGuid():N}@contoso.com");
        var id = user.Id();
        var version = user["meta"]!.GetString("version");

        var notModified = await Client.SendAsync(HttpMethod.Get, $"Users/{id}", configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", version));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        var ok = await Client.SendAsync(HttpMethod.Patch, $"Users/{id}", Patch(Op("replace", "title", JsonValue.Create("A"))),
            configure: r => r.Headers.TryAddWithoutValidation("If-Match", version));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.NotEqual(version, ok.Headers.ETag!.ToString());

        var stale = await Client.SendAsync(HttpMethod.Patch, $"Users/{id}", Patch(Op("replace", "title", JsonValue.Create("B"))),
            configure: r => r.Headers.TryAddWithoutValidation("If-Match", version));
        await stale.AssertScimErrorAsync(412);
        var staleDelete = await Client.SendAsync(HttpMethod.Delete, $"Users/{id}", configure: r => r.Headers.TryAddWithoutValidation("If-Match", version));
        await staleDelete.AssertScimErrorAsync(412);
        Assert.Equal("A", (await Client.GetJsonAsync($"Users/{id}")).GetString("title"));
    }

    [Fact]
    public async Task Invalid_patches_are_scim_errors_and_change_nothing()
    {
        var user = await Client.CreateUserAsync($"bad_{Guid.NewGuid():N}@contoso.com", new JsonObject { ["title"] = "Keep" });
        var id = user.Id();
        await Client.PatchAsync($"Users/{id}", Patch(Op("replace", "title", JsonValue.Create("Changed")), Op("replace", "active", JsonValue.Create("maybe"))))
            .AssertScimErrorAsync(400, "invalidValue");
        await Client.PatchAsync($"Users/{id}", Patch(Op("replace", "id", JsonValue.Create("x")))).AssertScimErrorAsync(400, "mutability");
        await Client.PatchAsync($"Users/{id}", Patch(Op("replace", "emails[type eq", JsonValue.Create("x")))).AssertScimErrorAsync(400, "invalidPath");
        await Client.PatchAsync($"Users/{id}", Patch(Op("remove", null, null))).AssertScimErrorAsync(400, "noTarget");
        await Client.PatchAsync($"Users/{id}", Patch(Op("jump", "title", JsonValue.Create("x")))).AssertScimErrorAsync(400);
        Assert.Equal("Keep", (await Client.GetJsonAsync($"Users/{id}")).GetString("title"));
    }

    [Fact]
    public async Task Password_is_never_returned_and_projection_applies_to_writes()
    {
        var response = await Client.SendAsync(HttpMethod.Post, "Users?attributes=userName", new JsonObject
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
        var full = await Client.GetJsonAsync($"Users/{json["id"]}?excludedAttributes=title,emails");
        Assert.Null(full["title"]);
        Assert.Null(full["password"]);
        Assert.NotNull(full["meta"]);
    }
}
