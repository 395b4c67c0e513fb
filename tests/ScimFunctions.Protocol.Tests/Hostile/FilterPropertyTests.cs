using System.Text.Json.Nodes;
using CsCheck;
using ScimFunctions.Protocol.Filtering;
using ScimFunctions.Protocol.Schema;
using Xunit.Abstractions;

namespace ScimFunctions.Protocol.Tests.Hostile;

/// <summary>
/// The filter parser and evaluator under random input: only a parsed filter or a 400 invalidFilter,
/// never another exception or a hang; what parses formats to text that parses to the same filter; what
/// compiles evaluates without failing on any resource.
/// </summary>
public sealed class FilterPropertyTests(ITestOutputHelper output)
{
    const int Iterations = 3000;

    static readonly JsonObject User = JsonNode.Parse("""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
          "id": "2f1b6c1e-0000-7000-8000-000000000001", "userName": "alice@contoso.com", "active": true, "title": "x",
          "name": { "givenName": "Alice", "familyName": "Smith" },
          "emails": [ { "value": "alice@contoso.com", "type": "work", "primary": true }, { "value": 5 }, null, "text" ],
          "phoneNumbers": [ { "value": "555", "type": "mobile" } ],
          "meta": { "lastModified": "2026-01-01T00:00:00Z", "created": "not a date" },
          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "employeeNumber": "7", "manager": { "value": "m" } },
          "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User": { "costCode": "CC-1", "badge": [ { "number": 7 }, "x", null, { "number": { "deep": true } } ] },
          "urn:ietf:params:scim:schemas:extension:acme:2.0:User": { "level": "not a number", "badge": 5 }
        }
        """)!.AsObject();

    [Fact]
    public void Random_text_parses_or_is_invalid_filter()
    {
        var counts = new Counts();
        Check.Sample(HostileGen.Any(HostileGen.Text, HostileGen.FilterLike), text => ParseAndExercise(text, counts), iter: Iterations);
        output.WriteLine($"random filter text: {counts}");
        Assert.True(counts.Parsed > 0 && counts.Rejected > 0, counts.ToString());
    }

    [Fact]
    public void Well_formed_filters_parse_and_round_trip()
    {
        var counts = new Counts();
        Check.Sample(HostileGen.Filter(4), text =>
        {
            var node = FilterParser.Parse(text);
            counts.Parsed++;
            var formatted = FilterParser.Format(node);
            Assert.Equal(formatted, FilterParser.Format(FilterParser.Parse(formatted)));
            Compile(node, counts);
        }, iter: Iterations, threads: 1);
        output.WriteLine($"well-formed filters: {counts}");
    }

    [Fact]
    public void Deep_and_long_filters_are_refused_without_exhausting_the_stack()
    {
        var refused = new[]
        {
            new string('(', 100_000) + "userName pr" + new string(')', 100_000),
            string.Concat(Enumerable.Repeat("not (", 50_000)) + "a pr" + new string(')', 50_000),
            string.Concat(Enumerable.Repeat("emails[", 10_000)),
            new string('[', 10_000),
            "userName eq \"" + new string('\\', 9_999) + "\"",
            new string('(', 33) + "a pr" + new string(')', 33),
        };
        foreach (var text in refused)
        {
            var e = Assert.Throws<ScimException>(() => FilterParser.Parse(text, new FilterLimits(MaxLength: 1_000_000)));
            Assert.Equal(ScimType.InvalidFilter, e.ScimType);
        }
        // Long but flat (and/or chains loop, they do not recurse in the parser), and nesting at the limit.
        var accepted = new[]
        {
            string.Join(" or ", Enumerable.Repeat("userName eq \"x\"", 2_000)),
            "emails[" + string.Concat(Enumerable.Repeat("value eq \"x\" and ", 2_000)) + "type pr]",
            new string('(', 32) + "userName pr" + new string(')', 32),
        };
        foreach (var text in accepted)
        {
            var node = FilterParser.Parse(text, new FilterLimits(MaxLength: 1_000_000));
            FilterEvaluator.Compile(node, ScimSchemas.UserType)(User);
        }
        output.WriteLine($"deep and long filters: {refused.Length} refused with 400 invalidFilter, {accepted.Length} accepted and evaluated");
    }

    [Fact]
    public void Random_patch_paths_parse_or_are_invalid_path()
    {
        var counts = new Counts();
        Check.Sample(HostileGen.Any(HostileGen.Text, HostileGen.FilterLike), text =>
        {
            try
            {
                FilterParser.ParsePatchPath(text);
                counts.Parsed++;
            }
            catch (ScimException e) when (e.ScimType == ScimType.InvalidPath && (int)e.Status == 400)
            {
                counts.Rejected++;
            }
        }, iter: Iterations, threads: 1);
        output.WriteLine($"random PATCH paths: {counts}");
    }

    static void ParseAndExercise(string text, Counts counts)
    {
        FilterNode node;
        try
        {
            node = FilterParser.Parse(text);
        }
        catch (ScimException e) when (e.ScimType == ScimType.InvalidFilter && (int)e.Status == 400)
        {
            Interlocked.Increment(ref counts.Rejected);
            return;
        }
        Interlocked.Increment(ref counts.Parsed);
        var formatted = FilterParser.Format(node);
        Assert.Equal(formatted, FilterParser.Format(FilterParser.Parse(formatted)));
        Compile(node, counts);
    }

    /// <summary>Compiles against both resource types (an unknown attribute is a 400) and evaluates on a user full of odd values.</summary>
    static void Compile(FilterNode node, Counts counts)
    {
        // The default tenant, one that declared an extension, and a strict one.
        foreach (var type in new[] { ScimSchemas.UserType, ScimSchemas.GroupType, TestTenants.Declared.User, TestTenants.Strict.User })
        {
            try
            {
                var matches = FilterEvaluator.Compile(node, type);
                matches(User);
                matches(new JsonObject());
                Interlocked.Increment(ref counts.Evaluated);
            }
            catch (ScimException e) when (e.ScimType == ScimType.InvalidFilter && (int)e.Status == 400)
            {
            }
        }
    }

    sealed class Counts
    {
        public int Parsed, Rejected, Evaluated;
        public override string ToString() => $"{Parsed + Rejected} cases: {Parsed} parsed (round-trip checked), {Rejected} rejected with 400 invalidFilter/invalidPath, {Evaluated} compiled and evaluated";
    }
}
