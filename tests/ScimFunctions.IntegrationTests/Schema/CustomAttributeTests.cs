using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Contract;
using ScimFunctions.Admin;
using ScimFunctions.Directory;
using ScimFunctions.IntegrationTests.Application;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Schema;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.IntegrationTests.Schema;

/// <summary>Custom attributes, per-tenant schemas and app roles over real HTTP, as Entra sends them.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class CustomAttributeTests(AzuriteFixture azurite) : IAsyncLifetime
{
    /// <summary>Entra's name for a non-gallery app's custom attributes; never listed in <c>schemas</c>.</summary>
    const string Ext = "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User";
    const string Core = "urn:ietf:params:scim:schemas:core:2.0:User";

    /// <summary>employeeId is declared unique (the matching key); costCode is not declared (kept as sent).</summary>
    static readonly string Declaration = $$"""
        { "id": "{{Ext}}", "name": "CustomExt", "attributes": [
            { "name": "employeeId", "type": "string", "uniqueness": "server", "description": "The matching key." } ] }
        """;

    ScimHost _host = null!;

    public async Task InitializeAsync() => _host = await ScimHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>A tenant whose schema is declared before its first request (the host caches settings for 30 s).</summary>
    async Task<TenantClient> TenantAsync(Func<TenantSchemaService, TenantId, Task>? declare = null)
    {
        var tenant = await _host.CreateTenantAsync();
        if (declare is not null) await declare(_host.Services.GetRequiredService<TenantSchemaService>(), tenant.Tenant);
        return tenant;
    }

    Task<TenantClient> DeclaredTenantAsync(string undeclared = "Keep") => TenantAsync(async (service, tenant) =>
    {
        await service.DeclareAsync(tenant, JsonNode.Parse(Declaration)!, null, CancellationToken.None);
        await service.SetUndeclaredAsync(tenant, Enum.Parse<UndeclaredExtensions>(undeclared), CancellationToken.None);
        await service.SetRolesAsync(tenant, [new("Admin", "Administrator"), new("Reader", "Read only"), new("Writer")], CancellationToken.None);
    });

    static string Role(string id, string value, string display) =>
        new JsonObject { ["id"] = id, ["value"] = value, ["displayName"] = display }.ToJsonString();

    static readonly string Admin = Role("8a3b0f5e-0000-4000-8000-000000000001", "Admin", "Administrator");
    static readonly string Reader = Role("8a3b0f5e-0000-4000-8000-000000000002", "Reader", "Read only");

    static JsonObject Patch(params JsonNode[] operations) => new()
    {
        ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:PatchOp"),
        ["Operations"] = new JsonArray([.. operations.Select(o => o.DeepClone())]),
    };

    static string Filter(string filter) => "filter=" + Uri.EscapeDataString(filter);

    static int StorageRequests(HttpResponseMessage response) =>
        int.Parse(response.Headers.GetValues("X-Storage-Requests").Single(), CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Entra_cycle_with_two_custom_attributes_and_AppRoleAssignmentsComplex(bool aadOptscim062020)
    {
        var entra = await DeclaredTenantAsync();
        // The Tenant URL as the admin pasted it: with or without the flag (unknown query parameters are ignored).
        string Url(string relative) => aadOptscim062020 ? relative + (relative.Contains('?') ? "&" : "?") + "aadOptscim062020" : relative;

        // Test Connection: the matching attribute with a random GUID, no SCIM headers.
        var probe = await entra.Http.GetAsync(entra.Path(Url($"Users?{Filter($"{Ext}:employeeId eq \"{Guid.NewGuid()}\"")}")));
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.Equal(0, (await probe.ReadJsonAsync())["totalResults"]!.GetValue<int>());

        // Initial cycle: query by the matching key, then create.
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var query = await entra.GetAsync(Url($"Users?{Filter($"{Ext}:employeeId eq \"E-{i}\"")}"));
            Assert.Equal(0, (await query.ReadJsonAsync())["totalResults"]!.GetValue<int>());
            var body = JsonNode.Parse($$"""
                {
                  "schemas": ["{{Core}}"],
                  "externalId": "obj-{{i}}", "userName": "user{{i}}@contoso.com", "active": true, "displayName": "User {{i}}",
                  "{{Ext}}": { "employeeId": "E-{{i}}", "costCode": "CC-{{i}}" },
                  "roles": [ { "primary": false, "type": "WindowsAzureActiveDirectoryRole", "value": {{JsonValue.Create(Admin).ToJsonString()}} } ]
                }
                """)!;
            var created = await entra.SendAsync(HttpMethod.Post, Url("Users"), body);
            var user = await created.ReadJsonAsync();
            Assert.True(created.StatusCode == HttpStatusCode.Created, user.ToJsonString());
            Assert.Equal([Core, Ext], user["schemas"]!.AsArray().Select(s => s!.GetValue<string>()));
            Assert.True(JsonNode.DeepEquals(body[Ext], user[Ext]), user.ToJsonString());
            Assert.True(JsonNode.DeepEquals(body["roles"]!.DeepClone().AsArray().Select(r => { r!["primary"] = false; return r; }).First(), user["roles"]![0]));
            ids.Add(user["id"]!.GetValue<string>());
        }

        // Next cycle: match user 0 by its custom attribute, then update the other custom attribute and swap its role.
        var matched = await (await entra.GetAsync(Url($"Users?{Filter($"{Ext}:employeeId eq \"e-0\"")}"))).ReadJsonAsync(); // case-insensitive
        Assert.Equal(ids[0], matched["Resources"]![0]!["id"]!.GetValue<string>());
        JsonNode[] operations = aadOptscim062020
            ?
            [
                new JsonObject { ["op"] = "replace", ["path"] = $"{Ext}:costCode", ["value"] = "CC-9" },
                new JsonObject { ["op"] = "add", ["path"] = "roles", ["value"] = new JsonArray(new JsonObject { ["value"] = Reader }) },
                new JsonObject { ["op"] = "remove", ["path"] = "roles", ["value"] = new JsonArray(new JsonObject { ["value"] = Admin }) },
            ]
            :
            [
                // Without the flag: capitalised ops, a path-less Replace keyed by the full URN path, a value wrapped as [{ "value" }].
                new JsonObject { ["op"] = "Replace", ["value"] = new JsonObject { [$"{Ext}:costCode"] = "CC-9" } },
                new JsonObject { ["op"] = "Add", ["path"] = $"{Ext}:employeeId", ["value"] = new JsonArray(new JsonObject { ["value"] = "E-0" }) },
                new JsonObject { ["op"] = "Add", ["path"] = "roles", ["value"] = new JsonArray(new JsonObject { ["value"] = Reader }) },
                new JsonObject { ["op"] = "Remove", ["path"] = "roles", ["value"] = new JsonArray(new JsonObject { ["value"] = Admin }) },
            ];
        var patched = await entra.SendAsync(HttpMethod.Patch, Url($"Users/{ids[0]}"), Patch(operations));
        var after = await patched.ReadJsonAsync();
        Assert.True(patched.StatusCode == HttpStatusCode.OK, after.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "employeeId": "E-0", "costCode": "CC-9" }"""), after[Ext]), after.ToJsonString());
        Assert.Equal(Reader, after["roles"]!.AsArray().Single()!["value"]!.GetValue<string>()); // as sent

        // The values round-trip exactly on a read and on the next matching query, and Entra sees nothing to change.
        var read = await (await entra.GetAsync(Url($"Users/{ids[0]}"))).ReadJsonAsync();
        Assert.True(JsonNode.DeepEquals(after, read), read.ToJsonString());
        var again = await entra.SendAsync(HttpMethod.Patch, Url($"Users/{ids[0]}"), Patch(operations));
        Assert.Equal(read["meta"]!["version"]!.GetValue<string>(), (await again.ReadJsonAsync())["meta"]!["version"]!.GetValue<string>());

        // The application reads parsed roles, in the read contract and the change feed.
        var directory = new DirectoryReader(_host.Resources());
        var appUser = (await directory.GetUserAsync(entra.Tenant, ids[0]))!;
        Assert.Equal([new DirectoryRole("8a3b0f5e-0000-4000-8000-000000000002", "Reader", "Read only")], appUser.Roles);
        Assert.Equal("CC-9", appUser.Document[Ext]!["costCode"]!.GetValue<string>());
        var events = await _host.EventsAsync(entra.Tenant);
        var created0 = events.First(e => e.Type == FeedEventTypes.UserCreated && e.UserId == ids[0]);
        Assert.Equal([new DirectoryRole("8a3b0f5e-0000-4000-8000-000000000001", "Admin", "Administrator")], created0.Roles);
        var updated0 = events.Last(e => e.Type == FeedEventTypes.UserUpdated && e.UserId == ids[0]);
        Assert.Contains("roles", updated0.Changed);
        Assert.Equal(appUser.Roles, updated0.Roles);
    }

    [Fact]
    public async Task Matching_on_a_declared_unique_custom_attribute_costs_the_same_for_10_and_5000_users()
    {
        var small = await DeclaredTenantAsync();
        var large = await DeclaredTenantAsync();
        await SeedAsync(small, 10);
        await SeedAsync(large, 5000);

        async Task<int[]> CostsAsync(TenantClient tenant)
        {
            var costs = new List<int>();
            foreach (var value in new[] { "E-7", "e-7", Guid.NewGuid().ToString() })
            {
                var response = await tenant.GetAsync($"Users?{Filter($"{Ext}:employeeId eq \"{value}\"")}");
                var list = await response.ReadJsonAsync();
                Assert.Equal(value == "E-7" || value == "e-7" ? 1 : 0, list["totalResults"]!.GetValue<int>());
                costs.Add(StorageRequests(response));
            }
            return [.. costs];
        }
        var smallCosts = await CostsAsync(small);
        var largeCosts = await CostsAsync(large);
        Assert.Equal(smallCosts, largeCosts);
        Assert.All(largeCosts, c => Assert.InRange(c, 1, 2)); // the claim row, then the user row

        // An undeclared attribute is answered by a scan (documented): it finds the user too, at a cost that grows.
        var scan = await large.GetAsync($"Users?{Filter($"{Ext}:costCode eq \"CC-7\"")}");
        Assert.Equal(1, (await scan.ReadJsonAsync())["totalResults"]!.GetValue<int>());
        Assert.True(StorageRequests(scan) > largeCosts.Max());
    }

    static readonly WriteContext Seeding = new("seed-" + Guid.NewGuid().ToString("N")[..8], "SEED Users", "test");

    /// <summary>Users written straight through the store (as the HTTP path does, with their index values).</summary>
    async Task SeedAsync(TenantClient tenant, int count)
    {
        var store = _host.Services.GetRequiredService<ResourceStore>();
        var schema = (await _host.Services.GetRequiredService<TenantSchemaService>().GetAsync(tenant.Tenant, CancellationToken.None))!;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var document = JsonNode.Parse($$"""
                { "schemas": ["{{Core}}", "{{Ext}}"], "userName": "user{{i}}@example.com", "{{Ext}}": { "employeeId": "E-{{i}}", "costCode": "CC-{{i}}" } }
                """)!.AsObject();
            await store.CreateAsync(tenant.Tenant, ResourceKind.User, document, Seeding, ct, indexed: ExtensionIndex.ValuesOf(schema.User, document));
        });
    }

    [Fact]
    public async Task Reindex_indexes_resources_written_before_the_declaration_and_reports_values_claimed_twice()
    {
        var tenant = await TenantAsync(); // nothing declared yet: the users below get no index rows
        await SeedAsync(tenant, 3);
        var store = _host.Services.GetRequiredService<ResourceStore>();
        await store.CreateAsync(tenant.Tenant, ResourceKind.User, JsonNode.Parse($$"""{ "userName": "twin", "{{Ext}}": { "employeeId": "e-1" } }""")!.AsObject(), Seeding, CancellationToken.None);
        var service = _host.Services.GetRequiredService<TenantSchemaService>();
        await service.DeclareAsync(tenant.Tenant, JsonNode.Parse(Declaration)!, null, CancellationToken.None);

        var (updated, conflicts) = (await service.ReindexAsync(tenant.Tenant, CancellationToken.None))!.Value;
        Assert.Equal(3, updated);
        Assert.Contains($"{Ext}:employeeId", Assert.Single(conflicts));
        // Again: nothing left to write; the twin stays reported until an admin resolves it.
        var again = (await service.ReindexAsync(tenant.Tenant, CancellationToken.None))!.Value;
        Assert.Equal((0, 1), (again.Updated, again.Conflicts.Count));

        // This tenant's first request comes after the declaration: the index answers.
        var response = await tenant.GetAsync($"Users?{Filter($"{Ext}:employeeId eq \"E-2\"")}");
        Assert.Equal("user2@example.com", (await response.ReadJsonAsync())["Resources"]![0]!["userName"]!.GetValue<string>());
        Assert.InRange(StorageRequests(response), 1, 2);
        Assert.Empty((await new ConsistencyChecker(_host.Resources()).CheckAsync(tenant.Tenant, CancellationToken.None)).Findings);
    }

    [Fact]
    public async Task A_declared_unique_attribute_is_enforced_in_the_write_and_freed_by_changes_and_deletes()
    {
        var tenant = await DeclaredTenantAsync();
        JsonObject With(string userName, string employeeId) => new() { [Ext] = new JsonObject { ["employeeId"] = employeeId } };
        var first = await tenant.CreateUserAsync("a@contoso.com", With("a", "E-1"));
        var conflict = await tenant.PostAsync("Users", new JsonObject { ["userName"] = "b@contoso.com", [Ext] = new JsonObject { ["employeeId"] = "e-1" } });
        var error = await conflict.AssertScimErrorAsync(409, "uniqueness");
        Assert.Contains($"{Ext}:employeeId", error["detail"]!.GetValue<string>());
        Assert.Equal(0, (await (await tenant.GetAsync($"Users?{Filter("userName eq \"b@contoso.com\"")}")).ReadJsonAsync())["totalResults"]!.GetValue<int>()); // nothing written

        // A change moves the claim in the same transaction; a delete frees it.
        var id = first["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await tenant.PatchAsync($"Users/{id}", Patch(new JsonObject { ["op"] = "replace", ["path"] = $"{Ext}:employeeId", ["value"] = "E-2" }))).StatusCode);
        var second = await tenant.CreateUserAsync("b@contoso.com", With("b", "E-1"));
        await (await tenant.PostAsync("Users", new JsonObject { ["userName"] = "c@contoso.com", [Ext] = new JsonObject { ["employeeId"] = "E-2" } })).AssertScimErrorAsync(409, "uniqueness");
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.DeleteAsync($"Users/{id}")).StatusCode);
        await tenant.CreateUserAsync("c@contoso.com", With("c", "E-2"));
        // A wrong type for a declared attribute is a 400 invalidValue.
        await (await tenant.PostAsync("Users", new JsonObject { ["userName"] = "d@contoso.com", [Ext] = new JsonObject { ["employeeId"] = new JsonObject { ["x"] = 1 } } }))
            .AssertScimErrorAsync(400, "invalidValue");
        Assert.NotNull(second["id"]);

        var report = await new ConsistencyChecker(_host.Resources()).CheckAsync(tenant.Tenant, CancellationToken.None);
        Assert.Empty(report.Findings);
    }

    [Fact]
    public async Task A_strict_tenant_rejects_an_undeclared_extension_naming_it_a_permissive_one_keeps_it_and_others_are_unaffected()
    {
        const string Other = "urn:ietf:params:scim:schemas:extension:Other:2.0:User";
        var strict = await DeclaredTenantAsync(undeclared: "Reject");
        var permissive = await DeclaredTenantAsync();
        var untouched = await TenantAsync();
        JsonObject Body() => new() { ["userName"] = "x@contoso.com", [Other] = new JsonObject { ["badge"] = "B-1" } };

        var rejected = await (await strict.PostAsync("Users", Body())).AssertScimErrorAsync(400, "invalidValue");
        Assert.Contains(Other, rejected["detail"]!.GetValue<string>());
        var user = await strict.CreateUserAsync("y@contoso.com", new JsonObject { [Ext] = new JsonObject { ["employeeId"] = "E-1" } }); // declared: fine
        var patch = await strict.PatchAsync($"Users/{user["id"]}", Patch(new JsonObject { ["op"] = "add", ["path"] = $"{Other}:badge", ["value"] = "B" }));
        Assert.Contains(Other, (await patch.AssertScimErrorAsync(400, "invalidPath"))["detail"]!.GetValue<string>());
        var filter = await strict.GetAsync($"Users?{Filter($"{Other}:badge eq \"B\"")}");
        Assert.Contains(Other, (await filter.AssertScimErrorAsync(400, "invalidFilter"))["detail"]!.GetValue<string>());

        foreach (var tenant in new[] { permissive, untouched })
        {
            var kept = await tenant.CreateUserAsync("x@contoso.com", Body());
            Assert.Contains(Other, kept["schemas"]!.AsArray().Select(s => s!.GetValue<string>()));
            var read = await (await tenant.GetAsync($"Users/{kept["id"]}")).ReadJsonAsync();
            Assert.Equal("B-1", read[Other]!["badge"]!.GetValue<string>());
            var found = await (await tenant.GetAsync($"Users?{Filter($"{Other}:badge eq \"b-1\"")}")).ReadJsonAsync();
            Assert.Equal(1, found["totalResults"]!.GetValue<int>());
        }
        // The declaration of one tenant is not another's: the untouched tenant keeps employeeId as an undeclared string of any shape.
        var loose = await untouched.CreateUserAsync("z@contoso.com", new JsonObject { [Ext] = new JsonObject { ["employeeId"] = new JsonObject { ["x"] = 1 } } });
        Assert.Equal(1, loose[Ext]!["employeeId"]!["x"]!.GetValue<int>());
        var schemas = await (await untouched.GetAsync("Schemas")).ReadJsonAsync();
        Assert.DoesNotContain(schemas["Resources"]!.AsArray(), s => s!["id"]!.GetValue<string>() == Ext);
    }

    [Fact]
    public async Task Discovery_describes_the_tenants_schema_and_roles()
    {
        var tenant = await DeclaredTenantAsync();
        var schemas = await (await tenant.GetAsync("Schemas")).ReadJsonAsync();
        Assert.Contains(schemas["Resources"]!.AsArray(), s => s!["id"]!.GetValue<string>() == Ext);
        var ext = await (await tenant.GetAsync($"Schemas/{Ext}")).ReadJsonAsync();
        var employeeId = ext["attributes"]!.AsArray().Single()!;
        Assert.Equal(("employeeId", "string", "server"), (employeeId["name"]!.GetValue<string>(), employeeId["type"]!.GetValue<string>(), employeeId["uniqueness"]!.GetValue<string>()));
        var userType = await (await tenant.GetAsync("ResourceTypes/User")).ReadJsonAsync();
        Assert.Contains(userType["schemaExtensions"]!.AsArray(), e => e!["schema"]!.GetValue<string>() == Ext);
        var config = await (await tenant.GetAsync("ServiceProviderConfig")).ReadJsonAsync();
        Assert.True(config["roles"]!["supported"]!.GetValue<bool>());

        var page = await (await tenant.GetAsync("Roles?startIndex=2&count=1")).ReadJsonAsync();
        Assert.Equal((3, 1, 2), (page["totalResults"]!.GetValue<int>(), page["itemsPerPage"]!.GetValue<int>(), page["startIndex"]!.GetValue<int>()));
        Assert.Equal("Reader", page["Resources"]![0]!["value"]!.GetValue<string>());
        var admin = await (await tenant.GetAsync("Roles/Admin")).ReadJsonAsync();
        Assert.Equal("Administrator", admin["display"]!.GetValue<string>());
        var filtered = await (await tenant.GetAsync($"Roles?{Filter("display sw \"read\"")}")).ReadJsonAsync();
        Assert.Equal("Reader", filtered["Resources"]!.AsArray().Single()!["value"]!.GetValue<string>());
        await (await tenant.GetAsync("Roles/Nope")).AssertScimErrorAsync(404);
        await (await tenant.SendAsync(HttpMethod.Post, "Roles", new JsonObject())).AssertScimErrorAsync(405);
        Assert.Equal(0, (await (await (await TenantAsync()).GetAsync("Roles")).ReadJsonAsync())["totalResults"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_admin_cli_declares_from_a_file_sets_the_mode_and_roles_and_shows_them()
    {
        var tenant = await TenantAsync();
        var directory = System.IO.Directory.CreateTempSubdirectory("scim-schema-");
        try
        {
            var schemaFile = Path.Combine(directory.FullName, "ext.json");
            await File.WriteAllTextAsync(schemaFile, Declaration);
            var rolesFile = Path.Combine(directory.FullName, "roles.json");
            await File.WriteAllTextAsync(rolesFile, """[ { "value": "Admin", "display": "Administrator" } ]""");
            var badFile = Path.Combine(directory.FullName, "bad.json");
            await File.WriteAllTextAsync(badFile, """{ "id": "urn:x:Thing", "attributes": [] }""");

            Assert.Equal(0, (await RunAsync("schema", "declare", tenant.Tenant, schemaFile)).Exit);
            Assert.Equal(0, (await RunAsync("schema", "undeclared", tenant.Tenant, "Reject")).Exit);
            Assert.Equal(0, (await RunAsync("schema", "roles", tenant.Tenant, rolesFile)).Exit);
            var bad = await RunAsync("schema", "declare", tenant.Tenant, badFile);
            Assert.Equal(1, bad.Exit);
            // Refused through the admin core's AdminException: one line on stderr, nothing on stdout.
            Assert.Contains("User or Group", bad.Err);
            Assert.Single(bad.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("error: ", bad.Err);
            Assert.Equal("", bad.Out);
            Assert.Equal(1, (await RunAsync("schema", "show", "no-such-tenant")).Exit);

            var shown = await RunAsync("schema", "show", tenant.Tenant, "--json");
            var declaration = JsonNode.Parse(shown.Out)!.AsObject();
            Assert.Equal("reject", declaration["undeclaredExtensions"]!.GetValue<string>());
            Assert.Equal(Ext, declaration["extensions"]![0]!["schema"]!["id"]!.GetValue<string>());
            Assert.Equal("Admin", declaration["roles"]![0]!["value"]!.GetValue<string>());
            // And the endpoint follows it (this tenant's first request comes after the declaration).
            await (await tenant.PostAsync("Users", new JsonObject { ["userName"] = "u", ["urn:ietf:params:scim:schemas:extension:Other:2.0:User"] = new JsonObject { ["x"] = "1" } }))
                .AssertScimErrorAsync(400, "invalidValue");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var prefix = _host.Services.GetRequiredService<ScimFunctions.Storage.StorageOptions>().TablePrefix;
        var exit = await AdminCli.RunAsync([.. args, "--connection-string", azurite.ConnectionString, "--table-prefix", prefix], output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
