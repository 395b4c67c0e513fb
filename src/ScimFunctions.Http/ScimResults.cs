using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Resources;

namespace ScimFunctions.Http;

/// <summary>A SCIM JSON response: application/scim+json, optional Location and ETag.</summary>
public sealed class ScimJsonResult(HttpStatusCode status, JsonNode body, string? location = null, string? etag = null) : IResult, IStatusCodeHttpResult
{
    /// <summary>The body is JSON served as application/scim+json, never HTML: only JSON escaping is needed.</summary>
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public HttpStatusCode Status => status;
    public JsonNode Body => body;
    int? IStatusCodeHttpResult.StatusCode => (int)status;

    public async Task ExecuteAsync(HttpContext http)
    {
        var response = http.Response;
        response.StatusCode = (int)status;
        response.ContentType = ScimMediaTypes.Scim + "; charset=utf-8";
        if (location is not null) response.Headers.Location = location;
        if (etag is not null) response.Headers.ETag = etag;
        await using var writer = new Utf8JsonWriter(response.Body, WriterOptions);
        body.WriteTo(writer);
    }
}

/// <summary>A status with no body (204, 304) and optional ETag.</summary>
public sealed class ScimEmptyResult(HttpStatusCode status, string? etag = null) : IResult, IStatusCodeHttpResult
{
    int? IStatusCodeHttpResult.StatusCode => (int)status;

    public Task ExecuteAsync(HttpContext http)
    {
        http.Response.StatusCode = (int)status;
        if (etag is not null) http.Response.Headers.ETag = etag;
        return Task.CompletedTask;
    }
}

public static class ScimResults
{
    public static ScimJsonResult Error(HttpStatusCode status, string? scimType, string detail) =>
        new(status, ScimErrorDocument.Create(status, scimType, detail));

    public static ScimJsonResult Error(ScimException e) => Error(e.Status, e.ScimType, e.Detail);
}

/// <summary>Lets an Azure Function (which returns IActionResult) return the shared handlers' IResult.</summary>
public sealed class ScimActionResult(IResult result) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
}
