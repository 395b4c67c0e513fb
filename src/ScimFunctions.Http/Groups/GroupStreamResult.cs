using System.Buffers;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.Http.Groups;

/// <summary>Where a response's members come from and which of their sub-attributes it shows. Members
/// render as <c>{ "value", "$ref", "type": "User" }</c>; <c>display</c> is never rendered (choice: it would
/// cost a read of every member's user row).</summary>
public sealed record MemberStream(Func<string, CancellationToken, IAsyncEnumerable<string>> MemberIds, string BaseUrl, bool Value, bool Ref, bool Type)
{
    /// <summary>The members the projection asks for, or null when the response shows none: then the
    /// member rows are never read.</summary>
    public static MemberStream? For(AttributeProjection projection, string baseUrl, Func<string, CancellationToken, IAsyncEnumerable<string>> memberIds)
    {
        if (!projection.Includes("members")) return null;
        // Let the projection decide the sub-attributes on a sample element, so the rules live in one place.
        var probe = new JsonObject { ["members"] = new JsonArray(new JsonObject { ["value"] = "v", ["$ref"] = "r", ["type"] = "User" }) };
        if (projection.Apply(probe)["members"] is not JsonArray { Count: 1 } kept || kept[0] is not JsonObject sample) return null;
        return new MemberStream(memberIds, baseUrl, sample.ContainsKey("value"), sample.ContainsKey("$ref"), sample.ContainsKey("type"));
    }
}

/// <summary>
/// A group, or a ListResponse of groups, whose members are streamed from the member-row range query
/// while the response is written, sent in chunks as they fill: a group of any size is never held in
/// memory. <paramref name="body"/> is the rendered, projected resource (or list); any <c>members</c> key
/// in it is ignored in favour of the rows.
/// </summary>
/// <remarks>The status is what the pipeline logs. A storage failure before the first chunk turns it into a 503,
/// which is logged here as it happens.</remarks>
public sealed class GroupStreamResult(HttpStatusCode status, JsonObject body, MemberStream members, string? location = null, string? etag = null)
    : ScimResult(status)
{
    const int ChunkBytes = 32 * 1024;

    protected override async Task WriteAsync(HttpContext http)
    {
        var response = http.Response;
        response.ContentType = Protocol.ScimMediaTypes.Scim + "; charset=utf-8";
        if (location is not null) response.Headers.Location = location;
        if (etag is not null) response.Headers.ETag = etag;
        var buffer = new ArrayBufferWriter<byte>(ChunkBytes * 2);
        using var writer = new Utf8JsonWriter(buffer, ScimJsonResult.WriterOptions);
        var sink = new Sink(response.Body, writer, buffer, http.RequestAborted);
        try
        {
            await WriteAsync(sink);
            await sink.SendAsync(all: true);
        }
        catch (Exception e) when (!response.HasStarted && ScimPipeline.IsTransient(e))
        {
            // Storage failed before the first chunk went out: still a proper SCIM 503 the client retries.
            http.RequestServices.GetService<ILogger<GroupStreamResult>>()?.LogWarning(e,
                "Storage unavailable while streaming group members, request {RequestId}: answered 503 instead of {Status}", http.TraceIdentifier, (int)Status);
            response.Headers.Remove("Location");
            response.Headers.Remove("ETag");
            foreach (var (name, _) in Headers) response.Headers.Remove(name);
            await ScimResults.Unavailable().ExecuteAsync(http);
        }
    }

    /// <summary>The writer buffers in memory; full chunks are copied to the response body.</summary>
    sealed record Sink(Stream Body, Utf8JsonWriter Writer, ArrayBufferWriter<byte> Buffer, CancellationToken Aborted)
    {
        public async Task SendAsync(bool all = false)
        {
            Writer.Flush();
            if (!all && Buffer.WrittenCount < ChunkBytes) return;
            await Body.WriteAsync(Buffer.WrittenMemory, Aborted);
            Buffer.ResetWrittenCount();
        }
    }

    async Task WriteAsync(Sink sink)
    {
        var writer = sink.Writer;
        if (body["Resources"] is not JsonArray resources)
        {
            await WriteGroupAsync(sink, body);
            return;
        }
        writer.WriteStartObject();
        foreach (var (key, value) in body)
        {
            writer.WritePropertyName(key);
            if (key != "Resources") Write(writer, value);
            else
            {
                writer.WriteStartArray();
                // A root-level search lists users too: they are written as rendered.
                foreach (var resource in resources.OfType<JsonObject>())
                {
                    if (IsGroup(resource)) await WriteGroupAsync(sink, resource);
                    else Write(writer, resource);
                }
                writer.WriteEndArray();
            }
        }
        writer.WriteEndObject();
    }

    static bool IsGroup(JsonObject resource) =>
        resource["schemas"] is JsonArray schemas && schemas.Any(s => s is JsonValue v && v.TryGetValue<string>(out var urn)
            && urn.Equals(Protocol.ScimUrns.Group, StringComparison.OrdinalIgnoreCase));

    async Task WriteGroupAsync(Sink sink, JsonObject group)
    {
        var writer = sink.Writer;
        writer.WriteStartObject();
        foreach (var (key, value) in group)
        {
            if (key is "members" or "meta") continue;
            writer.WritePropertyName(key);
            Write(writer, value);
        }
        // An absent value is a missing key, never an empty array: the array starts with its first member.
        var any = false;
        if (group["id"]?.GetValue<string>() is { } groupId)
        {
            await foreach (var userId in members.MemberIds(groupId, sink.Aborted))
            {
                if (!any) writer.WriteStartArray("members");
                any = true;
                writer.WriteStartObject();
                if (members.Value) writer.WriteString("value", userId);
                if (members.Ref) writer.WriteString("$ref", ResourceRenderer.Location(members.BaseUrl, ResourceKind.User, userId));
                if (members.Type) writer.WriteString("type", "User");
                writer.WriteEndObject();
                if (writer.BytesPending > ChunkBytes) await sink.SendAsync();
            }
        }
        if (any) writer.WriteEndArray();
        if (group["meta"] is { } meta)
        {
            writer.WritePropertyName("meta");
            meta.WriteTo(writer);
        }
        writer.WriteEndObject();
    }

    static void Write(Utf8JsonWriter writer, JsonNode? value)
    {
        if (value is null) writer.WriteNullValue();
        else value.WriteTo(writer);
    }
}
