using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Resources;

namespace ScimFunctions.Http;

/// <summary>
/// A SCIM response: its status, and the headers it carries besides its own (<c>Allow</c> on a 405,
/// <c>Retry-After</c>, <c>WWW-Authenticate</c>, <c>X-Scim-Unapplied-Members</c>), so handlers return
/// everything they answer instead of writing to the raw response.
/// </summary>
public abstract class ScimResult(HttpStatusCode status) : IResult, IStatusCodeHttpResult
{
    List<KeyValuePair<string, string>>? _headers;

    public HttpStatusCode Status => status;
    int? IStatusCodeHttpResult.StatusCode => (int)status;

    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers ?? [];

    /// <summary>Adds a response header (the value must already be valid header text).</summary>
    public ScimResult WithHeader(string name, string value)
    {
        (_headers ??= []).Add(new(name, value));
        return this;
    }

    public Task ExecuteAsync(HttpContext http)
    {
        http.Response.StatusCode = (int)status;
        foreach (var (name, value) in Headers) http.Response.Headers[name] = value;
        return WriteAsync(http);
    }

    /// <summary>Writes what is particular to the result (content headers, body); status and headers are set.</summary>
    protected abstract Task WriteAsync(HttpContext http);
}

/// <summary>A SCIM JSON response: application/scim+json, optional Location and ETag.</summary>
public sealed class ScimJsonResult(HttpStatusCode status, JsonNode body, string? location = null, string? etag = null) : ScimResult(status)
{
    /// <summary>The body is JSON served as application/scim+json, never HTML: only JSON escaping is needed.</summary>
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public JsonNode Body => body;

    protected override async Task WriteAsync(HttpContext http)
    {
        var response = http.Response;
        response.ContentType = ScimMediaTypes.Scim + "; charset=utf-8";
        if (location is not null) response.Headers.Location = location;
        if (etag is not null) response.Headers.ETag = etag;
        await using var writer = new Utf8JsonWriter(response.Body, WriterOptions);
        body.WriteTo(writer);
    }
}

/// <summary>A status with no body (204, 304) and optional ETag.</summary>
public sealed class ScimEmptyResult(HttpStatusCode status, string? etag = null) : ScimResult(status)
{
    protected override Task WriteAsync(HttpContext http)
    {
        if (etag is not null) http.Response.Headers.ETag = etag;
        return Task.CompletedTask;
    }
}

public static class ScimResults
{
    public static ScimJsonResult Error(HttpStatusCode status, string? scimType, string detail) =>
        new(status, ScimErrorDocument.Create(status, scimType, detail));

    public static ScimJsonResult Error(ScimException e) => Error(e.Status, e.ScimType, e.Detail);

    /// <summary>Storage trouble a retry could fix: 503 with Retry-After, which Entra and Okta honour.</summary>
    public static ScimResult Unavailable() =>
        Error(HttpStatusCode.ServiceUnavailable, null, "Storage is temporarily unavailable; retry the request.").WithHeader("Retry-After", "5");

    /// <summary>405 with the methods the route does answer, in <c>Allow</c>.</summary>
    public static ScimResult MethodNotAllowed(string method, string allow) =>
        Error(HttpStatusCode.MethodNotAllowed, null, $"{method} is not supported here; use {allow}.").WithHeader("Allow", allow);
}

/// <summary>Lets an Azure Function (which returns IActionResult) return the shared handlers' IResult.</summary>
public sealed class ScimActionResult(IResult result) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
}
