using ScimFunctions.Protocol.Filtering;
using K = ScimFunctions.Protocol.Filtering.FilterTokenKind;

namespace ScimFunctions.Protocol.Tests.Filtering;

public class FilterLexerTests
{
    static string Describe(IEnumerable<FilterToken> tokens) =>
        string.Join(" ", tokens.Select(t => $"{t.Kind}@{t.Position}"));

    [Theory]
    [InlineData("userName eq \"a\"", "Path@0 Compare@9 String@12 End@15")]
    [InlineData("emails[type eq \"work\"].value", "Path@0 LeftBracket@6 Path@7 Compare@12 String@15 RightBracket@21 Dot@22 Path@23 End@28")]
    [InlineData("not (title pr)", "Not@0 LeftParen@4 Path@5 Present@11 RightParen@13 End@14")]
    [InlineData("a gt -1.5e3 or b ne null", "Path@0 Compare@2 Number@5 Or@12 Path@15 Compare@17 Null@20 End@24")]
    [InlineData("x eq TRUE and y eq False", "Path@0 Compare@2 True@5 And@10 Path@14 Compare@16 False@19 End@24")]
    [InlineData("(a pr)and(b pr)", "LeftParen@0 Path@1 Present@3 RightParen@5 And@6 LeftParen@9 Path@10 Present@12 RightParen@14 End@15")]
    [InlineData("  \t", "End@3")]
    [InlineData("members.$ref pr", "Path@0 Present@13 End@15")]
    public void Tokens_carry_kind_and_position(string text, string expected) =>
        Assert.Equal(expected, Describe(FilterLexer.Tokenize(text)));

    [Theory]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber")]
    [InlineData("urn:ietf:params:scim:schemas:core:2.0:User:name.familyName")]
    [InlineData("name.familyName")]
    [InlineData("x509Certificates.value")]
    [InlineData("my-attr_1")]
    public void Paths_are_single_tokens(string path)
    {
        var tokens = FilterLexer.Tokenize(path + " pr");
        Assert.Equal(K.Path, tokens[0].Kind);
        Assert.Equal(path, tokens[0].Text);
        Assert.Equal(K.Present, tokens[1].Kind);
    }

    [Theory]
    [InlineData("eq", ComparisonOperator.Eq)]
    [InlineData("NE", ComparisonOperator.Ne)]
    [InlineData("Co", ComparisonOperator.Co)]
    [InlineData("sW", ComparisonOperator.Sw)]
    [InlineData("ew", ComparisonOperator.Ew)]
    [InlineData("GT", ComparisonOperator.Gt)]
    [InlineData("ge", ComparisonOperator.Ge)]
    [InlineData("Lt", ComparisonOperator.Lt)]
    [InlineData("le", ComparisonOperator.Le)]
    public void Operators_are_case_insensitive(string word, ComparisonOperator op)
    {
        var token = FilterLexer.Tokenize(word)[0];
        Assert.Equal(K.Compare, token.Kind);
        Assert.Equal(op, token.Operator);
    }

    [Theory]
    [InlineData("\"plain\"", "plain")]
    [InlineData("\"say \\\"hi\\\"\"", "say \"hi\"")]
    [InlineData("\"caf\\u00e9\"", "café")]
    [InlineData("\"caf\\u00C9\"", "cafÉ")]
    [InlineData("\"a\\\\b\\/c\"", "a\\b/c")]
    [InlineData("\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t")]
    [InlineData("\"\"", "")]
    [InlineData("\"a b  c\"", "a b  c")]
    public void Strings_are_unescaped(string text, string expected)
    {
        var token = FilterLexer.Tokenize(text)[0];
        Assert.Equal(K.String, token.Kind);
        Assert.Equal(expected, token.StringValue);
        Assert.Equal(text, token.Text);
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("42", "42")]
    [InlineData("-7", "-7")]
    [InlineData("3.25", "3.25")]
    [InlineData("1e3", "1000")]
    [InlineData("1.5E+2", "150")]
    [InlineData("-2.5e-1", "-0.25")]
    [InlineData("79228162514264337593543950335", "79228162514264337593543950335")]
    public void Numbers_are_decimals(string text, string expected)
    {
        var token = FilterLexer.Tokenize(text)[0];
        Assert.Equal(K.Number, token.Kind);
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), token.NumberValue);
    }

    [Theory]
    [InlineData("\"abc", 0, "unterminated string")]
    [InlineData("a eq \"abc\\", 5, "unterminated string")]
    [InlineData("\"a\\x\"", 2, "invalid escape '\\x'")]
    [InlineData("\"\\u12G4\"", 1, "four hexadecimal digits")]
    [InlineData("\"\\u12\"", 1, "four hexadecimal digits")]
    [InlineData("a eq 'x'", 5, "unexpected character '''")]
    [InlineData("userName+eq+\"a\"", 8, "unexpected character '+'")]
    [InlineData("a eq 1.", 7, "expected a digit after '.'")]
    [InlineData("a eq -x", 6, "expected a digit after '-'")]
    [InlineData("a eq 1e", 7, "exponent")]
    [InlineData("a eq 1e999", 5, "number out of range")]
    [InlineData("a eq #", 5, "unexpected character '#'")]
    public void Malformed_text_is_invalidFilter_with_position(string text, int position, string message)
    {
        var ex = Assert.Throws<ScimException>(() => FilterLexer.Tokenize(text));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, ex.Status);
        Assert.Equal(ScimType.InvalidFilter, ex.ScimType);
        Assert.Contains($"position {position}:", ex.Detail, StringComparison.Ordinal);
        Assert.Contains(message, ex.Detail, StringComparison.Ordinal);
    }
}
