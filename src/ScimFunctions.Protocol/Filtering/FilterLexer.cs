using System.Globalization;
using System.Text;

namespace ScimFunctions.Protocol.Filtering;

public enum FilterTokenKind
{
    Path, Compare, Present, And, Or, Not,
    LeftParen, RightParen, LeftBracket, RightBracket, Dot,
    String, Number, True, False, Null,
    End,
}

/// <summary>One token of filter text. <see cref="Position"/> is the 0-based character offset of its
/// first character; <see cref="Text"/> is the source slice; <see cref="StringValue"/> is the unescaped
/// content of a string literal.</summary>
public readonly record struct FilterToken(
    FilterTokenKind Kind,
    int Position,
    string Text,
    ComparisonOperator Operator = default,
    string? StringValue = null,
    decimal NumberValue = 0);

/// <summary>Splits RFC 7644 §3.4.2.2 filter text (and PATCH paths) into tokens.</summary>
public static class FilterLexer
{
    static readonly Dictionary<string, (FilterTokenKind Kind, ComparisonOperator Op)> Keywords =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["eq"] = (FilterTokenKind.Compare, ComparisonOperator.Eq),
            ["ne"] = (FilterTokenKind.Compare, ComparisonOperator.Ne),
            ["co"] = (FilterTokenKind.Compare, ComparisonOperator.Co),
            ["sw"] = (FilterTokenKind.Compare, ComparisonOperator.Sw),
            ["ew"] = (FilterTokenKind.Compare, ComparisonOperator.Ew),
            ["gt"] = (FilterTokenKind.Compare, ComparisonOperator.Gt),
            ["ge"] = (FilterTokenKind.Compare, ComparisonOperator.Ge),
            ["lt"] = (FilterTokenKind.Compare, ComparisonOperator.Lt),
            ["le"] = (FilterTokenKind.Compare, ComparisonOperator.Le),
            ["pr"] = (FilterTokenKind.Present, default),
            ["and"] = (FilterTokenKind.And, default),
            ["or"] = (FilterTokenKind.Or, default),
            ["not"] = (FilterTokenKind.Not, default),
            ["true"] = (FilterTokenKind.True, default),
            ["false"] = (FilterTokenKind.False, default),
            ["null"] = (FilterTokenKind.Null, default),
        };

    /// <summary>Tokenizes the whole text; the last token is always <see cref="FilterTokenKind.End"/>.
    /// Throws a 400 <see cref="ScimException"/> with <paramref name="scimType"/> on malformed text.</summary>
    public static IReadOnlyList<FilterToken> Tokenize(string text, string scimType = ScimType.InvalidFilter)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<FilterToken>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && IsSpace(text[i])) i++;
            if (i == text.Length)
            {
                tokens.Add(new FilterToken(FilterTokenKind.End, i, ""));
                return tokens;
            }
            var start = i;
            var c = text[i];
            FilterTokenKind? single = c switch
            {
                '(' => FilterTokenKind.LeftParen,
                ')' => FilterTokenKind.RightParen,
                '[' => FilterTokenKind.LeftBracket,
                ']' => FilterTokenKind.RightBracket,
                '.' => FilterTokenKind.Dot,
                _ => null,
            };
            if (single is { } kind)
            {
                tokens.Add(new FilterToken(kind, start, c.ToString()));
                i++;
            }
            else if (c == '"')
            {
                var value = ReadString(text, ref i, scimType);
                tokens.Add(new FilterToken(FilterTokenKind.String, start, text[start..i], StringValue: value));
            }
            else if (c == '-' || char.IsAsciiDigit(c))
            {
                var value = ReadNumber(text, ref i, scimType);
                tokens.Add(new FilterToken(FilterTokenKind.Number, start, text[start..i], NumberValue: value));
            }
            else if (char.IsAsciiLetter(c) || c == '$')
            {
                while (i < text.Length && IsWordChar(text[i])) i++;
                var word = text[start..i];
                tokens.Add(Keywords.TryGetValue(word, out var k)
                    ? new FilterToken(k.Kind, start, word, k.Op)
                    : new FilterToken(FilterTokenKind.Path, start, word));
            }
            else
            {
                throw Error(scimType, start, $"unexpected character '{c}'");
            }
        }
    }

    static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    // nameChar plus the separators of URN-qualified and dotted paths, so a whole path is one token.
    static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is ':' or '.' or '$' or '-' or '_';

    static string ReadString(string text, ref int i, string scimType)
    {
        var start = i++;
        var sb = new StringBuilder();
        while (true)
        {
            if (i >= text.Length) throw Error(scimType, start, "unterminated string; expected a closing '\"'");
            var c = text[i];
            if (c == '"')
            {
                i++;
                return sb.ToString();
            }
            if (c != '\\')
            {
                sb.Append(c);
                i++;
                continue;
            }
            if (i + 1 >= text.Length) throw Error(scimType, start, "unterminated string; expected a closing '\"'");
            var escape = text[i + 1];
            switch (escape)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    if (i + 6 > text.Length || !ushort.TryParse(text.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                        throw Error(scimType, i, "invalid \\u escape; expected four hexadecimal digits");
                    sb.Append((char)code);
                    i += 4;
                    break;
                default:
                    throw Error(scimType, i, $"invalid escape '\\{escape}'; expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
            }
            i += 2;
        }
    }

    // JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    static decimal ReadNumber(string text, ref int i, string scimType)
    {
        var start = i;
        if (text[i] == '-') i++;
        if (i >= text.Length || !char.IsAsciiDigit(text[i])) throw Error(scimType, i, "expected a digit after '-'");
        if (text[i] == '0') i++;
        else while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            if (i >= text.Length || !char.IsAsciiDigit(text[i])) throw Error(scimType, i, "expected a digit after '.' in a number");
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        }
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-') i++;
            if (i >= text.Length || !char.IsAsciiDigit(text[i])) throw Error(scimType, i, "expected a digit in the exponent of a number");
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        }
        if (!decimal.TryParse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            throw Error(scimType, start, "number out of range");
        return value;
    }

    internal static ScimException Error(string scimType, int position, string message)
    {
        var what = scimType == ScimType.InvalidPath ? "path" : "filter";
        return ScimException.BadRequest(scimType, $"Invalid {what} at position {position}: {message}.");
    }
}
