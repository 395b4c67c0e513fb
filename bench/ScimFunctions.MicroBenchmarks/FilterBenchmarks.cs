using BenchmarkDotNet.Attributes;
using ScimFunctions.Protocol.Filtering;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.MicroBenchmarks;

/// <summary>Parsing (and compiling against the schema) the filters Entra sends, and one complex filter.</summary>
[MemoryDiagnoser]
public class FilterBenchmarks
{
    public static IEnumerable<string> Filters =>
    [
        "userName eq \"alice.smith@contoso.com\"",
        "externalId eq \"a1b2c3-000123\"",
        "displayName eq \"Research\"",
        "id eq \"0199a6b4-1c1e-7d3a-9f00-0000000000aa\" and manager eq \"0199a6b4-1c1e-7d3a-9f00-000000000001\"",
        "emails[type eq \"work\"].value eq \"alice.smith@contoso.com\"",
        "(userName sw \"alice\" or emails[type eq \"work\" and value co \"@contoso\"]) and not (title pr) and meta.lastModified gt \"2026-01-01T00:00:00Z\"",
    ];

    [ParamsSource(nameof(Filters))]
    public string Filter { get; set; } = "";

    [Benchmark]
    public FilterNode Parse() => FilterParser.Parse(Filter);

    [Benchmark]
    public Func<System.Text.Json.Nodes.JsonObject, bool> ParseAndCompile() => FilterEvaluator.Compile(FilterParser.Parse(Filter), ScimSchemas.UserType);
}
