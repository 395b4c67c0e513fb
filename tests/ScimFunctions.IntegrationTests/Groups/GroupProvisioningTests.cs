namespace ScimFunctions.IntegrationTests.Groups;

/// <summary>The request sequences Entra ID and Okta send for groups, over real HTTP.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class GroupProvisioningTests(AzuriteFixture azurite) : GroupTestBase(azurite)
{
    [Fact]
    public async Task Entra_group_sequence()
    {
        var users = await CreateUsersAsync(3);

        // Create: Entra lists its ADSCIM URN in schemas and sends no members.
        var create = await Client.PostAsync("Groups", new JsonObject
        {
            ["schemas"] = new JsonArray(ScimUrns.Group, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"),
            ["displayName"] = "Sales",
            ["externalId"] = "0b7e4c1a-entra-object-id",
        });
        var created = await create.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var id = created.Id();
        Assert.Equal($"{Client.BaseUrl}/Groups/{id}", create.Headers.Location!.ToString());
        Assert.Equal(created["meta"]!.GetString("version"), create.Headers.ETag!.ToString());
        Assert.Equal(new JsonArray(ScimUrns.Group).ToJsonString(), created["schemas"]!.ToJsonString());
        Assert.Equal("Sales", created.GetString("displayName"));
        Assert.Equal("0b7e4c1a-entra-object-id", created.GetString("externalId"));
        Assert.Equal("Group", created["meta"]!.GetString("resourceType"));
        Assert.Null(created["members"]);

        var get = await Client.GetJsonAsync($"Groups/{id}?excludedAttributes=members");
        Assert.Equal("Sales", get.GetString("displayName"));
        Assert.Null(get["members"]);

        var byName = await Client.GetJsonAsync($"Groups?filter={Filter("displayName eq \"sales\"")}&excludedAttributes=members");
        Assert.Equal(1, byName.GetInt32("totalResults"));
        Assert.Equal(id, byName.GetArray("Resources")[0]!.Id());

        var byExternalId = await Client.GetJsonAsync($"Groups?filter={Filter("externalId eq \"0b7e4c1a-entra-object-id\"")}");
        Assert.Equal(id, byExternalId.GetArray("Resources")[0]!.Id());

        // Rename: capitalised op, 204.
        await PatchNoContentAsync(id, Op("Replace", "displayName", "Sales EMEA"));
        Assert.Equal(0, await Client.TotalResultsAsync($"Groups?filter={Filter("displayName eq \"Sales\"")}"));
        Assert.Equal(1, await Client.TotalResultsAsync($"Groups?filter={Filter("displayName eq \"Sales EMEA\"")}"));

        // Add members.
        await PatchNoContentAsync(id, Op("Add", "members", Refs(users[0], users[1], users[2])));
        var withMembers = await Client.GetJsonAsync($"Groups/{id}");
        Assert.Equal(
            new JsonArray([.. users.Select(u => (JsonNode)new JsonObject { ["value"] = u, ["$ref"] = $"{Client.BaseUrl}/Users/{u}", ["type"] = "User" })]).ToJsonString(),
            withMembers["members"]!.ToJsonString());
        Assert.Equal("Sales EMEA", withMembers.GetString("displayName"));

        // Remove with path "members" and a value list: only those members, never the whole group.
        await PatchNoContentAsync(id, Op("Remove", "members", Refs(users[0])));
        Assert.Equal([users[1], users[2]], await MemberIdsAsync(id));

        // Remove with a value filter.
        await PatchNoContentAsync(id, Op("Remove", $"members[value eq \"{users[1]}\"]"));
        Assert.Equal([users[2]], await MemberIdsAsync(id));

        // Redundant re-add: succeeds, changes nothing (not even the version).
        var before = (await Client.GetAsync($"Groups/{id}")).Headers.ETag!.ToString();
        var readd = await PatchAsync(id, Op("Add", "members", Refs(users[2])));
        Assert.Equal(HttpStatusCode.NoContent, readd.StatusCode);
        Assert.Equal(before, readd.Headers.ETag!.ToString());
        Assert.Equal(before, (await Client.GetAsync($"Groups/{id}")).Headers.ETag!.ToString());
        Assert.Equal([users[2]], await MemberIdsAsync(id));

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"Groups/{id}")).StatusCode);
        var gone = await Client.GetAsync($"Groups/{id}").AssertScimErrorAsync(404);
        Assert.Equal($"Group {id} not found.", gone.GetString("detail"));
    }

    [Fact]
    public async Task Okta_group_push()
    {
        var users = await CreateUsersAsync(4);

        // Okta creates with members, as application/json.
        var create = await Client.SendAsync(HttpMethod.Post, "Groups", new JsonObject
        {
            ["schemas"] = new JsonArray(ScimUrns.Group), ["displayName"] = "Engineering", ["members"] = Refs(users[0], users[1]),
        }, contentType: "application/json");
        var created = await create.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var id = created.Id();
        Assert.Equal([users[0], users[1]], created.GetArray("members").Select(m => m!.GetString("value")));
        Assert.Equal(created["meta"]!.GetString("version"), create.Headers.ETag!.ToString());

        // PUT replaces the member set (a diff against the rows).
        var put = await Client.PutAsync($"Groups/{id}", new JsonObject
        {
            ["schemas"] = new JsonArray(ScimUrns.Group), ["id"] = id, ["displayName"] = "Engineering", ["members"] = Refs(users[1], users[2], users[3]),
        });
        var replaced = await put.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal([users[1], users[2], users[3]], replaced.GetArray("members").Select(m => m!.GetString("value")));
        Assert.Equal([users[1], users[2], users[3]], await MemberIdsAsync(id));

        // PATCH replace members, then Okta's rename (a path-less value carrying the read-only id).
        await PatchNoContentAsync(id, Op("replace", "members", Refs(users[0], users[3])));
        Assert.Equal([users[0], users[3]], await MemberIdsAsync(id));
        await PatchNoContentAsync(id, Op("replace", null, new JsonObject { ["id"] = id, ["displayName"] = "Engineering (all)" }));
        var renamed = await Client.GetJsonAsync($"Groups/{id}");
        Assert.Equal("Engineering (all)", renamed.GetString("displayName"));
        Assert.Equal(2, renamed.GetArray("members").Count);

        // PUT with an empty member list empties the group; without a members key it leaves them alone.
        await Client.PutAsync($"Groups/{id}", new JsonObject { ["displayName"] = "Engineering (all)", ["members"] = Refs(users[2]) });
        await Client.PutAsync($"Groups/{id}", new JsonObject { ["displayName"] = "Engineering" });
        Assert.Equal([users[2]], await MemberIdsAsync(id));
        await Client.PutAsync($"Groups/{id}", new JsonObject { ["displayName"] = "Engineering", ["members"] = new JsonArray() });
        Assert.Empty(await MemberIdsAsync(id));
    }

    [Fact]
    public async Task Unknown_member_ids_are_skipped_and_reported()
    {
        var users = await CreateUsersAsync(2);
        var other = (await CreateGroupAsync("Other")).Id();
        var id = (await CreateGroupAsync("Team")).Id();
        var missing = Guid.CreateVersion7().ToString("D");

        // A deleted user's id, an id that never existed, a malformed id and a group id (no nested groups).
        var response = await PatchAsync(id, Op("add", "members", Refs(users[0], missing, "not a guid", other, users[1])));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal($"not%20a%20guid,{missing},{other}", response.Headers.GetValues("X-Scim-Unapplied-Members").Single());
        Assert.Equal([users[0], users[1]], await MemberIdsAsync(id));
        Assert.Empty(await RowKeysAsync($"user|{missing}"));
        Assert.Empty(await RowKeysAsync($"user|{other}"));

        // Create with an unknown member: 201, known members applied, header set.
        var create = await Client.PostAsync("Groups", new JsonObject { ["displayName"] = "Team 2", ["members"] = Refs(missing, users[1]) });
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        Assert.Equal(missing, create.Headers.GetValues("X-Scim-Unapplied-Members").Single());
        Assert.Equal([users[1]], (await create.ReadJsonAsync()).GetArray("members").Select(m => m!.GetString("value")));

        // A request with only known members carries no header.
        Assert.False((await PatchAsync(id, Op("remove", "members", Refs(users[0])))).Headers.Contains("X-Scim-Unapplied-Members"));
    }

    [Fact]
    public async Task Membership_reference_checks_with_attributes_id()
    {
        var users = await CreateUsersAsync(2);
        var id = (await CreateGroupAsync("Reference", users[0])).Id();
        var groupRead = StorageRequests(await Client.GetAsync($"Groups/{id}?excludedAttributes=members"));

        foreach (var filter in new[] { $"id eq \"{id}\" and members eq \"{users[0]}\"", $"id eq \"{id}\" and members[value eq \"{users[0]}\"]" })
        {
            var match = await Client.GetAsync($"Groups?filter={Filter(filter)}&attributes=id");
            var json = await match.ReadJsonAsync();
            Assert.Equal(HttpStatusCode.OK, match.StatusCode);
            Assert.Equal(new JsonObject
            {
                ["schemas"] = new JsonArray(ScimUrns.ListResponse), ["totalResults"] = 1, ["itemsPerPage"] = 1, ["startIndex"] = 1,
                ["Resources"] = new JsonArray(new JsonObject { ["schemas"] = new JsonArray(ScimUrns.Group), ["id"] = id }),
            }.ToJsonString(), json.ToJsonString());
            // The point read of the group, plus one of the member row.
            Assert.Equal(groupRead + 1, StorageRequests(match));
        }
        foreach (var filter in new[] { $"id eq \"{id}\" and members eq \"{users[1]}\"", $"id eq \"{id}\" and members[value eq \"{users[1]}\"]",
                     $"id eq \"{id}\" and members eq \"not-an-id\"" })
        {
            var none = await Client.GetAsync($"Groups?filter={Filter(filter)}&attributes=id");
            Assert.Equal(HttpStatusCode.OK, none.StatusCode);
            Assert.Equal(new JsonObject
            {
                ["schemas"] = new JsonArray(ScimUrns.ListResponse), ["totalResults"] = 0, ["itemsPerPage"] = 0, ["startIndex"] = 1, ["Resources"] = new JsonArray(),
            }.ToJsonString(), (await none.ReadJsonAsync()).ToJsonString());
        }

        // Without an id: the user's memberof rows give the candidates.
        var byMember = await Client.GetJsonAsync($"Groups?filter={Filter($"members.value eq \"{users[0]}\"")}&attributes=displayName");
        Assert.Equal(1, byMember.GetInt32("totalResults"));
        Assert.Equal("Reference", byMember.GetArray("Resources")[0]!.GetString("displayName"));

        // Member conditions that would need the whole member list are refused.
        var refused = await Client.GetAsync($"Groups?filter={Filter("members pr")}").AssertScimErrorAsync(400, "invalidFilter");
        Assert.Equal("Filters on members support only equality on the member id: members eq \"<id>\" or members[value eq \"<id>\"].",
            refused.GetString("detail"));
        await Client.GetAsync($"Groups?filter={Filter($"members ne \"{users[0]}\"")}").AssertScimErrorAsync(400, "invalidFilter");
    }

    [Fact]
    public async Task List_paging_projection_and_search()
    {
        var user = (await CreateUsersAsync(1))[0];
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add((await CreateGroupAsync($"Group {i}", user)).Id());

        var page = await Client.GetJsonAsync("Groups?startIndex=2&count=2");
        Assert.Equal(5, page.GetInt32("totalResults"));
        Assert.Equal(2, page.GetInt32("itemsPerPage"));
        Assert.Equal(2, page.GetInt32("startIndex"));
        Assert.Equal([ids[1], ids[2]], page.GetArray("Resources").Select(r => r!.Id()));
        // Members are streamed into list responses too.
        Assert.Equal(user, page.GetArray("Resources")[0]!.GetArray("members")[0]!.GetString("value"));
        Assert.NotNull(page.GetArray("Resources")[0]!["meta"]);

        var slim = await Client.GetJsonAsync("Groups?count=1&excludedAttributes=members");
        Assert.Null(slim.GetArray("Resources")[0]!["members"]);
        var valuesOnly = await Client.GetJsonAsync($"Groups/{ids[0]}?attributes=members.value");
        Assert.Equal(new JsonArray(new JsonObject { ["value"] = user }).ToJsonString(), valuesOnly["members"]!.ToJsonString());
        Assert.Null(valuesOnly["displayName"]);

        var search = await Client.PostAsync("Groups/.search", new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:SearchRequest"),
            ["filter"] = "displayName eq \"Group 3\"", ["attributes"] = new JsonArray("displayName"),
        });
        var found = await search.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        Assert.Equal(new JsonObject { ["schemas"] = new JsonArray(ScimUrns.Group), ["id"] = ids[3], ["displayName"] = "Group 3" }.ToJsonString(),
            found.GetArray("Resources")[0]!.ToJsonString());
    }

    [Fact]
    public async Task Versions_preconditions_and_patch_responses()
    {
        var users = await CreateUsersAsync(2);
        var id = (await CreateGroupAsync("Versioned")).Id();
        var v1 = (await Client.GetAsync($"Groups/{id}")).Headers.ETag!.ToString();

        // A membership change moves the version; the 204's ETag is the one a GET then shows.
        var added = await PatchAsync(id, Op("add", "members", Refs(users[0])));
        var v2 = added.Headers.ETag!.ToString();
        Assert.NotEqual(v1, v2);
        var notModified = await Client.SendAsync(HttpMethod.Get, $"Groups/{id}", configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", v2));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(v2, notModified.Headers.ETag!.ToString());

        var stale = await Client.SendAsync(HttpMethod.Patch, $"Groups/{id}",
            Patch(Op("add", "members", Refs(users[1]))),
            configure: r => r.Headers.TryAddWithoutValidation("If-Match", v1));
        var error = await stale.AssertScimErrorAsync(412);
        Assert.Equal($"The group's version is {v2}; read it again.", error.GetString("detail"));
        Assert.Equal([users[0]], await MemberIdsAsync(id));

        var current = await Client.SendAsync(HttpMethod.Patch, $"Groups/{id}?attributes=members",
            Patch(Op("add", "members", Refs(users[1]))),
            configure: r => r.Headers.TryAddWithoutValidation("If-Match", v2));
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        var body = await current.ReadJsonAsync();
        Assert.Equal(new JsonObject
        {
            ["schemas"] = new JsonArray(ScimUrns.Group), ["id"] = id,
            ["members"] = new JsonArray([.. users.Select(u => (JsonNode)new JsonObject { ["value"] = u, ["$ref"] = $"{Client.BaseUrl}/Users/{u}", ["type"] = "User" })]),
        }.ToJsonString(), body.ToJsonString());
        Assert.Equal((await Client.GetAsync($"Groups/{id}")).Headers.ETag!.ToString(), current.Headers.ETag!.ToString());

        await Client.SendAsync(HttpMethod.Delete, $"Groups/{id}", configure: r => r.Headers.TryAddWithoutValidation("If-Match", v1)).AssertScimErrorAsync(412);
        await PatchAsync(Guid.CreateVersion7().ToString("D"), Op("add", "members", Refs(users[0]))).AssertScimErrorAsync(404);
    }
}
