using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using ScimFunctions.Http;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;
using ScimFunctions.Storage.Tables;

namespace ScimFunctions.MicroBenchmarks;

/// <summary>What a user read costs in CPU after storage answered: parsing the stored document, rendering
/// (schemas, meta, $ref), the attribute projection, and writing the JSON response.</summary>
[MemoryDiagnoser]
public class RenderBenchmarks
{
    static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    StoredResource _user = null!;
    string _stored = "";

    [GlobalSetup]
    public void Setup()
    {
        _user = Samples.StoredUser();
        _stored = _user.Document.ToJsonString();
    }

    [Benchmark]
    public JsonNode? ParseStoredDocument() => JsonNode.Parse(_stored);

    [Benchmark]
    public JsonObject Render() => ResourceRenderer.Render(_user, Samples.BaseUrl);

    [Benchmark]
    public int RenderProjectWrite() => Write(AttributeProjection.Parse(ScimSchemas.UserType, null, null).Apply(ResourceRenderer.Render(_user, Samples.BaseUrl)));

    [Benchmark]
    public int RenderProjectWrite_AttributesIdUserName() =>
        Write(AttributeProjection.Parse(ScimSchemas.UserType, "id,userName", null).Apply(ResourceRenderer.Render(_user, Samples.BaseUrl)));

    /// <summary>The whole read path in CPU: stored text → response bytes.</summary>
    [Benchmark]
    public int ParseRenderProjectWrite()
    {
        var stored = _user with { Document = JsonNode.Parse(_stored)!.AsObject() };
        return Write(AttributeProjection.Parse(ScimSchemas.UserType, null, null).Apply(ResourceRenderer.Render(stored, Samples.BaseUrl)));
    }

    int Write(JsonObject body)
    {
        _buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_buffer, WriterOptions);
        body.WriteTo(writer);
        writer.Flush();
        return _buffer.WrittenCount;
    }
}
