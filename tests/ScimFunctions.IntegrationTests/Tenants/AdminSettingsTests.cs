using System.Net;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Admin;
using ScimFunctions.Administration;
using ScimFunctions.Directory;
using ScimFunctions.IntegrationTests.Application;
using ScimFunctions.Protocol;
using ScimFunctions.Storage;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.IntegrationTests.Tenants;

/// <summary>
/// The settings of #16 over real HTTP and Azurite, as the SCIM client and the application see them: user activation,
/// group provisioning, roles from groups, the settings in the read contract and the change feed, and the admin core's
/// Schemas service. One host and one admin core for the class; a tenant per test, configured before its first request.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AdminSettingsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    const string GroupOffDetail = "Group provisioning is off for this tenant";

    ScimHost _host = null!;
    ServiceProvider _admin = null!;
    string _prefix = null!;

    AdminCore Admin => _admin.GetRequiredService<AdminCore>();
    static readonly AdminCaller Caller = AdminCaller.Application("settings-tests");

    public async Task InitializeAsync()
    {
        _host = await ScimHost.StartAsync(azurite);
        _prefix = _host.Services.GetRequiredService<StorageOptions>().TablePrefix;
        _admin = ScimHost.AdminServices(azurite, _prefix);
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _host.DisposeAsync();
    }

    async Task<TenantClient> TenantAsync(SettingsChange? change = null)
    {
        var tenant = await _host.CreateTenantAsync();
        if (change is not null) await Admin.Tenants.ChangeSettingsAsync(tenant.Tenant, change, Caller, CancellationToken.None);
        return tenant;
    }

    DirectoryReader Directory => new(_host.Resources());

    [Fact]
    public async Task Manual_activation_holds_new_users_for_the_application_only_until_an_admin_activates_them()
    {
        var tenant = await TenantAsync(new SettingsChange(Activation: UserActivation.Manual));
        var automatic = await TenantAsync();
        var first = await tenant.CreateUserAsync("first@contoso.test");
        var second = await tenant.CreateUserAsync("second@contoso.test");
        var other = await automatic.CreateUserAsync("first@contoso.test");

        // SCIM clients see nothing different: the same document as an Automatic tenant's, found by Entra's filter.
        Assert.DoesNotContain("ctivat", first.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal([.. other.Select(p => p.Key).Order()], [.. first.Select(p => p.Key).Order()]);
        Assert.Equal(1, await tenant.TotalResultsAsync("Users?filter=" + Uri.EscapeDataString("userName eq \"first@contoso.test\"")));
        // A SCIM write keeps the flag (it is the admin's, not SCIM's).
        Assert.Equal(HttpStatusCode.OK, (await tenant.PatchAsync($"Users/{first.Id()}", new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:PatchOp"),
            ["Operations"] = new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "displayName", ["value"] = "First" }),
        })).StatusCode);

        // The application sees them awaiting activation; the Automatic tenant's user is not.
        Assert.True((await Directory.GetUserAsync(tenant.Tenant, first.Id()))!.AwaitingActivation);
        Assert.False((await Directory.GetUserAsync(automatic.Tenant, other.Id()))!.AwaitingActivation);
        Assert.Equal(new[] { first.Id(), second.Id() }.Order(), (await Admin.Activation.ListAwaitingUsersAsync(tenant.Tenant, default)).Select(u => u.Id).Order());

        // One, then all.
        await Admin.Activation.ActivateUserAsync(tenant.Tenant, first.Id(), Caller, default);
        Assert.False((await Directory.GetUserAsync(tenant.Tenant, first.Id()))!.AwaitingActivation);
        Assert.True((await Directory.GetUserAsync(tenant.Tenant, second.Id()))!.AwaitingActivation);
        var notAwaiting = await Assert.ThrowsAsync<AdminException>(() => Admin.Activation.ActivateUserAsync(tenant.Tenant, first.Id(), Caller, default));
        Assert.Equal(AdminErrorKind.NotFound, notAwaiting.Kind);
        Assert.Equal(1, await Admin.Activation.ActivateAllUsersAsync(tenant.Tenant, Caller, default));
        Assert.Empty(await Admin.Activation.ListAwaitingUsersAsync(tenant.Tenant, default));
        Assert.Equal(0, await Admin.Activation.ActivateAllUsersAsync(tenant.Tenant, Caller, default));

        // The change feed: created awaiting activation, then activated; each activation audited with its caller.
        var events = (await _host.EventsAsync(tenant.Tenant)).Where(e => e.UserId == first.Id()).ToList();
        Assert.Equal(["user.created", "user.updated", "user.activated"], events.Select(e => e.Type));
        Assert.True(events[0].AwaitingActivation);
        Assert.True(events[0].Json["awaitingActivation"]!.GetValue<bool>());
        Assert.False(events[2].AwaitingActivation);
        var audit = await Admin.Audit.QueryAsync(tenant.Tenant, new AuditQuery(ResourceId: second.Id()), default);
        Assert.Contains(audit, e => e.Operation == "ACTIVATE Users" && e.Client == "app/settings-tests");
    }

    [Fact]
    public async Task Users_commands_list_and_activate_with_documented_exit_codes()
    {
        var tenant = await TenantAsync(new SettingsChange(Activation: UserActivation.Manual));
        var user = await tenant.CreateUserAsync("cli@contoso.test");
        var listed = await RunAsync("users", "awaiting", tenant.Tenant);
        Assert.Equal(0, listed.Exit);
        Assert.StartsWith("ID", listed.Out);
        Assert.Contains(user.Id(), listed.Out);
        Assert.Equal(2, (await RunAsync("users", "activate", tenant.Tenant)).Exit);
        var unknown = await RunAsync("users", "activate", tenant.Tenant, "--user", Guid.NewGuid().ToString());
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("awaiting activation", unknown.Err);
        Assert.Equal(0, (await RunAsync("users", "activate", tenant.Tenant, "--user", user.Id())).Exit);
        Assert.Equal("No entries.", (await RunAsync("users", "awaiting", tenant.Tenant)).Out.Trim());
        var bad = await RunAsync("tenant", "settings", tenant.Tenant, "--activation", "Sometimes");
        Assert.Equal(2, bad.Exit);
        Assert.Contains("--activation must be one of Automatic, Manual", bad.Err);
    }

    [Fact]
    public async Task Group_provisioning_off_makes_the_tenant_users_only()
    {
        const string GroupExtension = "urn:ietf:params:scim:schemas:extension:Teams:2.0:Group";
        var tenant = await _host.CreateTenantAsync();
        await Admin.Schemas.DeclareAsync(tenant.Tenant, JsonNode.Parse($$"""{ "id": "{{GroupExtension}}", "attributes": [ { "name": "cost", "type": "string" } ] }""")!,
            null, Caller, default);
        await Admin.Tenants.ChangeSettingsAsync(tenant.Tenant, new SettingsChange(GroupProvisioning: GroupProvisioningState.Off), Caller, default);
        var withGroups = await _host.CreateTenantAsync();

        // Discovery: no Group resource type, no Group or Group-extension schema; users as before.
        var types = (await tenant.GetJsonAsync("ResourceTypes"))["Resources"]!.AsArray().Select(t => t!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(["User", "Role"], types);
        var schemas = (await tenant.GetJsonAsync("Schemas"))["Resources"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()).ToList();
        Assert.DoesNotContain(ScimUrns.Group, schemas);
        Assert.DoesNotContain(GroupExtension, schemas);
        Assert.Contains(ScimUrns.User, schemas);
        await tenant.GetAsync("ResourceTypes/Group").AssertScimErrorAsync(404);
        await tenant.GetAsync("Schemas/" + ScimUrns.Group).AssertScimErrorAsync(404);
        Assert.Contains("Group", (await withGroups.GetJsonAsync("ResourceTypes"))["Resources"]!.AsArray().Select(t => t!["id"]!.GetValue<string>()));

        // Every group route: a SCIM 403 that says why.
        var user = await tenant.CreateUserAsync("solo@contoso.test");
        var group = new JsonObject { ["displayName"] = "Team", ["members"] = new JsonArray(new JsonObject { ["value"] = user.Id() }) };
        foreach (var response in new[]
        {
            tenant.GetAsync("Groups?filter=" + Uri.EscapeDataString("displayName eq \"Team\"")),
            tenant.PostAsync("Groups", group),
            tenant.GetAsync($"Groups/{Guid.NewGuid()}"),
            tenant.PatchAsync($"Groups/{Guid.NewGuid()}", new JsonObject { ["Operations"] = new JsonArray() }),
            tenant.DeleteAsync($"Groups/{Guid.NewGuid()}"),
            tenant.PostAsync("Groups/.search", new JsonObject { ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:SearchRequest") }),
        })
        {
            var error = await response.AssertScimErrorAsync(403);
            Assert.Contains(GroupOffDetail, error.GetString("detail"));
        }
        Assert.Equal(HttpStatusCode.OK, (await tenant.GetAsync("Users")).StatusCode);
        // Bulk refuses each group operation the same way and runs the user operations; the root search lists users only.
        var bulk = await tenant.PostJsonAsync("Bulk", new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:BulkRequest"),
            ["Operations"] = new JsonArray(
                new JsonObject { ["method"] = "POST", ["path"] = "/Groups", ["bulkId"] = "g", ["data"] = group.DeepClone() },
                new JsonObject { ["method"] = "POST", ["path"] = "/Users", ["bulkId"] = "u", ["data"] = new JsonObject { ["userName"] = "duo@contoso.test" } }),
        });
        Assert.Equal(["403", "201"], bulk["Operations"]!.AsArray().Select(o => o!["status"]!.GetValue<string>()));
        Assert.Contains(GroupOffDetail, bulk["Operations"]![0]!["response"]!.GetString("detail"));
        var everything = await tenant.PostJsonAsync(".search", new JsonObject { ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:SearchRequest") });
        Assert.Equal(2, everything.GetInt32("totalResults"));

        // On again: the next write is honoured at once (writes read the settings fresh).
        await Admin.Tenants.ChangeSettingsAsync(tenant.Tenant, new SettingsChange(GroupProvisioning: GroupProvisioningState.On), Caller, default);
        Assert.Equal(HttpStatusCode.Created, (await tenant.PostAsync("Groups", group)).StatusCode);
        Assert.True((await Directory.GetTenantSettingsAsync(tenant.Tenant))!.GroupProvisioning);
    }

    [Fact]
    public async Task Effective_roles_add_the_groups_roles_at_a_cost_independent_of_group_size()
    {
        var tenant = await _host.CreateTenantAsync();
        var own = new JsonObject { ["roles"] = new JsonArray(new JsonObject { ["value"] = "Reader", ["primary"] = true }) };
        var alice = (await tenant.CreateUserAsync("alice@contoso.test", own)).Id();
        var bob = (await tenant.CreateUserAsync("bob@contoso.test")).Id();
        var carol = (await tenant.CreateUserAsync("carol@contoso.test")).Id();
        var crowd = new List<string> { bob };
        for (var i = 0; i < 30; i++) crowd.Add((await tenant.CreateUserAsync($"crowd{i}@contoso.test")).Id());

        async Task<string> GroupAsync(string name, IEnumerable<string> members) => (await tenant.PostJsonAsync("Groups", new JsonObject
        {
            ["displayName"] = name,
            ["members"] = new JsonArray([.. members.Select(m => (JsonNode)new JsonObject { ["value"] = m })]),
        })).Id();
        await GroupAsync("Editors", [alice]);
        var large = await GroupAsync("Everyone", crowd);
        await GroupAsync("Unmapped", [carol]);

        await Admin.Tenants.MapGroupRoleAsync(tenant.Tenant, "editors", "Editor", Caller, default);          // by displayName, any case
        await Admin.Tenants.MapGroupRoleAsync(tenant.Tenant, large, "Member", Caller, default);             // by id
        await Admin.Tenants.MapGroupRoleAsync(tenant.Tenant, "Editors", "Reader", Caller, default);         // alice has it already
        var mappings = await Admin.Tenants.MapGroupRoleAsync(tenant.Tenant, "Nobody", "Ghost", Caller, default);
        Assert.Equal(4, mappings.Count);
        Assert.Equal(4, (await Admin.Tenants.MapGroupRoleAsync(tenant.Tenant, large, "Member", Caller, default)).Count);   // idempotent

        var counter = new CountingPolicy();
        var options = new TableClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        var reader = new DirectoryReader(new TableClient(azurite.ConnectionString, _prefix + "resources", options));

        async Task<(List<string> Roles, int Requests)> RolesAsync(string user)
        {
            counter.Reset();
            var roles = await reader.GetEffectiveRolesAsync(tenant.Tenant, user);
            return ([.. roles!.Select(r => r.Value)], counter.Count);
        }
        var (aliceRoles, aliceCost) = await RolesAsync(alice);
        var (bobRoles, bobCost) = await RolesAsync(bob);
        var (carolRoles, carolCost) = await RolesAsync(carol);
        Assert.Equal(["Reader", "Editor"], aliceRoles);
        Assert.Equal(["Member"], bobRoles);
        Assert.Empty(carolRoles);
        // User row (it keeps the user's groups), settings row, one claim read per mapping by name (Editors, Nobody):
        // the same for a member of a 1-member group and of a 31-member one.
        Assert.Equal(4, aliceCost);
        Assert.Equal(aliceCost, bobCost);
        Assert.Equal(aliceCost, carolCost);
        Assert.Null(await reader.GetEffectiveRolesAsync(tenant.Tenant, Guid.NewGuid().ToString()));

        // Unmapping, and the mappings in the read contract's settings.
        await Admin.Tenants.UnmapGroupRoleAsync(tenant.Tenant, "EDITORS", null, Caller, default);
        Assert.Equal(["Reader"], (await reader.GetEffectiveRolesAsync(tenant.Tenant, alice))!.Select(r => r.Value));
        var missing = await Assert.ThrowsAsync<AdminException>(() => Admin.Tenants.UnmapGroupRoleAsync(tenant.Tenant, "Editors", null, Caller, default));
        Assert.Equal(AdminErrorKind.NotFound, missing.Kind);
        Assert.Equal([new(large, "Member"), new("Nobody", "Ghost")], (await Directory.GetTenantSettingsAsync(tenant.Tenant))!.GroupRoles);   // in mapping order

        // The CLI over the same core.
        var listed = await RunAsync("group-roles", "list", tenant.Tenant);
        Assert.Equal(0, listed.Exit);
        Assert.StartsWith("GROUP", listed.Out);
        Assert.Contains("Ghost", listed.Out);
        Assert.Equal(0, (await RunAsync("group-roles", "map", tenant.Tenant, "--group", "Unmapped", "--role", "Viewer")).Exit);
        Assert.Equal(["Viewer"], (await reader.GetEffectiveRolesAsync(tenant.Tenant, carol))!.Select(r => r.Value));
        Assert.Equal(2, (await RunAsync("group-roles", "map", tenant.Tenant, "--group", "Unmapped")).Exit);
        Assert.Equal(1, (await RunAsync("group-roles", "unmap", tenant.Tenant, "--group", "Nope")).Exit);
    }

    [Fact]
    public async Task The_read_contract_shows_the_settings_and_the_feed_names_each_change()
    {
        var tenant = await _host.CreateTenantAsync();
        var initial = (await Directory.GetTenantSettingsAsync(tenant.Tenant))!;
        Assert.Equal((true, false, false, true, false), (initial.Provisioning, initial.DryRun, initial.ManualActivation, initial.GroupProvisioning, initial.DisableOnDelete));
        Assert.Empty(initial.GroupRoles);
        Assert.Null(await Directory.GetTenantSettingsAsync("no-such-tenant"));

        await Admin.Tenants.ChangeSettingsAsync(tenant.Tenant, new SettingsChange(Mode: OperationMode.DryRun, Activation: UserActivation.Manual), Caller, default);
        await Admin.Tenants.ChangeSettingsAsync(tenant.Tenant, new SettingsChange(Mode: OperationMode.DryRun), Caller, default);   // nothing changes: no event
        await Admin.Tenants.ChangeSettingsAsync(tenant.Tenant, new SettingsChange(Deprovision: DeprovisionMode.Disable, Provisioning: ProvisioningState.Off,
            GroupProvisioning: GroupProvisioningState.Off), Caller, default);
        await Admin.Tenants.MapGroupRoleAsync(tenant.Tenant, "Staff", "Member", Caller, default);
        await Admin.Schemas.SetUndeclaredAsync(tenant.Tenant, Protocol.Schema.UndeclaredExtensions.Reject, Caller, default);

        var settings = (await Directory.GetTenantSettingsAsync(tenant.Tenant))!;
        Assert.Equal((false, true, true, false, true), (settings.Provisioning, settings.DryRun, settings.ManualActivation, settings.GroupProvisioning, settings.DisableOnDelete));
        Assert.Equal([new Contract.GroupRoleMapping("Staff", "Member")], settings.GroupRoles);

        var events = await _host.EventsAsync(tenant.Tenant);
        Assert.All(events, e => Assert.Equal(Contract.FeedEventTypes.SettingsChanged, e.Type));
        Assert.Equal(["Mode,Activation", "Provisioning,Deprovision,GroupProvisioning", "GroupRoles", "Schema"], events.Select(e => string.Join(",", e.Changed)));
        // Each event carries the admin action's request id, as its audit entry does.
        var audited = await Admin.Audit.QueryAsync(tenant.Tenant, new AuditQuery(), default);
        Assert.All(events, e => Assert.Contains(audited, a => a.RequestId == e.RequestId));

        // One definition of the stored values: the contract's constants are the service's enum names.
        Assert.Equal(Contract.TenantSettingsRow.DryRun, OperationMode.DryRun.ToString());
        Assert.Equal(Contract.TenantSettingsRow.Disable, DeprovisionMode.Disable.ToString());
        Assert.Equal(Contract.TenantSettingsRow.Manual, UserActivation.Manual.ToString());
        Assert.Equal(Contract.TenantSettingsRow.Off, ProvisioningState.Off.ToString());
        Assert.Equal(Contract.TenantSettingsRow.Off, GroupProvisioningState.Off.ToString());
    }

    [Fact]
    public async Task The_admin_cores_schemas_service_validates_audits_and_refuses_whole()
    {
        var tenant = await _host.CreateTenantAsync();
        var refused = await Assert.ThrowsAsync<AdminException>(() =>
            Admin.Schemas.DeclareAsync(tenant.Tenant, JsonNode.Parse("""{ "id": "urn:x:Thing", "attributes": [] }""")!, null, Caller, default));
        Assert.Equal(AdminErrorKind.InvalidDeclaration, refused.Kind);
        Assert.Contains("User or Group", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Empty((await Admin.Schemas.GetAsync(tenant.Tenant, default)).Extensions);

        var roles = SchemaAdmin.ReadRoles(JsonNode.Parse("""[ { "value": "Admin", "display": "Administrator" } ]""")!);
        Assert.Equal("Admin", Assert.Single((await Admin.Schemas.SetRolesAsync(tenant.Tenant, roles, Caller, default)).Roles).Value);
        Assert.Equal(AdminErrorKind.InvalidDeclaration,
            Assert.Throws<AdminException>(() => SchemaAdmin.ReadRoles(JsonNode.Parse("""[ { "display": "no value" } ]""")!)).Kind);
        Assert.Equal(AdminErrorKind.TenantNotFound,
            (await Assert.ThrowsAsync<AdminException>(() => Admin.Schemas.GetAsync(TenantId.Parse("no-such-tenant"), default))).Kind);
        Assert.Contains(await Admin.Audit.QueryAsync(tenant.Tenant, new AuditQuery(), default), e => e.Operation == "SET Roles" && e.Client == "app/settings-tests");
    }

    async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AdminCli.RunAsync([.. args, "--connection-string", azurite.ConnectionString, "--table-prefix", _prefix], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Counts the storage requests a table client sends (each attempt).</summary>
    sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        int _count;

        public int Count => Volatile.Read(ref _count);

        public void Reset() => Interlocked.Exchange(ref _count, 0);

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);
    }
}
