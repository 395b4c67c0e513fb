using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using ScimFunctions.Administration;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.IntegrationTests.Groups;

/// <summary>The maintenance backfill of an upgraded deployment (<see cref="UserGroupsBackfill"/>): user rows written before
/// rows kept their groups get their copy, with the groups' names, conditional on the version read, so a membership change
/// in between is never overwritten (that row waits for the next run); then the tenant is marked and never scanned again.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class UserGroupsBackfillTests(AzuriteFixture azurite) : GroupTestBase(azurite)
{
    TableClient Table => Service<ScimTables>().Resources;

    [Fact]
    public async Task Older_user_rows_get_their_groups_once_and_a_row_changed_meanwhile_waits_for_the_next_run()
    {
        var tenants = Service<TenantStore>();
        // A tenant created by this version needs no backfill.
        Assert.NotNull((await tenants.GetAsync(Client.Tenant, CancellationToken.None))!.UserGroupsKept);

        var engineering = (await CreateGroupAsync("Engineering")).Id();
        var sales = (await CreateGroupAsync("Sales")).Id();
        var users = await SeedUsersAsync(6);
        var (named, unnamed, joining, leaving, none, past) = (users[0], users[1], users[2], users[3], users[4], users[5]);
        await PatchNoContentAsync(engineering, Op("Add", "members", Refs(named, joining)));
        await PatchNoContentAsync(sales, Op("Add", "members", Refs(named, leaving)));
        // What earlier versions left: rows without the copy (their memberof rows carry the name, or, older still, not even
        // that), a row flagged in no group, a row past the bound, and a tenant without the mark.
        foreach (var user in new[] { named, joining, leaving }) await RewriteUserAsync(user, row => row.Remove(RowProperties.Groups));
        await RewriteUserAsync(unnamed, row => row.Remove(RowProperties.Groups));
        await Table.AddEntityAsync(new TableEntity(Client.Tenant, RowKeys.Member(engineering, unnamed)) { [RowProperties.Id] = unnamed });
        await Table.AddEntityAsync(new TableEntity(Client.Tenant, RowKeys.MemberOf(unnamed, engineering)) { [RowProperties.Id] = engineering });
        await RewriteUserAsync(none, row => { row.Remove(RowProperties.Groups); row[RowProperties.NoGroups] = true; });
        await RewriteUserAsync(past, row => row[RowProperties.Groups] = "");
        var settings = (await Table.GetEntityAsync<TableEntity>(Client.Tenant, RowKeys.TenantSettings)).Value;
        settings.Remove(TenantSettingsRow.UserGroupsKept);
        await Table.UpdateEntityAsync(settings, ETag.All, TableUpdateMode.Replace);
        var untouched = await ETagsAsync(none, past);
        Assert.Equal(2, StorageRequests(await Client.GetAsync($"Users/{named}"))); // before: the row, then its memberof rows

        // While the job reads their memberof rows, one user joins a group and another leaves one (through the host: Entra).
        var between = new BetweenRequests();
        between.Before(MemberOfQuery(joining), () => PatchNoContentAsync(sales, Op("Add", "members", Refs(joining))));
        between.Before(MemberOfQuery(leaving), () => PatchNoContentAsync(sales, Op("Remove", "members", Refs(leaving))));
        await using var admin = ScimHost.AdminServices(Azurite, TablePrefix, services => services.AddSingleton(new StoragePipelinePolicy(between)));
        var maintenance = admin.GetRequiredService<AdminCore>().Audit;

        var first = await maintenance.RunMaintenanceAsync(CancellationToken.None);
        Assert.Equal(2, between.Fired);
        Assert.Equal(2, first.UserGroupsBackfilled);
        Assert.Equal(ById((engineering, "Engineering"), (sales, "Sales")), await KeptAsync(named));
        Assert.Equal([(engineering, "Engineering")], await KeptAsync(unnamed)); // the name read from the group
        // Changed after the job read them: left as they were, and the tenant not marked.
        Assert.Null((await UserRowAsync(joining)).GetString(RowProperties.Groups));
        Assert.Null((await UserRowAsync(leaving)).GetString(RowProperties.Groups));
        Assert.Null((await tenants.GetAsync(Client.Tenant, CancellationToken.None))!.UserGroupsKept);

        var get = await Client.GetAsync($"Users/{named}");
        Assert.Equal(1, StorageRequests(get)); // the row alone
        Assert.Equal(["Engineering", "Sales"], (await get.ReadJsonAsync()).GetArray("groups").Select(g => g!.GetString("display")).Order(StringComparer.Ordinal));

        var second = await maintenance.RunMaintenanceAsync(CancellationToken.None);
        Assert.Equal(2, second.UserGroupsBackfilled);
        Assert.Equal(ById((engineering, "Engineering"), (sales, "Sales")), await KeptAsync(joining));
        Assert.Empty(await KeptAsync(leaving));
        Assert.Equal(untouched, await ETagsAsync(none, past));
        Assert.Equal("", (await UserRowAsync(past)).GetString(RowProperties.Groups));
        var marked = (await tenants.GetAsync(Client.Tenant, CancellationToken.None))!;
        Assert.NotNull(marked.UserGroupsKept);
        var report = await new ConsistencyChecker(Table).CheckAsync(Client.Tenant, CancellationToken.None);
        Assert.True(report.IsConsistent, string.Join("\n", report.Findings));
        foreach (var user in new[] { unnamed, joining, leaving }) Assert.Equal(1, StorageRequests(await Client.GetAsync($"Users/{user}")));

        // Marked: later runs skip the tenant without a storage request.
        Assert.Equal(0, (await maintenance.RunMaintenanceAsync(CancellationToken.None)).UserGroupsBackfilled);
        var scope = StorageRequestCounter.BeginScope();
        Assert.Equal(new BackfillResult(0, 0), await admin.GetRequiredService<UserGroupsBackfill>().RunAsync(marked, CancellationToken.None));
        Assert.Equal(0, scope.Count);
    }

    async Task RewriteUserAsync(string id, Action<TableEntity> change)
    {
        var row = await UserRowAsync(id);
        change(row);
        await Table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace);
    }

    async Task<TableEntity> UserRowAsync(string id) => (await Table.GetEntityAsync<TableEntity>(Client.Tenant, RowKeys.User(id))).Value;

    /// <summary>Groups as a row keeps them: in group id order.</summary>
    static List<(string, string?)> ById(params (string Id, string? Name)[] groups) => [.. groups.OrderBy(g => g.Id, StringComparer.Ordinal)];

    async Task<List<(string, string?)>> KeptAsync(string id) =>
        [.. UserGroups.Read(await UserRowAsync(id))!.Select(g => (g.GroupId, g.DisplayName))];

    async Task<List<ETag>> ETagsAsync(params string[] ids)
    {
        var tags = new List<ETag>();
        foreach (var id in ids) tags.Add((await UserRowAsync(id)).ETag);
        return tags;
    }

    /// <summary>The range query over a user's memberof rows.</summary>
    static Func<Request, bool> MemberOfQuery(string userId) =>
        request => request.Method == RequestMethod.Get && Uri.UnescapeDataString(request.Uri.ToString()).Contains(RowKeys.MemberOfPrefix(userId), StringComparison.Ordinal);

    /// <summary>Runs an action (once) before the first storage request that matches, then sends the request: a write
    /// that lands between the job's read of a row and its write.</summary>
    sealed class BetweenRequests : HttpPipelinePolicy
    {
        readonly List<(Func<Request, bool> When, Func<Task> Action)> _pending = [];
        int _fired;

        public int Fired => Volatile.Read(ref _fired);

        public void Before(Func<Request, bool> when, Func<Task> action) => _pending.Add((when, action));

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            (Func<Request, bool> When, Func<Task> Action)? due;
            lock (_pending)
            {
                due = _pending.FirstOrDefault(p => p.When(message.Request)) is { Action: not null } match ? match : null;
                if (due is { } d) _pending.Remove(d);
            }
            if (due is { } run)
            {
                await run.Action();
                Interlocked.Increment(ref _fired);
            }
            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) => throw new NotSupportedException("async only");
    }
}
