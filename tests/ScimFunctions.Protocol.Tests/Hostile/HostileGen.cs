using System.Net;
using System.Text.Json.Nodes;
using CsCheck;

namespace ScimFunctions.Protocol.Tests.Hostile;

/// <summary>Generators of hostile input, and the one outcome they may have besides success.</summary>
internal static class HostileGen
{
    /// <summary>Characters that matter to the lexers, parsers and row keys, plus unicode edge cases:
    /// NUL and other controls, a lone high and a lone low surrogate, a pair, a BOM, a non-character.</summary>
    const string Nasty = "()[].\"\\ :$-_'=/|#?%\t\n\u0000\u001f\u007f\ud800\udc00\ud83d\ude00\ufeff\uffffé";

    public static readonly Gen<char> Char = Weighted((6, Gen.Char["abcdeiknopqrstuvwxyzEGLNRU0123456789"]), (4, Gen.Char[Nasty]), (1, Gen.Char));

    public static readonly Gen<string> Text = Char.Array[0, 40].Select(c => new string(c));

    /// <summary>Words of the filter language: real and unknown attribute paths, operators, literals.</summary>
    public static readonly Gen<string> FilterWord = Any(
        Of("(", ")", "[", "]", ".", "not", "and", "or", "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr",
            "true", "false", "null", "True", "userName", "emails", "value", "type", "name.givenName", "meta.lastModified",
            "urn:ietf:params:scim:schemas:core:2.0:User:userName", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "members", "id", "manager", "$ref", "emails.value", "a.b.c", "urn:", ":x", "\"work\"", "\"\"", "\"\\\"\"", "\"\\u00e9\"",
            "\"\\ud800\"", "\"\\u0000\"", "\"\\x\"", "\"unterminated", "1", "-0", "1.5e3", "1e400", "-", "1.", "79228162514264337593543950336"),
        Text);

    static readonly Gen<string> WordSoup = FilterWord.Array[0, 14].Select(words => string.Join(' ', words));

    /// <summary>Word soup, and well-formed filters with up to three edits (a range cut, a word inserted): near misses.</summary>
    public static Gen<string> FilterLike => Any(WordSoup, Mutated(Filter(3)));

    static Gen<string> Mutated(Gen<string> valid) => Gen.Select(valid, Gen.Select(Gen.Double[0, 1], Gen.Int[0, 8], FilterWord).Array[0, 3], (text, edits) =>
    {
        foreach (var (where, length, word) in edits)
        {
            var at = (int)(where * text.Length);
            text = length < 4 ? text.Remove(at, Math.Min(length, text.Length - at)) : text.Insert(at, " " + word + " ");
        }
        return text;
    });

    /// <summary>Attribute paths a well-formed filter may use (never a keyword, so Format → Parse is exact).</summary>
    static readonly Gen<string> Path = Any(
        Of("userName", "displayName", "title", "active", "name.givenName", "emails.value", "meta.lastModified", "x", "unknownAttr",
            "urn:ietf:params:scim:schemas:core:2.0:User:userName", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            // Extension paths: undeclared (kept by default), declared by TestTenants (typed), and an unknown enterprise attribute.
            "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User:costCode", "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User:badge.number",
            "urn:ietf:params:scim:schemas:extension:acme:2.0:User:level", "urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:nosuch", "urn:ietf:params:scim:schemas:extension:x:2.0:Group:y"),
        Gen.Char["abcxyzABC"].Array[1, 6].Select(c => new string(c))); // these letters spell no keyword

    static readonly Gen<string> SubName = Of("value", "type", "primary", "display", "givenName", "zz");

    static readonly Gen<string> Literal = Any(
        Text.Select(s => Quote(s)),
        Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Decimal.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Of("true", "false", "null", "\"2026-01-01T00:00:00Z\""));

    /// <summary>Strings and numbers: what ordering and substring operators may compare.</summary>
    static readonly Gen<string> Comparable = Any(
        Text.Select(s => Quote(s)),
        Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    static readonly Gen<string> Comparison = Any(
        Gen.Select(Path, Of("eq", "ne"), Literal, (path, op, value) => $"{path} {op} {value}"),
        Gen.Select(Path, Of("co", "sw", "ew", "gt", "ge", "lt", "le"), Comparable, (path, op, value) => $"{path} {op} {value}"),
        Path.Select(path => $"{path} pr"));

    static readonly Gen<string> ValueFilter = Any(
        Gen.Select(SubName, Of("eq", "ne"), Literal, (sub, op, value) => $"{sub} {op} {value}"),
        Gen.Select(SubName, Comparable, (sub, value) => $"{sub} sw {value}"));

    /// <summary>Well-formed filters, nested up to <paramref name="depth"/> levels of parentheses, not and value paths.</summary>
    public static Gen<string> Filter(int depth)
    {
        var simple = Weighted((4, Comparison), (1, Gen.Select(Of("emails", "phoneNumbers", "addresses", "members", "xyz"), ValueFilter, (p, f) => $"{p}[{f}]")));
        if (depth == 0) return simple;
        var inner = Filter(depth - 1);
        return Weighted(
            (3, simple),
            (2, Gen.Select(inner, Of("and", "or", "AND", "Or"), inner, (l, op, r) => $"{l} {op} {r}")),
            (1, inner.Select(f => $"({f})")),
            (1, inner.Select(f => $"not ({f})")));
    }

    /// <summary>Random JSON up to <paramref name="depth"/> levels: every JSON type, strings and numbers at their edges.</summary>
    public static Gen<JsonNode?> Json(int depth, Gen<string>? keys = null)
    {
        keys ??= Any(Key, Text);
        var leaf = Weighted(
            (3, Any(Text, Of("True", "False", "", "work", "alice@contoso.com", "00000000-0000-0000-0000-000000000000")).Select(s => (JsonNode?)JsonValue.Create(s))),
            (1, Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i))),
            (1, Of(1e300, -0.0, double.Epsilon, 1.5).Select(d => (JsonNode?)JsonValue.Create(d))),
            (1, Of<JsonNode?>(JsonValue.Create(true), JsonValue.Create(false), null)),
            (1, Of("1e400", "-1e400", "123456789012345678901234567890", "0.1e-400").Select(n => JsonNode.Parse(n))));
        if (depth == 0) return leaf;
        var child = Json(depth - 1, keys);
        return Weighted(
            (3, leaf),
            (1, child.Array[0, 4].Select(items => (JsonNode?)new JsonArray([.. items.Select(i => i?.DeepClone())]))),
            (2, Gen.Select(keys, child).Array[0, 5].Select(fields =>
            {
                var obj = new JsonObject();
                foreach (var (key, value) in fields) obj[key] = value?.DeepClone();
                return (JsonNode?)obj;
            })));
    }

    /// <summary>Keys a SCIM body uses, in odd casing, and a few it should not.</summary>
    public static readonly Gen<string> Key = Of("userName", "USERNAME", "displayName", "active", "name", "givenName", "emails", "value", "type",
        "primary", "members", "$ref", "display", "manager", "externalId", "id", "meta", "schemas", "password", "groups", "roles", "phoneNumbers",
        "addresses", "x509Certificates", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "employeeNumber", "department",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName", "name.givenName", "emails[type eq \"work\"].value", "Operations", "op", "path",
        "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User", "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User:costCode",
        "urn:ietf:params:scim:schemas:extension:acme:2.0:User", "urn:ietf:params:scim:schemas:extension:acme:2.0:User:level", "costCode");

    /// <summary>One of the values (CsCheck's OneOf overloads are ambiguous for generators of generators).</summary>
    public static Gen<T> Of<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    /// <summary>One of the generators, each as likely.</summary>
    public static Gen<T> Any<T>(params Gen<T>[] gens) => Gen.Int[0, gens.Length - 1].SelectMany(i => gens[i]);

    /// <summary>One of the generators, by weight.</summary>
    public static Gen<T> Weighted<T>(params (int Weight, Gen<T> Gen)[] gens)
    {
        var total = gens.Sum(g => g.Weight);
        return Gen.Int[0, total - 1].SelectMany(r =>
        {
            foreach (var (weight, gen) in gens)
            {
                if (r < weight) return gen;
                r -= weight;
            }
            return gens[^1].Gen;
        });
    }

    static string Quote(string s) => JsonValue.Create(s).ToJsonString();

    /// <summary>The only failure hostile input may cause: a SCIM error with a 4xx status (and the given scimType).</summary>
    public static void Expect4xx(Action action, params string[] scimTypes)
    {
        try
        {
            action();
        }
        catch (ScimException e) when ((int)e.Status is >= 400 and < 500 && (scimTypes.Length == 0 || scimTypes.Contains(e.ScimType)))
        {
        }
    }

    public static bool Is4xx(ScimException e) => e.Status is >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError;
}
