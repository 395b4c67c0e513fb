using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Filtering;

/// <summary>
/// Evaluates filters against canonical resource documents (see <see cref="ScimJson"/>) following
/// RFC 7644 §3.4.2.2. A filter is first bound to the schema, so an unknown attribute or an operator
/// the attribute's type does not support is a 400 <c>invalidFilter</c> whatever the data.
///
/// Choices: <c>x eq null</c> means "x is not present" (same as <c>not (x pr)</c>) and <c>x ne null</c>
/// means "x is present". A multi-valued attribute matches when any value does, for <c>ne</c> too,
/// and <c>ne</c> is also true when the attribute is absent. Boolean attributes accept the strings
/// "true"/"false" (any case), both stored and as the literal.
/// </summary>
public static class FilterEvaluator
{
    public static bool Matches(FilterNode filter, JsonObject resource, ResourceTypeDefinition type) =>
        Compile(filter, type)(resource);

    /// <summary>Binds the filter once for evaluation against many resources. Each value examined spends
    /// from <paramref name="budget"/> (long strings in proportion to their length).</summary>
    public static Func<JsonObject, bool> Compile(FilterNode filter, ResourceTypeDefinition type, WorkBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(type);
        return Compile(filter, type, parent: null, budget ?? WorkBudget.Unlimited);
    }

    /// <summary>Steps a string value costs to compare: substring and case-insensitive comparisons
    /// read the whole value.</summary>
    internal static long StringCost(string value) => 1 + value.Length / 64;

    /// <summary>The non-null values at the path, array elements flattened; empty when absent.</summary>
    public static IEnumerable<JsonNode> SelectValues(JsonObject resource, ResourceTypeDefinition type, ResolvedAttribute attribute)
    {
        var container = attribute.IsExtension ? ScimJson.Get(resource, attribute.Schema.Id) as JsonObject : resource;
        if (container is null) return [];
        var values = Flatten(ScimJson.Get(container, attribute.Attribute.Name));
        return attribute.SubAttribute is { } sub
            ? values.OfType<JsonObject>().SelectMany(o => Flatten(ScimJson.Get(o, sub.Name)))
            : values;
    }

    /// <summary>Orders two values of an attribute for sortBy (RFC 7644 §3.4.2.3). A multi-valued value
    /// sorts by its primary (else first) element and a complex one by its "value" sub-attribute.
    /// Missing or unreadable values sort after all others.</summary>
    public static int CompareForSort(JsonNode? a, JsonNode? b, AttributeDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var target = definition.IsComplex ? definition.ValueSubAttribute ?? definition : definition;
        var x = SortKey(a, target);
        var y = SortKey(b, target);
        if (x is null || y is null) return (x is null ? 1 : 0) - (y is null ? 1 : 0);
        return target.Type switch
        {
            AttributeType.String or AttributeType.Reference or AttributeType.Binary =>
                string.Compare((string)x, (string)y, Comparison(target)),
            _ => ((IComparable)x).CompareTo(y),
        };
    }

    static IComparable? SortKey(JsonNode? node, AttributeDefinition target)
    {
        if (node is JsonArray array)
            node = array.OfType<JsonObject>().FirstOrDefault(e => ScimJson.Get(e, "primary") is { } p && ReadBoolean(p) == true)
                ?? array.FirstOrDefault(e => e is not null);
        if (node is JsonObject obj) node = ScimJson.Get(obj, target.Name);
        return node is null ? null : target.Type switch
        {
            AttributeType.String or AttributeType.Reference or AttributeType.Binary => ReadString(node),
            AttributeType.Integer or AttributeType.Decimal => ReadNumber(node),
            AttributeType.DateTime => ReadDateTime(node),
            AttributeType.Boolean => ReadBoolean(node),
            _ => null,
        };
    }

    // parent is the attribute of the enclosing value path; inside it, paths name its sub-attributes.
    static Func<JsonObject, bool> Compile(FilterNode node, ResourceTypeDefinition type, AttributeDefinition? parent, WorkBudget budget)
    {
        switch (node)
        {
            case LogicalNode l:
                var left = Compile(l.Left, type, parent, budget);
                var right = Compile(l.Right, type, parent, budget);
                return l.Operator == LogicalOperator.And ? r => left(r) && right(r) : r => left(r) || right(r);
            case NotNode n:
                var inner = Compile(n.Inner, type, parent, budget);
                return r => !inner(r);
            case PresentNode p:
                var (present, _) = Bind(p.Path, type, parent, budget);
                return r => present(r).Any(IsPresent);
            case ComparisonNode c:
                return CompileComparison(c, type, parent, budget);
            case ValuePathNode v:
                if (parent is not null) throw Invalid($"nested value path '{v.Path}' is not allowed");
                var (elements, definition) = Bind(v.Path, type, parent, budget);
                if (!definition.IsComplex && !definition.IsUndeclared) throw Invalid($"'{v.Path}' is not a complex attribute, so it cannot take a value filter");
                var elementFilter = Compile(v.Filter, type, definition, budget);
                return r => elements(r).OfType<JsonObject>().Any(elementFilter);
            default:
                throw new ArgumentException($"Unknown filter node {node.GetType().Name}.", nameof(node));
        }
    }

    static Func<JsonObject, bool> CompileComparison(ComparisonNode c, ResourceTypeDefinition type, AttributeDefinition? parent, WorkBudget budget)
    {
        var (select, definition) = Bind(c.Path, type, parent, budget);
        if (definition.IsComplex)
        {
            // emails eq "x", members eq "id", manager eq "id": compare the "value" sub-attribute.
            var value = definition.ValueSubAttribute
                ?? throw Invalid($"'{c.Path}' is a complex attribute; name one of its sub-attributes");
            var complex = select;
            select = r => complex(r).OfType<JsonObject>().SelectMany(o => Flatten(ScimJson.Get(o, value.Name)));
            definition = value;
        }

        if (c.Value is null || c.Value.GetValueKind() == JsonValueKind.Null)
        {
            return c.Operator switch
            {
                ComparisonOperator.Eq => r => !select(r).Any(IsPresent),
                ComparisonOperator.Ne => r => select(r).Any(IsPresent),
                _ => throw Invalid($"'{OperatorText(c.Operator)}' cannot compare null"),
            };
        }

        if (c.Operator == ComparisonOperator.Ne)
        {
            var equal = ValuePredicate(c.Path, ComparisonOperator.Eq, c.Value, definition, budget);
            return r =>
            {
                var any = false;
                foreach (var v in select(r))
                {
                    if (!equal(v)) return true;
                    any = true;
                }
                return !any;
            };
        }
        var predicate = ValuePredicate(c.Path, c.Operator, c.Value, definition, budget);
        return r => select(r).Any(predicate);
    }

    static Func<JsonNode, bool> ValuePredicate(AttributePath path, ComparisonOperator op, JsonValue literal, AttributeDefinition definition, WorkBudget budget)
    {
        if (definition.IsUndeclared) definition = Typed(definition, literal);
        string? Read(JsonNode v)
        {
            var x = ReadString(v);
            if (x is not null) budget.Spend(StringCost(x));
            return x;
        }
        var substring = op is ComparisonOperator.Co or ComparisonOperator.Sw or ComparisonOperator.Ew;
        var ordering = op is ComparisonOperator.Gt or ComparisonOperator.Ge or ComparisonOperator.Lt or ComparisonOperator.Le;
        switch (definition.Type)
        {
            case AttributeType.String or AttributeType.Reference or AttributeType.Binary:
                if (ordering && definition.Type == AttributeType.Binary) throw Invalid($"'{OperatorText(op)}' cannot be used on binary attribute '{path}'");
                var s = ReadString(literal) ?? throw Invalid($"'{path}' is a string attribute; expected a quoted string value");
                var comparison = Comparison(definition);
                return op switch
                {
                    ComparisonOperator.Eq => v => Read(v) is { } x && string.Equals(x, s, comparison),
                    ComparisonOperator.Co => v => Read(v) is { } x && x.Contains(s, comparison),
                    ComparisonOperator.Sw => v => Read(v) is { } x && x.StartsWith(s, comparison),
                    ComparisonOperator.Ew => v => Read(v) is { } x && x.EndsWith(s, comparison),
                    _ => v => Read(v) is { } x && Order(string.Compare(x, s, comparison), op),
                };
            case AttributeType.Boolean:
                if (op != ComparisonOperator.Eq) throw Invalid($"'{OperatorText(op)}' cannot be used on boolean attribute '{path}'");
                var b = ReadBoolean(literal) ?? throw Invalid($"'{path}' is a boolean attribute; expected true or false");
                return v => ReadBoolean(v) == b;
            case AttributeType.Integer or AttributeType.Decimal:
                if (substring) throw Invalid($"'{OperatorText(op)}' cannot be used on numeric attribute '{path}'");
                var d = ReadNumber(literal) ?? throw Invalid($"'{path}' is a numeric attribute; expected a number");
                return v => ReadNumber(v) is { } x && Order(x.CompareTo(d), op);
            case AttributeType.DateTime:
                if (substring) throw Invalid($"'{OperatorText(op)}' cannot be used on dateTime attribute '{path}'");
                var t = ReadDateTime(literal) ?? throw Invalid($"'{path}' is a dateTime attribute; expected an ISO 8601 date-time string");
                return v => ReadDateTime(v) is { } x && Order(x.CompareTo(t), op);
            default:
                throw Invalid($"'{path}' cannot be compared");
        }
    }

    /// <summary>Resolves a path to a value selector and the definition of the values it yields.</summary>
    // Every value the selector yields spends one step.
    static (Func<JsonObject, IEnumerable<JsonNode>> Select, AttributeDefinition Definition) Bind(
        AttributePath path, ResourceTypeDefinition type, AttributeDefinition? parent, WorkBudget budget)
    {
        if (parent is not null)
        {
            var sub = path.SchemaUrn is null && path.SubAttribute is null ? parent.FindSubAttribute(path.Name) : null;
            if (sub is null) throw Invalid($"'{path}' is not a sub-attribute of '{parent.Name}'");
            return (e => Counted(Flatten(ScimJson.Get(e, sub.Name)), budget), sub);
        }
        var resolved = AttributeResolver.Resolve(type, path) ?? throw Invalid($"unknown attribute '{path}'");
        type.Admit(resolved.Schema, resolved.Attribute, ScimType.InvalidFilter);
        return (r => Counted(SelectValues(r, type, resolved), budget), resolved.Target);
    }

    static IEnumerable<JsonNode> Counted(IEnumerable<JsonNode> values, WorkBudget budget)
    {
        foreach (var value in values)
        {
            budget.Spend();
            yield return value;
        }
    }

    /// <summary>An undeclared attribute has no type: the literal's kind gives it one, with RFC 7643 §2.2's
    /// defaults (a string compares caseExact false, so <c>eq</c> on a custom matching attribute ignores case
    /// as Entra's matching does; an ISO 8601 string orders as text).</summary>
    static AttributeDefinition Typed(AttributeDefinition undeclared, JsonValue literal) => undeclared with
    {
        Type = literal.GetValueKind() switch
        {
            JsonValueKind.Number => AttributeType.Decimal,
            JsonValueKind.True or JsonValueKind.False => AttributeType.Boolean,
            _ => AttributeType.String,
        },
    };

    static IEnumerable<JsonNode> Flatten(JsonNode? node) => node switch
    {
        null => [],
        JsonArray array => array.OfType<JsonNode>(),
        _ => [node],
    };

    static bool IsPresent(JsonNode node) => node switch
    {
        JsonArray array => array.Any(e => e is not null && IsPresent(e)),
        JsonObject obj => obj.Any(p => p.Value is not null && IsPresent(p.Value)),
        _ => node.GetValueKind() switch
        {
            JsonValueKind.Null => false,
            JsonValueKind.String => node.GetValue<string>().Length > 0,
            _ => true,
        },
    };

    static bool Order(int comparison, ComparisonOperator op) => op switch
    {
        ComparisonOperator.Eq => comparison == 0,
        ComparisonOperator.Gt => comparison > 0,
        ComparisonOperator.Ge => comparison >= 0,
        ComparisonOperator.Lt => comparison < 0,
        ComparisonOperator.Le => comparison <= 0,
        _ => throw Invalid($"'{OperatorText(op)}' cannot order values"),
    };

    static StringComparison Comparison(AttributeDefinition definition) =>
        definition.CaseExact || definition.Type == AttributeType.Binary ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    static string? ReadString(JsonNode node) =>
        node is JsonValue && node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    static decimal? ReadNumber(JsonNode node) =>
        node is JsonValue && node.GetValueKind() == JsonValueKind.Number &&
        decimal.TryParse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    // Entra has been seen storing "True"/"False" strings for booleans.
    static bool? ReadBoolean(JsonNode node) => node is not JsonValue ? null : node.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => bool.TryParse(node.GetValue<string>(), out var b) ? b : null,
        _ => null,
    };

    static DateTimeOffset? ReadDateTime(JsonNode node) =>
        ReadString(node) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    static string OperatorText(ComparisonOperator op) => op.ToString().ToLowerInvariant();

    static ScimException Invalid(string message) => ScimException.BadRequest(ScimType.InvalidFilter, $"Invalid filter: {message}.");
}
