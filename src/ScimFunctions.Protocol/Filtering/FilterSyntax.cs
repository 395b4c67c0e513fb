using System.Text.Json.Nodes;

namespace ScimFunctions.Protocol.Filtering;

/// <summary>
/// An attribute path as written by a client (RFC 7644 §3.10): an optional schema URN, an attribute
/// name and an optional sub-attribute. <c>urn:…:enterprise:2.0:User:manager.value</c> is
/// (enterprise URN, "manager", "value"); <c>name.givenName</c> is (null, "name", "givenName").
/// Names keep the client's casing; resolution against the schema is case-insensitive.
/// </summary>
public sealed record AttributePath(string? SchemaUrn, string Name, string? SubAttribute = null)
{
    public override string ToString() =>
        (SchemaUrn is null ? "" : SchemaUrn + ":") + Name + (SubAttribute is null ? "" : "." + SubAttribute);
}

public enum ComparisonOperator { Eq, Ne, Co, Sw, Ew, Gt, Ge, Lt, Le }

public enum LogicalOperator { And, Or }

/// <summary>A parsed filter expression (RFC 7644 §3.4.2.2).</summary>
public abstract record FilterNode;

/// <summary><c>path op value</c>. Value is a JSON string, boolean or number, or null for the literal <c>null</c>.</summary>
public sealed record ComparisonNode(AttributePath Path, ComparisonOperator Operator, JsonValue? Value) : FilterNode;

/// <summary><c>path pr</c>.</summary>
public sealed record PresentNode(AttributePath Path) : FilterNode;

public sealed record LogicalNode(LogicalOperator Operator, FilterNode Left, FilterNode Right) : FilterNode;

public sealed record NotNode(FilterNode Inner) : FilterNode;

/// <summary><c>emails[type eq "work"]</c>: true when one element of the multi-valued attribute matches
/// the inner filter, whose paths are relative to the element (sub-attribute names).</summary>
public sealed record ValuePathNode(AttributePath Path, FilterNode Filter) : FilterNode;

/// <summary>A PATCH operation's path (RFC 7644 §3.5.2): <c>attrPath</c>, or
/// <c>valuePath [ "." subAttr ]</c> such as <c>emails[type eq "work"].value</c>.</summary>
public sealed record PatchPath(AttributePath Attribute, FilterNode? ValueFilter = null, string? ValueSubAttribute = null);

/// <summary>Limits applied to untrusted filter text.</summary>
public sealed record FilterLimits(int MaxLength = 4096, int MaxDepth = 32)
{
    public static readonly FilterLimits Default = new();
}
