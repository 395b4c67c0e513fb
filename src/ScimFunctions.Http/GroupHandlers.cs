using System.Net;
using System.Text.Json.Nodes;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ScimFunctions.Http.Groups;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Patching;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Http;

/// <summary>
/// /Groups and /Groups/{id} (RFC 7644 §3.2-§3.6). The group row holds displayName and externalId;
/// members are rows (see <see cref="MembershipStore"/>), written after the document and streamed on read.
///
/// Unknown member ids (no such user in the tenant, malformed ids, group ids: nested groups are not
/// supported) are skipped, never rejected: the known members of the same request are applied and the
/// request succeeds, the skipped ids are named in the <see cref="UnappliedHeader"/> response header and
/// counted in a warning log (failing the request would also fail the valid members, and
/// Entra would retry it for days).
/// </summary>
public sealed class GroupHandlers(ResourceStore store, MembershipStore membership, QueryExecutor queries, ScimLimits limits, ILogger<GroupHandlers> log) : IResourceHandlers
{

    public const string UnappliedHeader = "X-Scim-Unapplied-Members";

    /// <summary>The header lists at most this many ids (the log has the full count), each cut to the
    /// length of a resource id, so the header stays a few kilobytes whatever the client sent.</summary>
    const int MaxUnappliedListed = 100;
    const int MaxUnappliedIdLength = 64;

    public Task<IResult> ListAsync(ScimRequest request) => RunQueryAsync(request, ListQuery.FromQueryString(request, request.Schema.Group, limits));

    public async Task<IResult> SearchAsync(ScimRequest request) =>
        await RunQueryAsync(request, ListQuery.FromSearchRequest(await request.ReadJsonObjectAsync(), request.Schema.Group, limits));

    async Task<IResult> RunQueryAsync(ScimRequest request, ListQuery query) =>
        ListResult(request, query.Projection, await queries.ListAsync(request, [Source(request, query)]));

    /// <summary>Groups as a source of a listing (here, and in the root-level search).</summary>
    public QueryExecutor.Source Source(ScimRequest request, ListQuery query)
    {
        var named = query.Filter is null ? [] : MemberFilter.ReferencedIds(query.Filter);
        return new QueryExecutor.Source(ResourceKind.Group, query, BeforeFilter: named.Count == 0 ? null : async (rendered, group) =>
        {
            var present = await membership.WhichAreMembersAsync(request.Tenant, group.Id, named, request.Aborted);
            if (present.Count > 0) rendered["members"] = new JsonArray([.. present.Select(id => (JsonNode)new JsonObject { ["value"] = id })]);
        });
    }

    /// <summary>A ListResponse holding groups: their members streamed from the rows when the projection shows them.</summary>
    public IResult ListResult(ScimRequest request, AttributeProjection projection, JsonObject list) =>
        Members(request, projection) is { } members
            ? new GroupStreamResult(HttpStatusCode.OK, list, members)
            : new ScimJsonResult(HttpStatusCode.OK, list);

    public async Task<IResult> CreateAsync(ScimRequest request)
    {
        var normalized = ResourceNormalizer.Normalize(request.Schema.Group, await request.ReadJsonObjectAsync());
        CheckMemberCount(normalized.MemberIds?.Count ?? 0);
        var group = await store.CreateAsync(request.Tenant, ResourceKind.Group, normalized.Document, request.Write, request.Aborted,
            pending: request.Settings.Mode == ScimFunctions.Storage.Tenants.OperationMode.DryRun, indexed: request.Indexed(ResourceKind.Group, normalized.Document));
        var written = new Written(group, []);
        if (normalized.MemberIds is { Count: > 0 } ids)
        {
            try
            {
                written = Applied(request, group, await membership.EditAsync(request.Tenant, group.Id, ids, [], ETag.All, request.Write, request.Aborted,
                    DisplayName(group)));
            }
            catch (Exception e) when (e is not ScimException)
            {
                // Whole or nothing: the members come after the group row, so a disconnect, the deadline or a
                // storage fault between them would leave a group with some members, and the client's retry a 409.
                await UndoCreateAsync(request, group.Id);
                throw;
            }
        }
        // Created without members (Entra's way: members follow by PATCH): the group has none, so its member
        // rows are not queried for the response.
        return Report(Respond(request, written.Group, HttpStatusCode.Created, mayHaveMembers: normalized.MemberIds is { Count: > 0 }), written);
    }

    public async Task<IResult> GetAsync(ScimRequest request, string id)
    {
        var group = await FindAsync(request, id);
        if (ResourceRenderer.Matches(request.Http.Request.Headers.IfNoneMatch, group))
            return new ScimEmptyResult(HttpStatusCode.NotModified, ResourceRenderer.Version(group));
        return Respond(request, group, HttpStatusCode.OK);
    }

    /// <summary>PUT replaces displayName/externalId and, when the body has a <c>members</c> key, the member
    /// set (by a diff against the rows). Choice: without a <c>members</c> key membership is left as is,
    /// so a client that does not manage members cannot empty a group by accident.</summary>
    public async Task<IResult> ReplaceAsync(ScimRequest request, string id)
    {
        var normalized = ResourceNormalizer.Normalize(request.Schema.Group, await request.ReadJsonObjectAsync());
        CheckMemberCount(normalized.MemberIds?.Count ?? 0);
        MembershipEdit? edit = null;
        if (normalized.MemberIds is { } ids)
        {
            edit = new MembershipEdit();
            edit.ApplyClear();
            foreach (var member in ids) edit.ApplyAdd(member);
        }
        var written = await WriteAsync(request, id, _ => (normalized.Document, edit));
        return Report(Respond(request, written.Group, HttpStatusCode.OK), written);
    }

    /// <summary>PATCH answers 204 (Entra's recommendation for groups: no member list is serialised), or
    /// 200 with the resource when the request asks for attributes.</summary>
    public async Task<IResult> PatchAsync(ScimRequest request, string id)
    {
        var body = await request.ReadPatchAsync();
        var written = await WriteAsync(request, id, current =>
        {
            var outcome = PatchEngine.Apply(request.Schema.Group, current.Document, body, request.Budget);
            CheckMemberCount(outcome.Members.Add.Count + outcome.Members.Remove.Count);
            return (outcome.Changed ? outcome.Resource : null, outcome.Members);
        });
        return Report(request.Query("attributes") is not null || request.Query("excludedAttributes") is not null
            ? Respond(request, written.Group, HttpStatusCode.OK)
            : new ScimEmptyResult(HttpStatusCode.NoContent, ResourceRenderer.Version(written.Group)), written);
    }

    public Task<IResult> DeleteAsync(ScimRequest request, string id) => ConditionalWrite.RunAsync<IResult>(request, async attempt =>
    {
        // Gone after a conflict: our own delete committed and its response was lost (the SDK sent it
        // again and found the row missing), or a concurrent delete won. Either way it is deleted.
        var found = await store.GetAsync(request.Tenant, ResourceKind.Group, id, request.Aborted);
        if (found is null && attempt > 1) return new ScimEmptyResult(HttpStatusCode.NoContent);
        var group = found ?? throw ScimException.NotFound($"Group {id} not found.");
        request.CheckIfMatch(group);
        // Member rows first, then the group row conditional on the ETag read before: a membership write
        // in between moves that ETag, so the delete fails and the rows are cleaned again.
        await membership.RemoveAllMembersAsync(request.Tenant, group.Id, request.Write, request.Aborted);
        await store.DeleteAsync(request.Tenant, group, request.Write, request.Aborted);
        return new ScimEmptyResult(HttpStatusCode.NoContent);
    });

    /// <summary>Read, change, conditional write of the document (see <see cref="ConditionalWrite"/>), then the
    /// membership edit. Membership writes merge the group row with ETag *, so concurrent member changes never
    /// conflict; with If-Match the first of them is conditional on the read version.</summary>
    Task<Written> WriteAsync(ScimRequest request, string id, Func<StoredResource, (JsonObject? Document, MembershipEdit? Edit)> change) =>
        ConditionalWrite.RunAsync(request, async _ =>
        {
            var current = await FindAsync(request, id);
            request.CheckIfMatch(current);
            var (document, edit) = change(current);
            var updated = document is null || JsonNode.DeepEquals(document, current.Document)
                ? current
                : await store.ReplaceAsync(request.Tenant, current, document, request.Write, request.Aborted, request.Indexed(ResourceKind.Group, document));
            var written = new Written(updated, []);
            if (edit is { IsEmpty: false })
            {
                var etag = request.HasIfMatch && ReferenceEquals(updated, current) ? current.ETag : ETag.All;
                var result = edit.ClearAll
                    ? await membership.ReplaceAllAsync(request.Tenant, id, edit.Add, etag, request.Write, request.Aborted, DisplayName(updated))
                    : await membership.EditAsync(request.Tenant, id, edit.Add, edit.Remove, etag, request.Write, request.Aborted, DisplayName(updated));
                written = Applied(request, updated, result);
            }
            if (updated.RenamePending) await PropagateNameAsync(request, id);
            return written;
        });

    /// <summary>A rename (or one an earlier request left unfinished) reaches the members' memberof rows. After the
    /// write committed, so a storage failure here is logged, not answered: the flag stays, the next write resumes.</summary>
    async Task PropagateNameAsync(ScimRequest request, string id)
    {
        try
        {
            await membership.PropagateNameAsync(request.Tenant, id, request.Aborted);
        }
        catch (Exception e) when (ScimPipeline.IsTransient(e))
        {
            log.LogWarning(e, "Tenant {Tenant} group {GroupId}: renamed; its members' group names are updated by its next write", request.Tenant.Value, id);
        }
    }

    static string? DisplayName(StoredResource group) => ScimJson.GetString(group.Document, "displayName");

    /// <summary>Deletes a group this request created, with its member rows, on its own time limit (the
    /// request's may be what ran out). If storage refuses this too, the group stays as the failure left it.</summary>
    async Task UndoCreateAsync(ScimRequest request, string groupId)
    {
        using var undo = new CancellationTokenSource(TimeSpan.FromSeconds(limits.RequestTimeoutSeconds));
        try
        {
            await ConditionalWrite.RunAsync(request, async _ =>
            {
                if (await store.GetAsync(request.Tenant, ResourceKind.Group, groupId, undo.Token) is not { } group) return true;
                await membership.RemoveAllMembersAsync(request.Tenant, groupId, request.Write, undo.Token);
                await store.DeleteAsync(request.Tenant, group, request.Write, undo.Token);
                return true;
            });
        }
        catch (Exception e) when (ScimPipeline.IsTransient(e) || e is ConcurrencyConflictException)
        {
            log.LogWarning(e, "Tenant {Tenant} group {GroupId}: created with part of its members; undoing the create failed", request.Tenant.Value, groupId);
        }
    }

    /// <summary>Checked before anything is written, for POST, PUT and PATCH alike: each id costs a point
    /// read and part of a transaction.</summary>
    void CheckMemberCount(int count)
    {
        if (count > limits.MaxMembersPerPatch)
            throw ScimException.BadRequest(ScimType.InvalidValue,
                $"The request adds or removes {count} members; at most {limits.MaxMembersPerPatch} are accepted per request. Split it into several requests.");
    }

    /// <summary>A group after a write, and the member ids the write skipped (no such user).</summary>
    readonly record struct Written(StoredResource Group, IReadOnlyList<string> Unapplied);

    /// <summary>The group as it is after a membership write, with the skipped member ids logged.</summary>
    Written Applied(ScimRequest request, StoredResource group, MembershipChange change)
    {
        if (change.Unapplied.Count > 0)
            log.LogWarning("Tenant {Tenant} group {GroupId}: {Count} member ids not applied (no such user)", request.Tenant.Value, group.Id, change.Unapplied.Count);
        return new Written(change.LastModified is { } at ? group with { LastModified = at } : group, change.Unapplied);
    }

    /// <summary>Names the skipped member ids in the <see cref="UnappliedHeader"/> of the response.</summary>
    static ScimResult Report(ScimResult result, Written written) =>
        written.Unapplied.Count == 0
            ? result
            // Ids come from the client: escaped (and cut), so any text is a short, valid header value.
            : result.WithHeader(UnappliedHeader, string.Join(',', written.Unapplied.Take(MaxUnappliedListed)
                .Select(id => Uri.EscapeDataString(Cut(id, MaxUnappliedIdLength)))));

    /// <summary>Only tenants that deprovision by disabling keep deleted users' rows (see MembershipStore).</summary>
    /// <summary>The first <paramref name="max"/> characters, never splitting a surrogate pair.</summary>
    static string Cut(string text, int max) =>
        text.Length <= max ? text : text[..(char.IsHighSurrogate(text[max - 1]) ? max - 1 : max)];

    async Task<StoredResource> FindAsync(ScimRequest request, string id) =>
        await store.GetAsync(request.Tenant, ResourceKind.Group, id, request.Aborted)
        ?? throw ScimException.NotFound($"Group {id} not found.");

    MemberStream? Members(ScimRequest request, AttributeProjection projection) =>
        MemberStream.For(projection, request.BaseUrl, (groupId, ct) => membership.MembersAsync(request.Tenant, groupId, ct));

    ScimResult Respond(ScimRequest request, StoredResource group, HttpStatusCode status, bool mayHaveMembers = true)
    {
        var projection = AttributeProjection.Parse(request.Schema.Group, request.Query("attributes"), request.Query("excludedAttributes"));
        var body = projection.Apply(ResourceRenderer.Render(group, request.BaseUrl));
        var location = status == HttpStatusCode.Created ? ResourceRenderer.Location(request.BaseUrl, ResourceKind.Group, group.Id) : null;
        var etag = ResourceRenderer.Version(group);
        return mayHaveMembers && Members(request, projection) is { } members
            ? new GroupStreamResult(status, body, members, location, etag)
            : new ScimJsonResult(status, body, location, etag);
    }
}
