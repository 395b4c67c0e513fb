using ScimFunctions.Protocol;
using ScimFunctions.Protocol.Filtering;

namespace ScimFunctions.Http.Groups;

/// <summary>
/// Group filters on members: Entra's reference check <c>id eq "g" and members eq "u"</c> (or
/// <c>members[value eq "u"]</c>, <c>members.value eq "u"</c>). A rendered group carries no members, so
/// before the filter is evaluated each candidate gets exactly the members the filter names that really
/// are members, found by point reads of the member rows. Evaluation is then exact for any and/or/not of
/// such equalities. Member conditions that would need the whole list (<c>members pr</c>, <c>ne</c>,
/// <c>co</c>, <c>not</c> inside a value path) are refused with 400 invalidFilter.
/// </summary>
public static class MemberFilter
{
    /// <summary>The member ids the filter names (none when it does not mention members).</summary>
    public static IReadOnlyList<string> ReferencedIds(FilterNode filter)
    {
        var ids = new List<string>();
        Collect(filter, ids, insideMembers: false);
        return [.. ids.Distinct(StringComparer.Ordinal)];
    }

    static void Collect(FilterNode node, List<string> ids, bool insideMembers)
    {
        switch (node)
        {
            case LogicalNode logical:
                Collect(logical.Left, ids, insideMembers);
                Collect(logical.Right, ids, insideMembers);
                break;
            case NotNode not when insideMembers:
                throw Unsupported();
            case NotNode not:
                Collect(not.Inner, ids, insideMembers);
                break;
            case ValuePathNode valuePath when IsMembers(valuePath.Path):
                Collect(valuePath.Filter, ids, insideMembers: true);
                break;
            case ComparisonNode comparison when insideMembers:
                // Inside members[…] the path names a sub-attribute.
                ids.Add(MemberId(comparison, Is(comparison.Path.Name, "value") && comparison.Path.SubAttribute is null));
                break;
            case ComparisonNode comparison when IsMembers(comparison.Path):
                ids.Add(MemberId(comparison, comparison.Path.SubAttribute is null || Is(comparison.Path.SubAttribute, "value")));
                break;
            case PresentNode present when insideMembers || IsMembers(present.Path):
                throw Unsupported();
        }
    }

    static string MemberId(ComparisonNode comparison, bool namesValue) =>
        namesValue && comparison.Operator == ComparisonOperator.Eq && comparison.Value is { } v && v.TryGetValue<string>(out var id)
            ? id
            : throw Unsupported();

    static bool IsMembers(AttributePath path) =>
        Is(path.Name, "members") && (path.SchemaUrn is null || Is(path.SchemaUrn, ScimUrns.Group));

    static bool Is(string a, string b) => a.Equals(b, StringComparison.OrdinalIgnoreCase);

    static ScimException Unsupported() => ScimException.BadRequest(ScimType.InvalidFilter,
        "Filters on members support only equality on the member id: members eq \"<id>\" or members[value eq \"<id>\"].");
}
