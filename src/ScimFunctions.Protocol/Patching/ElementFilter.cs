using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Filtering;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Patching;

/// <summary>
/// Evaluates a value-path filter (<c>emails[type eq "work"]</c>) against ONE element of a complex
/// attribute. Paths inside the brackets are sub-attribute names; string comparisons follow each
/// sub-attribute's caseExact.
/// </summary>
public static class ElementFilter
{
    /// <summary>Whether the element matches; each comparison spends from <paramref name="budget"/>.</summary>
    public static bool Matches(FilterNode filter, JsonObject element, AttributeDefinition attribute, WorkBudget? budget = null) =>
        Evaluate(filter, element, attribute, budget ?? WorkBudget.Unlimited);

    static bool Evaluate(FilterNode filter, JsonObject element, AttributeDefinition attribute, WorkBudget budget) => filter switch
    {
        LogicalNode { Operator: LogicalOperator.And } l => Evaluate(l.Left, element, attribute, budget) && Evaluate(l.Right, element, attribute, budget),
        LogicalNode l => Evaluate(l.Left, element, attribute, budget) || Evaluate(l.Right, element, attribute, budget),
        NotNode n => !Evaluate(n.Inner, element, attribute, budget),
        PresentNode p => Spent(budget, 1) && IsPresent(ScimJson.Get(element, Sub(attribute, p.Path).Name)),
        ComparisonNode c when Sub(attribute, c.Path) is var sub => Compare(sub, ScimJson.Get(element, sub.Name), c.Operator, c.Value, budget),
        _ => throw ScimException.BadRequest(ScimType.InvalidFilter, "Value filters cannot be nested."),
    };

    static bool Spent(WorkBudget budget, long steps)
    {
        budget.Spend(steps);
        return true;
    }

    /// <summary>The element a filter of <c>eq</c> comparisons joined by <c>and</c> describes
    /// (<c>type eq "work"</c> gives <c>{ "type": "work" }</c>), or null when the filter cannot be read
    /// that way (<c>or</c>, <c>not</c>, other operators).</summary>
    public static JsonObject? Template(FilterNode filter, AttributeDefinition attribute)
    {
        var element = new JsonObject();
        return Collect(filter, attribute, element) ? element : null;
    }

    static bool Collect(FilterNode filter, AttributeDefinition attribute, JsonObject into)
    {
        switch (filter)
        {
            case LogicalNode { Operator: LogicalOperator.And } l:
                return Collect(l.Left, attribute, into) && Collect(l.Right, attribute, into);
            case ComparisonNode { Operator: ComparisonOperator.Eq, Value: not null } c:
                var sub = Sub(attribute, c.Path);
                var value = ResourceNormalizer.NormalizeSingle(sub, c.Value);
                if (value is null) return false;
                if (into[sub.Name] is { } existing && !JsonNode.DeepEquals(existing, value)) return false; // a eq 1 and a eq 2
                into[sub.Name] = value;
                return true;
            default:
                return false;
        }
    }

    static AttributeDefinition Sub(AttributeDefinition attribute, AttributePath path)
    {
        if (path.SchemaUrn is null && path.SubAttribute is null && attribute.FindSubAttribute(path.Name) is { } sub) return sub;
        throw ScimException.BadRequest(ScimType.InvalidFilter, $"'{path}' is not a sub-attribute of '{attribute.Name}'.");
    }

    static bool IsPresent(JsonNode? node) => node switch
    {
        null => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => false,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length > 0,
        JsonArray a => a.Count > 0,
        JsonObject o => o.Count > 0,
        _ => true,
    };

    static double Number(JsonValue v) => double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    static bool Compare(AttributeDefinition sub, JsonNode? actual, ComparisonOperator op, JsonValue? expected, WorkBudget budget)
    {
        budget.Spend();
        if (expected is null) // "eq null" / "ne null": absence
        {
            return op switch
            {
                ComparisonOperator.Eq => !IsPresent(actual),
                ComparisonOperator.Ne => IsPresent(actual),
                _ => false,
            };
        }
        if (actual is not JsonValue value) return op == ComparisonOperator.Ne;
        int? order = null;
        var kind = expected.GetValueKind();
        // roles[primary eq "True"] (Entra's SingleAppRoleAssignment) must find the element stored with true.
        if (sub.Type == AttributeType.Boolean && kind == JsonValueKind.String && bool.TryParse(expected.GetValue<string>(), out var flag))
        {
            expected = JsonValue.Create(flag);
            kind = expected.GetValueKind();
        }
        if (kind == JsonValueKind.String && value.TryGetValue<string>(out var s))
        {
            var target = expected.GetValue<string>();
            budget.Spend(FilterEvaluator.StringCost(s));
            var comparison = sub.CaseExact ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
            switch (op)
            {
                case ComparisonOperator.Co: return s.Contains(target, comparison);
                case ComparisonOperator.Sw: return s.StartsWith(target, comparison);
                case ComparisonOperator.Ew: return s.EndsWith(target, comparison);
            }
            order = string.Compare(s, target, comparison);
        }
        else if (kind == JsonValueKind.Number && value.GetValueKind() == JsonValueKind.Number)
        {
            order = Number(value).CompareTo(Number(expected));
        }
        else if (kind is JsonValueKind.True or JsonValueKind.False && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            order = value.GetValueKind() == kind ? 0 : 1;
        }
        return op switch
        {
            ComparisonOperator.Eq => order == 0,
            ComparisonOperator.Ne => order != 0,
            ComparisonOperator.Gt => order > 0,
            ComparisonOperator.Ge => order >= 0,
            ComparisonOperator.Lt => order < 0,
            ComparisonOperator.Le => order <= 0,
            _ => false,
        };
    }
}
