using Azure;
using Azure.Data.Tables;
using ScimFunctions.Admin;

namespace ScimFunctions.IntegrationTests.Consistency;

/// <summary>The consistency checker on a tenant built through the API, then with rows corrupted directly in the table.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConsistencyCheckerTests(AzuriteFixture azurite) : TenantTestBase(azurite)
{
    string _alice = "", _bob = "", _group = "";

    TableClient Table => Service<ScimTables>().Resources;
    TenantId Tenant => Client.Tenant;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var emails = new JsonObject { ["emails"] = new JsonArray(new JsonObject { ["value"] = "alice@contoso.test", ["type"] = "work" }), ["externalId"] = "ext-alice" };
        _alice = (await Client.CreateUserAsync("alice@contoso.test", emails)).Id();
        _bob = (await Client.CreateUserAsync("bob@contoso.test")).Id();
        var group = await Client.PostAsync("Groups", new JsonObject
        {
            ["displayName"] = "Sales", ["externalId"] = "gext", ["members"] = new JsonArray(new JsonObject { ["value"] = _alice }, new JsonObject { ["value"] = _bob }),
        });
        _group = (await group.ReadJsonAsync()).Id();
        // A deleted user and a disabled-and-deleted one leave nothing behind.
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"Users/{(await Client.CreateUserAsync("gone@contoso.test"))["id"]}")).StatusCode);
    }

    Task<ConsistencyReport> CheckAsync() => new ConsistencyChecker(Table).CheckAsync(Tenant, CancellationToken.None);

    [Fact]
    public async Task A_tenant_built_through_the_api_has_no_findings()
    {
        var report = await CheckAsync();
        Assert.Empty(report.Findings);
        Assert.Equal(2, report.Users);
        Assert.Equal(1, report.Groups);
        Assert.True(report.RowsScanned > 10);
    }

    [Fact]
    public async Task Each_kind_of_corruption_is_found()
    {
        var ghost = Guid.CreateVersion7().ToString("D");
        // Orphan index rows: a claim and a lookup for a user that does not exist.
        await Table.AddEntityAsync(new TableEntity(Tenant, RowKeys.UserName("ghost@contoso.test")) { ["Id"] = ghost });
        await Table.AddEntityAsync(new TableEntity(Tenant, RowKeys.UserExternalIdPrefix("ext-ghost") + ghost) { ["Id"] = ghost });
        // Stale index row: bob's document has no such email.
        await Table.AddEntityAsync(new TableEntity(Tenant, RowKeys.UserEmailPrefix("old@contoso.test") + _bob) { ["Id"] = _bob });
        // Missing index rows: alice's email lookup and the group's name claim are gone.
        await Table.DeleteEntityAsync(Tenant, RowKeys.UserEmailPrefix("alice@contoso.test") + _alice);
        await Table.DeleteEntityAsync(Tenant, RowKeys.GroupName("Sales"));
        // Unpaired membership: bob's reverse row is gone (and his row still keeps the group).
        await Table.DeleteEntityAsync(Tenant, RowKeys.MemberOf(_bob, _group));
        // Alice's row shows the group under a name it does not have.
        await Table.UpdateEntityAsync(new TableEntity(Tenant, RowKeys.User(_alice)) { [RowProperties.Groups] = UserGroups.Write([new(_group, "Old name")]) }, ETag.All, TableUpdateMode.Merge);
        // Dangling membership: a pair naming a user that does not exist.
        await Table.AddEntityAsync(new TableEntity(Tenant, RowKeys.Member(_group, ghost)) { ["Id"] = ghost });
        await Table.AddEntityAsync(new TableEntity(Tenant, RowKeys.MemberOf(ghost, _group)) { ["Id"] = _group });
        // Invalid document: a user row without a userName.
        var broken = Guid.CreateVersion7().ToString("D");
        await Table.AddEntityAsync(new TableEntity(Tenant, RowKeys.User(broken)) { ["Doc"] = "{\"displayName\":\"no userName\"}", ["Version"] = 1L });

        var findings = (await CheckAsync()).Findings;

        void Found(FindingKind kind, string rowKey) =>
            Assert.True(findings.Any(f => f.Kind == kind && f.RowKey == rowKey), $"{kind} {rowKey} not reported; found:\n{string.Join('\n', findings)}");
        Found(FindingKind.OrphanIndexRow, RowKeys.UserName("ghost@contoso.test"));
        Found(FindingKind.OrphanIndexRow, RowKeys.UserExternalIdPrefix("ext-ghost") + ghost);
        Found(FindingKind.StaleIndexRow, RowKeys.UserEmailPrefix("old@contoso.test") + _bob);
        Found(FindingKind.MissingIndexRow, RowKeys.UserEmailPrefix("alice@contoso.test") + _alice);
        Found(FindingKind.MissingIndexRow, RowKeys.GroupName("Sales"));
        Found(FindingKind.UnpairedMembership, RowKeys.Member(_group, _bob));
        Found(FindingKind.DanglingMembership, RowKeys.Member(_group, ghost));
        Found(FindingKind.DanglingMembership, RowKeys.MemberOf(ghost, _group));
        Found(FindingKind.InvalidDocument, RowKeys.User(broken));
        Assert.Equal(2, findings.Count(f => f.Kind == FindingKind.UserGroupsMismatch
            && (f.RowKey == RowKeys.User(_bob) && f.Detail.StartsWith("keeps the groups", StringComparison.Ordinal)
                || f.RowKey == RowKeys.User(_alice) && f.Detail.Contains("\"Old name\"", StringComparison.Ordinal))));
        Assert.Equal(11, findings.Count);
    }

    [Fact]
    public async Task Index_row_of_a_soft_deleted_user_and_memberships_of_a_deleted_group_are_found()
    {
        // A row marked deleted (deprovisioning by disabling) keeps no index or membership rows.
        var entity = (await Table.GetEntityAsync<TableEntity>(Tenant, RowKeys.User(_bob))).Value;
        entity[RowProperties.Deleted] = true;
        await Table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Merge);
        await Table.DeleteEntityAsync(Tenant, RowKeys.Group(_group));

        var findings = (await CheckAsync()).Findings;

        Assert.Contains(findings, f => f.Kind == FindingKind.OrphanIndexRow && f.RowKey == RowKeys.UserName("bob@contoso.test") && f.Detail.Contains("deleted", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Kind == FindingKind.DanglingMembership && f.RowKey == RowKeys.MemberOf(_bob, _group));
        Assert.Contains(findings, f => f.Kind == FindingKind.DanglingMembership && f.RowKey == RowKeys.Member(_group, _alice));
        Assert.Contains(findings, f => f.Kind == FindingKind.OrphanIndexRow && f.RowKey == RowKeys.GroupName("Sales"));
    }

    [Fact]
    public async Task Cli_check_prints_findings_and_exits_1_only_when_there_are_some()
    {
        async Task<(int Exit, string Out)> RunAsync(params string[] args)
        {
            var output = new StringWriter();
            var exit = await AdminCli.RunAsync([.. args, .. StorageArgs], output, new StringWriter());
            return (exit, output.ToString());
        }

        var clean = await RunAsync("check", Tenant);
        Assert.Equal(0, clean.Exit);
        Assert.Contains("2 users, 1 groups: no problems found.", clean.Out);

        await Table.DeleteEntityAsync(Tenant, RowKeys.Member(_group, _alice));
        var human = await RunAsync("check", Tenant);
        Assert.Equal(1, human.Exit);
        Assert.Contains($"UnpairedMembership\t{RowKeys.MemberOf(_alice, _group)}", human.Out);

        var json = await RunAsync("check", Tenant, "--json");
        Assert.Equal(1, json.Exit);
        var finding = JsonNode.Parse(json.Out)!.GetArray("findings").Single()!;
        Assert.Equal("UnpairedMembership", finding.GetString("kind"));
        Assert.Equal(RowKeys.MemberOf(_alice, _group), finding.GetString("rowKey"));

        Assert.Equal(1, (await RunAsync("check", "no-such-tenant")).Exit);
    }
}
