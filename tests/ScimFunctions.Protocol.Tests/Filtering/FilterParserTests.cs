using System.Net;
using ScimFunctions.Protocol.Filtering;

namespace ScimFunctions.Protocol.Tests.Filtering;

public class FilterParserTests
{
    const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    [Theory]
    // Every operator.
    [InlineData("userName eq \"bjensen\"", "(userName eq \"bjensen\")")]
    [InlineData("userName ne \"bjensen\"", "(userName ne \"bjensen\")")]
    [InlineData("name.familyName co \"O'Malley\"", "(name.familyName co \"O'Malley\")")]
    [InlineData("userName sw \"J\"", "(userName sw \"J\")")]
    [InlineData("title ew \"er\"", "(title ew \"er\")")]
    [InlineData("title pr", "(title pr)")]
    [InlineData("meta.lastModified gt \"2011-05-13T04:42:34Z\"", "(meta.lastModified gt \"2011-05-13T04:42:34Z\")")]
    [InlineData("meta.lastModified ge \"2011-05-13T04:42:34Z\"", "(meta.lastModified ge \"2011-05-13T04:42:34Z\")")]
    [InlineData("meta.lastModified lt \"2011-05-13T04:42:34Z\"", "(meta.lastModified lt \"2011-05-13T04:42:34Z\")")]
    [InlineData("meta.lastModified le \"2011-05-13T04:42:34Z\"", "(meta.lastModified le \"2011-05-13T04:42:34Z\")")]
    // Case-insensitive keywords; Format lower-cases them.
    [InlineData("userName EQ \"a\"", "(userName eq \"a\")")]
    [InlineData("title Pr AND nickName pR", "((title pr) and (nickName pr))")]
    [InlineData("NOT (title pr) Or nickName pr", "((not (title pr)) or (nickName pr))")]
    // Precedence: and binds tighter than or; both associate to the left.
    [InlineData("a pr or b pr and c pr", "((a pr) or ((b pr) and (c pr)))")]
    [InlineData("a pr and b pr or c pr", "(((a pr) and (b pr)) or (c pr))")]
    [InlineData("a pr and b pr and c pr", "(((a pr) and (b pr)) and (c pr))")]
    [InlineData("a pr or b pr or c pr", "(((a pr) or (b pr)) or (c pr))")]
    [InlineData("a pr or b pr and c pr or d pr", "(((a pr) or ((b pr) and (c pr))) or (d pr))")]
    // Grouping and not.
    [InlineData("a pr and (b pr or c pr)", "((a pr) and ((b pr) or (c pr)))")]
    [InlineData("(a pr or b pr) and c pr", "(((a pr) or (b pr)) and (c pr))")]
    [InlineData("((a pr))", "(a pr)")]
    [InlineData("not (a pr) and b pr", "((not (a pr)) and (b pr))")]
    [InlineData("not (a pr and b pr)", "(not ((a pr) and (b pr)))")]
    [InlineData("not(not(a pr))", "(not (not (a pr)))")]
    [InlineData("userName eq \"a\" and not (active eq true)", "((userName eq \"a\") and (not (active eq true)))")]
    // RFC 7644 §3.4.2.2 examples.
    [InlineData("userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")",
        "((userType eq \"Employee\") and ((emails co \"example.com\") or (emails.value co \"example.org\")))")]
    [InlineData("userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")",
        "((userType ne \"Employee\") and (not ((emails co \"example.com\") or (emails.value co \"example.org\"))))")]
    [InlineData("userType eq \"Employee\" and (emails.type eq \"work\")", "((userType eq \"Employee\") and (emails.type eq \"work\"))")]
    [InlineData("userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]",
        "((userType eq \"Employee\") and (emails[((type eq \"work\") and (value co \"@example.com\"))]))")]
    [InlineData("emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]",
        "((emails[((type eq \"work\") and (value co \"@example.com\"))]) or (ims[((type eq \"xmpp\") and (value co \"@foo.com\"))]))")]
    [InlineData("emails[type eq \"work\" and primary eq true]", "(emails[((type eq \"work\") and (primary eq true))])")]
    [InlineData("emails[not (type eq \"work\") or (value pr)]", "(emails[((not (type eq \"work\")) or (value pr))])")]
    // Entra's "valuePath.subAttr op value" shape becomes one value path.
    [InlineData("emails[type eq \"work\"].value eq \"alice@contoso.com\"", "(emails[((type eq \"work\") and (value eq \"alice@contoso.com\"))])")]
    [InlineData("emails[type eq \"work\"].value pr", "(emails[((type eq \"work\") and (value pr))])")]
    [InlineData("emails[type eq \"work\"].value eq \"x\" and active eq true", "((emails[((type eq \"work\") and (value eq \"x\"))]) and (active eq true))")]
    // URN-qualified paths.
    [InlineData("urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"", "(urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\")")]
    [InlineData(Enterprise + ":employeeNumber eq \"701984\"", "(" + Enterprise + ":employeeNumber eq \"701984\")")]
    [InlineData(Enterprise + ":manager.value eq \"26118915\"", "(" + Enterprise + ":manager.value eq \"26118915\")")]
    // Escapes are decoded, then re-escaped canonically.
    [InlineData("displayName eq \"say \\\"hi\\\"\"", "(displayName eq \"say \\\"hi\\\"\")")]
    [InlineData("displayName eq \"caf\\u00e9\"", "(displayName eq \"café\")")]
    [InlineData("displayName eq \"a\\\\b\\/c\"", "(displayName eq \"a\\\\b/c\")")]
    [InlineData("displayName eq \"tab\\there\\n\"", "(displayName eq \"tab\\there\\n\")")]
    [InlineData("displayName eq \"\"", "(displayName eq \"\")")]
    // Literals.
    [InlineData("active eq true", "(active eq true)")]
    [InlineData("active eq TRUE", "(active eq true)")]
    [InlineData("active eq False", "(active eq false)")]
    [InlineData("nickName eq NULL", "(nickName eq null)")]
    [InlineData("nickName ne null", "(nickName ne null)")]
    [InlineData("count eq 42", "(count eq 42)")]
    [InlineData("count eq 0", "(count eq 0)")]
    [InlineData("count gt -7", "(count gt -7)")]
    [InlineData("score le 3.25", "(score le 3.25)")]
    [InlineData("score lt -0.5", "(score lt -0.5)")]
    [InlineData("score ge 1e3", "(score ge 1000)")]
    [InlineData("score ge 2.5E-1", "(score ge 0.25)")]
    // Whitespace variants.
    [InlineData("  userName   eq\t\"a\"  ", "(userName eq \"a\")")]
    [InlineData("(a pr)and(b pr)", "((a pr) and (b pr))")]
    [InlineData("( a pr )", "(a pr)")]
    [InlineData("emails[ type eq \"work\" ]", "(emails[(type eq \"work\")])")]
    [InlineData("userName eq\"a\"", "(userName eq \"a\")")]
    public void Parses_to_canonical_form(string filter, string expected) =>
        Assert.Equal(expected, FilterParser.Format(FilterParser.Parse(filter)));

    [Theory]
    [InlineData("userName eq \"alice@contoso.com\"", "(userName eq \"alice@contoso.com\")")]
    [InlineData("userName eq \"9d4c3b0e-5f0b-4f4a-9a53-6d2b2e0a1c7f\"", "(userName eq \"9d4c3b0e-5f0b-4f4a-9a53-6d2b2e0a1c7f\")")]
    [InlineData("externalId eq \"0b7e8f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b\"", "(externalId eq \"0b7e8f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b\")")]
    [InlineData("emails[type eq \"work\"].value eq \"alice@contoso.com\"", "(emails[((type eq \"work\") and (value eq \"alice@contoso.com\"))])")]
    [InlineData("displayName eq \"Sales\"", "(displayName eq \"Sales\")")]
    [InlineData("id eq \"u1\" and manager eq \"m1\"", "((id eq \"u1\") and (manager eq \"m1\"))")]
    [InlineData("id eq \"g1\" and members eq \"u1\"", "((id eq \"g1\") and (members eq \"u1\"))")]
    [InlineData("id eq \"g1\" and members[value eq \"u1\"]", "((id eq \"g1\") and (members[(value eq \"u1\")]))")]
    [InlineData("members[value eq \"u1\"]", "(members[(value eq \"u1\")])")]
    public void Parses_the_shapes_Entra_sends(string filter, string expected) =>
        Assert.Equal(expected, FilterParser.Format(FilterParser.Parse(filter)));

    [Fact]
    public void Builds_the_expected_tree()
    {
        var node = FilterParser.Parse(Enterprise + ":manager.value eq \"m1\" and emails[type eq \"work\"].value eq \"x\"");

        var and = Assert.IsType<LogicalNode>(node);
        Assert.Equal(LogicalOperator.And, and.Operator);
        var manager = Assert.IsType<ComparisonNode>(and.Left);
        Assert.Equal(new AttributePath(Enterprise, "manager", "value"), manager.Path);
        Assert.Equal("m1", manager.Value!.GetValue<string>());

        var valuePath = Assert.IsType<ValuePathNode>(and.Right);
        Assert.Equal(new AttributePath(null, "emails"), valuePath.Path);
        var inner = Assert.IsType<LogicalNode>(valuePath.Filter);
        Assert.Equal(new AttributePath(null, "type"), Assert.IsType<ComparisonNode>(inner.Left).Path);
        var value = Assert.IsType<ComparisonNode>(inner.Right);
        Assert.Equal(new AttributePath(null, "value"), value.Path);
        Assert.Equal(ComparisonOperator.Eq, value.Operator);
        Assert.Equal("x", value.Value!.GetValue<string>());
    }

    [Fact]
    public void Literals_have_json_types()
    {
        static ComparisonNode Cmp(string f) => Assert.IsType<ComparisonNode>(FilterParser.Parse(f));
        Assert.True(Cmp("a eq true").Value!.GetValue<bool>());
        Assert.False(Cmp("a eq FALSE").Value!.GetValue<bool>());
        Assert.Null(Cmp("a eq null").Value);
        Assert.Equal(-1.5e3m, Cmp("a eq -1.5e3").Value!.GetValue<decimal>());
        Assert.Equal("true", Cmp("a eq \"true\"").Value!.GetValue<string>());
    }

    [Theory]
    [InlineData("a pr or b pr and not (c eq \"x\\\"y\")")]
    [InlineData("emails[type eq \"work\"].value eq \"alice@contoso.com\"")]
    [InlineData("userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")")]
    [InlineData("score ge -2.5e-1 and active eq false and nickName eq null")]
    public void Format_output_parses_back_to_the_same_tree(string filter)
    {
        var once = FilterParser.Format(FilterParser.Parse(filter));
        Assert.Equal(once, FilterParser.Format(FilterParser.Parse(once)));
    }

    [Theory]
    [InlineData("", 0, "expected an attribute path but found the end of the filter")]
    [InlineData("   ", 3, "expected an attribute path")]
    [InlineData("userName eq \"abc", 12, "unterminated string")]
    [InlineData("userName eq", 11, "expected a value (string, number, true, false or null) after 'eq' but found the end of the filter")]
    [InlineData("userName eq and b pr", 12, "expected a value")]
    [InlineData("userName eq emails", 12, "expected a value (string, number, true, false or null) after 'eq' but found 'emails'")]
    [InlineData("userName xx \"a\"", 9, "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) but found 'xx'")]
    [InlineData("userName \"a\"", 9, "expected an operator")]
    [InlineData("userName", 8, "expected an operator")]
    [InlineData("(userName eq \"a\"", 16, "expected ')' but found the end of the filter")]
    [InlineData("userName eq \"a\")", 15, "expected 'and', 'or' or the end of the filter but found ')'")]
    [InlineData("((a pr)", 7, "expected ')'")]
    [InlineData("userName eq \"a\" \"b\"", 16, "expected 'and', 'or' or the end of the filter but found string \"b\"")]
    [InlineData("title pr \"x\"", 9, "expected 'and', 'or' or the end of the filter")]
    [InlineData("a pr b pr", 5, "expected 'and', 'or' or the end of the filter but found 'b'")]
    [InlineData("a pr and", 8, "expected an attribute path")]
    [InlineData("or a pr", 0, "expected an attribute path but found 'or'")]
    [InlineData("not a pr", 4, "expected '(' after 'not' but found 'a'")]
    [InlineData("active gt true", 10, "'gt' cannot compare true")]
    [InlineData("active ge FALSE", 10, "'ge' cannot compare false")]
    [InlineData("active lt null", 10, "'lt' cannot compare null")]
    [InlineData("title co null", 9, "'co' cannot compare null")]
    [InlineData("emails[type eq \"work\"", 21, "expected ']' but found the end of the filter")]
    [InlineData("emails[type eq \"work\"]]", 22, "expected 'and', 'or' or the end of the filter but found ']'")]
    [InlineData("emails[types[value eq 1]]", 12, "nested value paths are not allowed")]
    [InlineData("emails[type eq \"work\"].value", 28, "expected an operator")]
    [InlineData("emails[type eq \"work\"].value.x eq 1", 23, "'value.x' is not a sub-attribute name")]
    [InlineData("emails[type eq \"work\"]. eq 1", 24, "expected a sub-attribute name but found 'eq'")]
    [InlineData("emails[emails.type eq \"work\"]", 7, "'emails.type' is not a sub-attribute name")]
    [InlineData("name.givenName[value eq 1]", 14, "'[' must follow an attribute name")]
    [InlineData("a.b.c eq 1", 0, "'a.b.c' is not a valid attribute path")]
    [InlineData("urn:x: eq 1", 0, "is not a valid attribute path")]
    [InlineData("userName eq \"a\\q\"", 14, "invalid escape")]
    [InlineData("userName+eq+\"a\"", 8, "unexpected character '+'")]
    [InlineData("[a pr]", 0, "expected an attribute path but found '['")]
    public void Malformed_filters_are_invalidFilter_with_position(string filter, int position, string message)
    {
        var ex = Assert.Throws<ScimException>(() => FilterParser.Parse(filter));
        Assert.Equal(HttpStatusCode.BadRequest, ex.Status);
        Assert.Equal(ScimType.InvalidFilter, ex.ScimType);
        Assert.StartsWith($"Invalid filter at position {position}: ", ex.Detail, StringComparison.Ordinal);
        Assert.Contains(message, ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_longer_than_the_limit_is_refused()
    {
        var filter = "userName eq \"" + new string('a', 5000) + "\"";
        var ex = Assert.Throws<ScimException>(() => FilterParser.Parse(filter));
        Assert.Equal(ScimType.InvalidFilter, ex.ScimType);
        Assert.Contains("position 4096", ex.Detail, StringComparison.Ordinal);
        Assert.Contains($"text is {filter.Length} characters long; expected at most 4096", ex.Detail, StringComparison.Ordinal);

        var limits = new FilterLimits(MaxLength: 10);
        Assert.IsType<PresentNode>(FilterParser.Parse("title pr", limits));
        Assert.Throws<ScimException>(() => FilterParser.Parse("nickName pr", limits));
    }

    static string Nested(string open, string core, string close, int levels) =>
        string.Concat(Enumerable.Repeat(open, levels)) + core + string.Concat(Enumerable.Repeat(close, levels));

    [Theory]
    [InlineData("(", ")", "", "")]
    [InlineData("not (", ")", "(not ", ")")]
    public void Nesting_up_to_the_limit_is_accepted(string open, string close, string formattedOpen, string formattedClose)
    {
        var node = FilterParser.Parse(Nested(open, "a pr", close, 32));
        Assert.Equal(Nested(formattedOpen, "(a pr)", formattedClose, 32), FilterParser.Format(node));
        var ex = Assert.Throws<ScimException>(() => FilterParser.Parse(Nested(open, "a pr", close, 33)));
        Assert.Equal(ScimType.InvalidFilter, ex.ScimType);
        Assert.Contains("nesting is deeper than 32 levels", ex.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10_000)]
    [InlineData(100_000)]
    public void Huge_nesting_is_refused_without_exhausting_the_stack(int levels)
    {
        var filter = Nested("(", "a pr", ")", levels);
        var limits = new FilterLimits(MaxLength: int.MaxValue);

        var ex = Assert.Throws<ScimException>(() => FilterParser.Parse(filter, limits));
        Assert.Equal(HttpStatusCode.BadRequest, ex.Status);
        Assert.Equal(ScimType.InvalidFilter, ex.ScimType);
        Assert.Contains("position 32: nesting is deeper than 32 levels", ex.Detail, StringComparison.Ordinal);

        // With the default limits the length check refuses it first.
        var tooLong = Assert.Throws<ScimException>(() => FilterParser.Parse(filter));
        Assert.Contains("expected at most 4096", tooLong.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Depth_counts_brackets_too()
    {
        var limits = new FilterLimits(MaxDepth: 2);
        Assert.IsType<ValuePathNode>(FilterParser.Parse("(emails[type eq \"work\"])", limits));
        var ex = Assert.Throws<ScimException>(() => FilterParser.Parse("((emails[type eq \"work\"]))", limits));
        Assert.Contains("position 8: nesting is deeper than 2 levels", ex.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("members", null, "members", null, null, null)]
    [InlineData("name.givenName", null, "name", "givenName", null, null)]
    [InlineData("emails[type eq \"work\"].value", null, "emails", null, "(type eq \"work\")", "value")]
    [InlineData("members[value eq \"2819c223\"]", null, "members", null, "(value eq \"2819c223\")", null)]
    [InlineData("emails[type eq \"work\" and primary eq true]", null, "emails", null, "((type eq \"work\") and (primary eq true))", null)]
    [InlineData(Enterprise + ":manager", Enterprise, "manager", null, null, null)]
    [InlineData(Enterprise + ":manager.value", Enterprise, "manager", "value", null, null)]
    [InlineData(" addresses[type eq \"work\"].locality ", null, "addresses", null, "(type eq \"work\")", "locality")]
    public void Parses_patch_paths(string text, string? urn, string name, string? sub, string? filter, string? valueSub)
    {
        var path = FilterParser.ParsePatchPath(text);
        Assert.Equal(new AttributePath(urn, name, sub), path.Attribute);
        Assert.Equal(filter, path.ValueFilter is null ? null : FilterParser.Format(path.ValueFilter));
        Assert.Equal(valueSub, path.ValueSubAttribute);
    }

    [Theory]
    [InlineData("", 0, "expected an attribute path but found the end of the path")]
    [InlineData("emails[type eq \"work\"", 21, "expected ']' but found the end of the path")]
    [InlineData("emails[type eq \"work\"].value eq \"x\"", 29, "expected '.' or the end of the path but found 'eq'")]
    [InlineData("emails[type eq \"work\"]value", 22, "expected '.' or the end of the path but found 'value'")]
    [InlineData("emails]", 6, "expected '[' or the end of the path but found ']'")]
    [InlineData("userName eq \"a\"", 9, "expected '[' or the end of the path but found 'eq'")]
    [InlineData("emails[type eq \"wo", 15, "unterminated string")]
    [InlineData("emails[type[value eq 1]]", 11, "nested value paths are not allowed")]
    [InlineData("name.givenName[value eq 1]", 14, "'[' must follow an attribute name")]
    public void Malformed_patch_paths_are_invalidPath(string text, int position, string message)
    {
        var ex = Assert.Throws<ScimException>(() => FilterParser.ParsePatchPath(text));
        Assert.Equal(HttpStatusCode.BadRequest, ex.Status);
        Assert.Equal(ScimType.InvalidPath, ex.ScimType);
        Assert.StartsWith($"Invalid path at position {position}: ", ex.Detail, StringComparison.Ordinal);
        Assert.Contains(message, ex.Detail, StringComparison.Ordinal);
    }
}
