using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Filtering;

/// <summary>
/// Recursive-descent parser for RFC 7644 §3.4.2.2 filters and §3.5.2 PATCH paths.
/// Precedence, loosest first: <c>or</c>, <c>and</c>, then <c>not (…)</c>, <c>( … )</c> and attribute
/// expressions. <c>and</c>/<c>or</c> associate to the left.
/// </summary>
public sealed class FilterParser
{
    readonly IReadOnlyList<FilterToken> tokens;
    readonly FilterLimits limits;
    readonly string scimType;
    int index;
    int depth;

    FilterParser(string text, FilterLimits? limits, string scimType)
    {
        ArgumentNullException.ThrowIfNull(text);
        this.limits = limits ?? FilterLimits.Default;
        this.scimType = scimType;
        if (text.Length > this.limits.MaxLength)
            throw FilterLexer.Error(scimType, this.limits.MaxLength, $"text is {text.Length} characters long; expected at most {this.limits.MaxLength}");
        tokens = FilterLexer.Tokenize(text, scimType);
    }

    public static FilterNode Parse(string text, FilterLimits? limits = null)
    {
        var parser = new FilterParser(text, limits, ScimType.InvalidFilter);
        var node = parser.ParseOr(inValuePath: false);
        parser.Expect(FilterTokenKind.End, "'and', 'or' or the end of the filter");
        return node;
    }

    /// <summary>Parses a PATCH path: <c>attrPath</c>, <c>attrPath[valFilter]</c> or
    /// <c>attrPath[valFilter].subAttr</c>. Errors are 400 <c>invalidPath</c>.</summary>
    public static PatchPath ParsePatchPath(string text, FilterLimits? limits = null)
    {
        var parser = new FilterParser(text, limits, ScimType.InvalidPath);
        var path = parser.ParseAttributePath();
        FilterNode? filter = null;
        string? sub = null;
        if (parser.Check(FilterTokenKind.LeftBracket))
        {
            filter = parser.ParseValueFilter(path);
            if (parser.Match(FilterTokenKind.Dot)) sub = parser.ParseSubAttributeName();
        }
        parser.Expect(FilterTokenKind.End, filter is null ? "'[' or the end of the path" : "'.' or the end of the path");
        return new PatchPath(path, filter, sub);
    }

    FilterNode ParseOr(bool inValuePath)
    {
        var left = ParseAnd(inValuePath);
        while (Match(FilterTokenKind.Or)) left = new LogicalNode(LogicalOperator.Or, left, ParseAnd(inValuePath));
        return left;
    }

    FilterNode ParseAnd(bool inValuePath)
    {
        var left = ParseUnary(inValuePath);
        while (Match(FilterTokenKind.And)) left = new LogicalNode(LogicalOperator.And, left, ParseUnary(inValuePath));
        return left;
    }

    FilterNode ParseUnary(bool inValuePath)
    {
        if (Check(FilterTokenKind.Not))
        {
            Enter(Advance());
            Expect(FilterTokenKind.LeftParen, "'(' after 'not'");
            var inner = ParseOr(inValuePath);
            Expect(FilterTokenKind.RightParen, "')'");
            depth--;
            return new NotNode(inner);
        }
        if (Check(FilterTokenKind.LeftParen))
        {
            Enter(Advance());
            var inner = ParseOr(inValuePath);
            Expect(FilterTokenKind.RightParen, "')'");
            depth--;
            return inner;
        }

        var path = inValuePath ? new AttributePath(null, ParseSubAttributeName()) : ParseAttributePath();
        if (!Check(FilterTokenKind.LeftBracket)) return ParseAttributeExpression(path);
        if (inValuePath) throw Error(Current, "nested value paths are not allowed; expected an operator");

        var filter = ParseValueFilter(path);
        if (!Match(FilterTokenKind.Dot)) return new ValuePathNode(path, filter);
        // Entra's emails[type eq "work"].value eq "x": one element must satisfy both parts.
        var tail = ParseAttributeExpression(new AttributePath(null, ParseSubAttributeName()));
        return new ValuePathNode(path, new LogicalNode(LogicalOperator.And, filter, tail));
    }

    FilterNode ParseValueFilter(AttributePath path)
    {
        var open = Current;
        if (path.SubAttribute is not null) throw Error(open, $"'[' must follow an attribute name, but '{path}' names a sub-attribute");
        Enter(Advance());
        var filter = ParseOr(inValuePath: true);
        Expect(FilterTokenKind.RightBracket, "']'");
        depth--;
        return filter;
    }

    FilterNode ParseAttributeExpression(AttributePath path)
    {
        if (Match(FilterTokenKind.Present)) return new PresentNode(path);
        var op = Expect(FilterTokenKind.Compare, "an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr)").Operator;
        var token = Current;
        JsonValue? value = token.Kind switch
        {
            FilterTokenKind.String => JsonValue.Create(token.StringValue!),
            FilterTokenKind.Number => JsonValue.Create(token.NumberValue),
            FilterTokenKind.True => JsonValue.Create(true),
            FilterTokenKind.False => JsonValue.Create(false),
            FilterTokenKind.Null => null,
            _ => throw Error(token, $"expected a value (string, number, true, false or null) after '{OperatorText(op)}' but found {Describe(token)}"),
        };
        var ordering = op is ComparisonOperator.Gt or ComparisonOperator.Ge or ComparisonOperator.Lt or ComparisonOperator.Le;
        var substring = op is ComparisonOperator.Co or ComparisonOperator.Sw or ComparisonOperator.Ew;
        if ((ordering || substring) && token.Kind is FilterTokenKind.True or FilterTokenKind.False or FilterTokenKind.Null)
            throw Error(token, $"'{OperatorText(op)}' cannot compare {token.Text.ToLowerInvariant()}; expected a string or number");
        Advance();
        return new ComparisonNode(path, op, value);
    }

    AttributePath ParseAttributePath()
    {
        var token = Expect(FilterTokenKind.Path, "an attribute path");
        var path = AttributeResolver.ParsePath(token.Text);
        // A second '.' ends up in SubAttribute and fails the name check.
        if (!IsAttributeName(path.Name) || (path.SubAttribute is { } sub && !IsAttributeName(sub)))
            throw Error(token, $"'{token.Text}' is not a valid attribute path; expected [urn:]name[.subAttribute]");
        return path;
    }

    string ParseSubAttributeName()
    {
        var token = Expect(FilterTokenKind.Path, "a sub-attribute name");
        if (!IsAttributeName(token.Text))
            throw Error(token, $"'{token.Text}' is not a sub-attribute name; paths inside '[ ]' and after '].' are relative to the attribute");
        return token.Text;
    }

    // ATTRNAME = ALPHA *(nameChar); '$' admitted for "$ref".
    static bool IsAttributeName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '$') &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '$');

    // One level per '(', 'not (' and '[': bounds recursion so hostile input cannot exhaust the stack.
    void Enter(FilterToken token)
    {
        if (++depth > limits.MaxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw Error(token, $"nesting is deeper than {limits.MaxDepth} levels");
    }

    FilterToken Current => tokens[index];

    bool Check(FilterTokenKind kind) => Current.Kind == kind;

    FilterToken Advance()
    {
        var token = Current;
        if (token.Kind != FilterTokenKind.End) index++;
        return token;
    }

    bool Match(FilterTokenKind kind)
    {
        if (!Check(kind)) return false;
        Advance();
        return true;
    }

    FilterToken Expect(FilterTokenKind kind, string expected) =>
        Check(kind) ? Advance() : throw Error(Current, $"expected {expected} but found {Describe(Current)}");

    ScimException Error(FilterToken token, string message) => FilterLexer.Error(scimType, token.Position, message);

    string Describe(FilterToken token) => token.Kind switch
    {
        FilterTokenKind.End => scimType == ScimType.InvalidPath ? "the end of the path" : "the end of the filter",
        FilterTokenKind.String => "string " + token.Text,
        FilterTokenKind.Number => "number " + token.Text,
        _ => $"'{token.Text}'",
    };

    static string OperatorText(ComparisonOperator op) => op.ToString().ToLowerInvariant();

    /// <summary>Canonical, fully parenthesised text of a filter: every node is wrapped in parentheses,
    /// operators are lower case, strings are re-escaped. Parsing the output gives the same tree.</summary>
    public static string Format(FilterNode node)
    {
        var sb = new StringBuilder();
        Format(node, sb);
        return sb.ToString();
    }

    static void Format(FilterNode node, StringBuilder sb)
    {
        sb.Append('(');
        switch (node)
        {
            case ComparisonNode c:
                sb.Append(c.Path).Append(' ').Append(OperatorText(c.Operator)).Append(' ');
                FormatValue(c.Value, sb);
                break;
            case PresentNode p:
                sb.Append(p.Path).Append(" pr");
                break;
            case LogicalNode l:
                Format(l.Left, sb);
                sb.Append(l.Operator == LogicalOperator.And ? " and " : " or ");
                Format(l.Right, sb);
                break;
            case NotNode n:
                sb.Append("not ");
                Format(n.Inner, sb);
                break;
            case ValuePathNode v:
                sb.Append(v.Path).Append('[');
                Format(v.Filter, sb);
                sb.Append(']');
                break;
            default:
                throw new ArgumentException($"Unknown filter node {node.GetType().Name}.", nameof(node));
        }
        sb.Append(')');
    }

    static void FormatValue(JsonValue? value, StringBuilder sb)
    {
        switch (value?.GetValueKind())
        {
            case null or JsonValueKind.Null:
                sb.Append("null");
                break;
            case JsonValueKind.String:
                sb.Append('"');
                foreach (var ch in value.GetValue<string>())
                {
                    switch (ch)
                    {
                        case '"': sb.Append("\\\""); break;
                        case '\\': sb.Append("\\\\"); break;
                        case '\n': sb.Append("\\n"); break;
                        case '\r': sb.Append("\\r"); break;
                        case '\t': sb.Append("\\t"); break;
                        case < ' ': sb.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture)); break;
                        default: sb.Append(ch); break;
                    }
                }
                sb.Append('"');
                break;
            default:
                sb.Append(value.ToJsonString());
                break;
        }
    }
}
