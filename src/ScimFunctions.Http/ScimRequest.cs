using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Storage.Audit;
using ScimFunctions.Protocol.Schema;
using ScimFunctions.Storage.Tables;
using ScimFunctions.Storage.Tenants;

namespace ScimFunctions.Http;

/// <summary>An authenticated SCIM request: who the tenant is, its settings, its base URL, and for a write the
/// context every store write of it carries.</summary>
/// <param name="write">Made by the pipeline for POST, PUT, PATCH and DELETE; null for reads.</param>
/// <param name="aborted">The client went away or the request's deadline passed (see <see cref="ScimLimits.RequestTimeoutSeconds"/>).</param>
public sealed class ScimRequest(HttpContext http, TenantSettings tenant, WriteContext? write, ScimLimits limits, ScimEdgeOptions edge, CancellationToken aborted)
{
    public HttpContext Http => http;
    public TenantId Tenant => tenant.Tenant;
    public TenantSettings Settings => tenant;

    /// <summary>The tenant's own schema: every normalisation, PATCH, filter and projection of this request uses it.
    /// Users-only when the tenant's group provisioning is off, so discovery lists no Group.</summary>
    public TenantSchema Schema => tenant.GroupProvisioning == GroupProvisioningState.Off ? tenant.Schema.UsersOnly : tenant.Schema;

    /// <summary>Refuses a group request of a users-only tenant (group provisioning off): 403, not 404 or 501, because
    /// it is the admin's decision, answered the same way as provisioning off (README, Operating). Every path that
    /// reads or writes groups (the /Groups routes, and any route that reaches groups) calls it first.</summary>
    public void RequireGroupProvisioning()
    {
        if (tenant.GroupProvisioning == GroupProvisioningState.Off)
            throw new ScimException(HttpStatusCode.Forbidden, null,
                "Group provisioning is off for this tenant: it provisions users only. Turn off group provisioning in the identity provider "
                + "(Entra: Provisioning > Mappings > Provision Microsoft Entra ID Groups: No), or ask the tenant's administrator to turn it on.");
    }

    public ResourceTypeDefinition TypeOf(ResourceKind kind) => kind == ResourceKind.User ? tenant.Schema.User : tenant.Schema.Group;

    /// <summary>The document's values of the tenant's declared unique/indexed extension attributes: the store
    /// writes their index rows in the resource's own transaction.</summary>
    public IReadOnlyList<IndexedValue> Indexed(ResourceKind kind, JsonObject document) => ExtensionIndex.ValuesOf(TypeOf(kind), document);
    public CancellationToken Aborted => aborted;

    /// <summary>The write context of this request (request id, operation, client) for the stores' audit and feed rows.</summary>
    public WriteContext Write => write ?? throw new InvalidOperationException($"{http.Request.Method} is not a write: it has no write context.");

    /// <summary>A write of this request has committed: from here on a storage failure must not answer 503 (the
    /// client would send the applied write again).</summary>
    public bool HasCommitted => write is { Committed: > 0 };

    /// <summary>The request's CPU work budget, which also stops CPU work at the deadline.</summary>
    public WorkBudget Budget { get; } = new(limits.MaxWorkSteps, aborted);

    /// <summary>The Tenant URL: under the configured public origin (<see cref="ScimEdgeOptions.PublicBaseUrl"/>),
    /// else as the client reached us.</summary>
    public string BaseUrl { get; } = ScimRoutes.TenantUrl(edge.Origin(http), tenant.Tenant);

    /// <summary>The client asked for a conditional write (If-Match): a conflict is then its 412, not our retry.</summary>
    public bool HasIfMatch => http.Request.Headers.IfMatch.Count > 0;

    /// <summary>412 when If-Match names another version than <paramref name="current"/>'s.</summary>
    public void CheckIfMatch(StoredResource current)
    {
        if (HasIfMatch && !ResourceRenderer.Matches(http.Request.Headers.IfMatch, current))
            throw ScimException.PreconditionFailed($"The {current.Kind.ToString().ToLowerInvariant()}'s version is {ResourceRenderer.Version(current)}; read it again.");
    }

    public string? Query(string name) => http.Request.Query.TryGetValue(name, out var v) ? v.ToString() : null;

    /// <summary>Reads the body as a JSON object, enforcing the size limit and the accepted content types.</summary>
    public async Task<JsonObject> ReadJsonObjectAsync()
    {
        var request = http.Request;
        if (request.ContentType is { Length: > 0 } contentType
            && MediaTypeHeaderValue.TryParse(contentType, out var media)
            && !media.MediaType.Equals(ScimMediaTypes.Scim, StringComparison.OrdinalIgnoreCase)
            && !media.MediaType.Equals(ScimMediaTypes.Json, StringComparison.OrdinalIgnoreCase))
        {
            throw new ScimException(HttpStatusCode.UnsupportedMediaType, null,
                $"Send the body as {ScimMediaTypes.Scim} or {ScimMediaTypes.Json}.");
        }
        if (request.ContentLength > limits.MaxBodyBytes) throw TooLarge();

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, Aborted)) > 0)
        {
            if (buffer.Length + read > limits.MaxBodyBytes) throw TooLarge();
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) throw ScimException.BadRequest(ScimType.InvalidSyntax, "The request body is empty.");
        try
        {
            var node = JsonNode.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length),
                documentOptions: new JsonDocumentOptions { MaxDepth = limits.MaxJsonDepth, AllowDuplicateProperties = false });
            ReadAllStrings(node);
            return node as JsonObject ?? throw ScimException.BadRequest(ScimType.InvalidSyntax, "The request body must be a JSON object.");
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            throw ScimException.BadRequest(ScimType.InvalidSyntax, "The request body is not valid JSON.");
        }
    }

    /// <summary>Reads a PATCH body, refusing more operations than <see cref="ScimLimits.MaxPatchOperations"/>
    /// before any is applied.</summary>
    public async Task<JsonObject> ReadPatchAsync()
    {
        var body = await ReadJsonObjectAsync();
        if (ScimJson.Get(body, "Operations") is JsonArray operations && operations.Count > limits.MaxPatchOperations)
            throw ScimException.BadRequest(ScimType.InvalidValue,
                $"The request has {operations.Count} operations; at most {limits.MaxPatchOperations} are accepted. Split it into several requests.");
        return body;
    }

    /// <summary>JsonNode decodes strings lazily: invalid UTF-8 and lone surrogate escapes ("\ud800") would
    /// throw wherever a handler first reads them (a 500). Reading every name and string once here makes
    /// them a 400 invalidSyntax. Recursion is bounded by MaxJsonDepth.</summary>
    static void ReadAllStrings(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, value) in o) ReadAllStrings(value);
                break;
            case JsonArray a:
                foreach (var value in a) ReadAllStrings(value);
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                v.GetValue<string>();
                break;
        }
    }

    ScimException TooLarge() => new(HttpStatusCode.RequestEntityTooLarge, null, $"The request body exceeds {limits.MaxBodyBytes} bytes.");
}
