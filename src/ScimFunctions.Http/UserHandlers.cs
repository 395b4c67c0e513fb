using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Patching;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Http;

/// <summary>/Users and /Users/{id} (RFC 7644 §3.2-§3.6).</summary>
public sealed class UserHandlers(ResourceStore store, MembershipStore membership, QueryExecutor queries, ScimLimits limits, DeprovisionBrake brake, ILogger<UserHandlers> log)
    : IResourceHandlers
{
    public Task<IResult> ListAsync(ScimRequest request) => RunQueryAsync(request, ListQuery.FromQueryString(request, request.Schema.User, limits));

    public async Task<IResult> SearchAsync(ScimRequest request) =>
        await RunQueryAsync(request, ListQuery.FromSearchRequest(await request.ReadJsonObjectAsync(), request.Schema.User, limits));

    async Task<IResult> RunQueryAsync(ScimRequest request, ListQuery query) =>
        new ScimJsonResult(HttpStatusCode.OK, await queries.ListAsync(request, [Source(request, query)]));

    /// <summary>Users as a source of a listing (here, and in the root-level search).</summary>
    public QueryExecutor.Source Source(ScimRequest request, ListQuery query) => new(ResourceKind.User, query,
        query.Projection.Includes("groups") ? (rendered, stored) => AddGroupsAsync(request, rendered, stored) : null);

    /// <summary>The read-only <c>groups</c> attribute: those the user row keeps (no storage request, whatever their
    /// number), else from the user's memberof rows (see <see cref="MembershipStore.GroupsOfUserAsync"/>).</summary>
    async Task AddGroupsAsync(ScimRequest request, JsonObject rendered, StoredResource user)
    {
        var groups = new JsonArray();
        await foreach (var group in membership.GroupsOfUserAsync(request.Tenant, user, request.Aborted))
        {
            var item = new JsonObject { ["value"] = group.GroupId, ["$ref"] = ResourceRenderer.Location(request.BaseUrl, ResourceKind.Group, group.GroupId) };
            if (group.DisplayName is not null) item["display"] = group.DisplayName;
            item["type"] = "direct";
            groups.Add(item);
        }
        if (groups.Count > 0) rendered.Add("groups", groups);
    }

    public async Task<IResult> CreateAsync(ScimRequest request)
    {
        var document = ResourceNormalizer.Normalize(request.Schema.User, await request.ReadJsonObjectAsync()).Document;
        var created = await store.CreateAsync(request.Tenant, ResourceKind.User, document, request.Write, request.Aborted,
            pending: request.Settings.Mode == OperationMode.DryRun, indexed: request.Indexed(ResourceKind.User, document),
            awaitingActivation: request.Settings.Activation == UserActivation.Manual);
        return await Respond(request, created, HttpStatusCode.Created);
    }

    public async Task<IResult> GetAsync(ScimRequest request, string id)
    {
        var user = await FindAsync(request, id);
        if (ResourceRenderer.Matches(request.Http.Request.Headers.IfNoneMatch, user))
            return new ScimEmptyResult(HttpStatusCode.NotModified, ResourceRenderer.Version(user));
        return await Respond(request, user, HttpStatusCode.OK);
    }

    public async Task<IResult> ReplaceAsync(ScimRequest request, string id)
    {
        var body = await request.ReadJsonObjectAsync();
        var document = ResourceNormalizer.Normalize(request.Schema.User, body).Document;
        return await WriteAsync(request, id, _ => document);
    }

    public async Task<IResult> PatchAsync(ScimRequest request, string id)
    {
        var body = await request.ReadPatchAsync();
        return await WriteAsync(request, id, current => PatchEngine.Apply(request.Schema.User, current.Document, body, request.Budget) is { Changed: true } outcome ? outcome.Resource : null);
    }

    public Task<IResult> DeleteAsync(ScimRequest request, string id)
    {
        bool? hold = null; // counted by the brake once per request, not once per attempt
        return ConditionalWrite.RunAsync<IResult>(request, async attempt =>
        {
            // Gone after a conflict: our own delete committed and its response was lost (the SDK sent it
            // again and found the row missing), or a concurrent delete won. Either way it is deleted.
            var found = await store.GetAsync(request.Tenant, ResourceKind.User, id, request.Aborted);
            if (found is null && attempt > 1) return new ScimEmptyResult(HttpStatusCode.NoContent);
            var user = found ?? throw ScimException.NotFound($"User {id} not found.");
            request.CheckIfMatch(user);
            if (hold ??= await brake.ShouldHoldAsync(request.Settings, request.Aborted))
            {
                // Answered as applied (see DeprovisionBrake): the user stays as it is until the admin decides.
                await brake.HoldAsync(request.Tenant, user, HeldAction.Delete, request.Write, request.Aborted);
                return new ScimEmptyResult(HttpStatusCode.NoContent);
            }
            // Memberships first: a retry after an interruption finds the user and finishes the job. The groups are
            // those of the row read (a membership changed since moves the ETag: the delete below fails and retries).
            await membership.RemoveUserFromAllGroupsAsync(request.Tenant, user, request.Write, request.Aborted);
            if (request.Settings.Deprovision == DeprovisionMode.Disable)
                await store.SoftDeleteAsync(request.Tenant, user, request.Write, request.Aborted);
            else
                await store.DeleteAsync(request.Tenant, user, request.Write, request.Aborted);
            return new ScimEmptyResult(HttpStatusCode.NoContent);
        });
    }

    /// <summary>Read, change, conditional write (see <see cref="ConditionalWrite"/>). A deactivation past the brake's
    /// threshold is held: the rest of the change is written, <c>active</c> stays as it was.</summary>
    Task<IResult> WriteAsync(ScimRequest request, string id, Func<StoredResource, JsonObject?> change)
    {
        bool? hold = null;
        var held = false;
        return ConditionalWrite.RunAsync(request, async _ =>
        {
            var current = await FindAsync(request, id);
            request.CheckIfMatch(current);
            var document = change(current);
            if (document is not null && DeprovisionBrake.IsInactive(document) && !DeprovisionBrake.IsInactive(current.Document)
                && (hold ??= await brake.ShouldHoldAsync(request.Settings, request.Aborted)))
            {
                if (!held) await brake.HoldAsync(request.Tenant, current, HeldAction.Disable, request.Write, request.Aborted);
                held = true;
                document = document.DeepClone().AsObject();
                if (ScimJson.Get(current.Document, "active") is { } active) ScimJson.Set(document, "active", active.DeepClone());
                else ScimJson.Remove(document, "active");
                if (JsonNode.DeepEquals(document, current.Document)) document = null;
            }
            if (document is null) return await Respond(request, current, HttpStatusCode.OK);
            var updated = await store.ReplaceAsync(request.Tenant, current, document, request.Write, request.Aborted, request.Indexed(ResourceKind.User, document));
            return await Respond(request, updated, HttpStatusCode.OK);
        });
    }

    async Task<StoredResource> FindAsync(ScimRequest request, string id) =>
        await store.GetAsync(request.Tenant, ResourceKind.User, id, request.Aborted)
        ?? throw ScimException.NotFound($"User {id} not found.");

    async Task<IResult> Respond(ScimRequest request, StoredResource user, HttpStatusCode status)
    {
        var projection = AttributeProjection.Parse(request.Schema.User, request.Query("attributes"), request.Query("excludedAttributes"));
        var rendered = ResourceRenderer.Render(user, request.BaseUrl);
        if (projection.Includes("groups"))
        {
            try
            {
                await AddGroupsAsync(request, rendered, user);
            }
            catch (Exception e) when (ScimPipeline.IsTransient(e) && request.HasCommitted && !request.Aborted.IsCancellationRequested)
            {
                // The write is applied: a 503 would make the client send it again. The response goes without groups.
                log.LogWarning(e, "Tenant {Tenant} user {UserId}: written; its groups could not be read for the response", request.Tenant.Value, user.Id);
            }
        }
        var body = projection.Apply(rendered);
        return new ScimJsonResult(status, body,
            location: status == HttpStatusCode.Created ? ResourceRenderer.Location(request.BaseUrl, ResourceKind.User, user.Id) : null,
            etag: ResourceRenderer.Version(user));
    }
}
