using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Patching;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.MicroBenchmarks;

/// <summary>PatchEngine.Apply on a realistic user with the operations Entra sends, and a group member batch
/// of 100 (which only builds the membership edit: members are rows, not document data).</summary>
[MemoryDiagnoser]
public class PatchBenchmarks
{
    static readonly Dictionary<string, string> Bodies = new()
    {
        ["replace 3 attributes"] = """[{"op":"Replace","path":"title","value":"Senior engineer"},{"op":"Replace","path":"name.givenName","value":"Alicia"},{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Sales"}]""",
        ["disable (active \"False\")"] = """[{"op":"Replace","path":"active","value":"False"}]""",
        ["set manager"] = """[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"0199a6b4-1c1e-7d3a-9f00-000000000002"}]""",
        ["work email value path"] = """[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"alicia.smith@contoso.com"}]""",
        ["path-less replace"] = """[{"op":"Replace","value":{"displayName":"Alicia Smith","name.familyName":"Smith-Jones","active":"True"}}]""",
    };

    public static IEnumerable<string> Cases => Bodies.Keys;

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    JsonObject _user = null!;
    JsonObject _patch = null!;
    JsonObject _group = null!;
    JsonObject _members = null!;

    [GlobalSetup]
    public void Setup()
    {
        _user = Samples.User();
        _patch = new JsonObject { ["schemas"] = new JsonArray(ScimUrns.PatchOp), ["Operations"] = JsonNode.Parse(Bodies[Case]) };
        _group = Samples.Group();
        _members = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimUrns.PatchOp),
            ["Operations"] = new JsonArray(new JsonObject
            {
                ["op"] = "Add", ["path"] = "members",
                ["value"] = new JsonArray([.. Enumerable.Range(0, 100).Select(i => (JsonNode)new JsonObject { ["value"] = $"0199a6b4-1c1e-7d3a-9f00-{i:D12}" })]),
            }),
        };
    }

    [Benchmark]
    public PatchOutcome User() => PatchEngine.Apply(ScimSchemas.UserType, _user, _patch);

    /// <summary>Independent of <see cref="Case"/>; measured once per case, which also shows the noise.</summary>
    [Benchmark]
    public PatchOutcome GroupAdd100Members() => PatchEngine.Apply(ScimSchemas.GroupType, _group, _members);
}
