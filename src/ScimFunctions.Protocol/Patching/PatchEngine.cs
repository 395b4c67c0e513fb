using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Filtering;
using ScimFunctions.Protocol.Resources;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Patching;

/// <summary>The patched document, whether the document changed, and the membership edit (group members
/// are rows, not document data: only the store knows whether applying <see cref="Members"/> changes
/// anything, so <see cref="Changed"/> speaks for the document alone).</summary>
public sealed record PatchOutcome(JsonObject Resource, bool Changed, MembershipEdit Members);

/// <summary>
/// RFC 7644 §3.5.2 PATCH over the canonical document (see <see cref="ScimJson"/>), with the deviations
/// Entra ID and Okta need (each form Entra sends is a case of EntraPatchTableTests). Works on a copy: the input is never modified, so a
/// failing operation leaves nothing half-applied.
/// </summary>
public static class PatchEngine
{
    enum OpKind { Add, Remove, Replace }

    static readonly Dictionary<string, OpKind> OpNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["add"] = OpKind.Add, ["remove"] = OpKind.Remove, ["replace"] = OpKind.Replace,
    };

    sealed record Operation(OpKind Kind, string? Path, JsonNode? Value);

    /// <summary>Budget steps for writing one element (a clone and a keyed set, measured at about 4 comparisons).</summary>
    const int WriteCost = 4;

    /// <summary>A resolved path: the attribute, an optional value filter and an optional sub-attribute
    /// (from <c>name.givenName</c> or <c>emails[…].value</c>).</summary>
    sealed record Target(ResolvedAttribute Resolved, FilterNode? Filter, AttributeDefinition? Sub)
    {
        public AttributeDefinition Attribute => Resolved.Attribute;
    }

    /// <param name="budget">The request's work budget: element scans and value-filter comparisons spend
    /// from it, so a body within the size limits cannot ask for unbounded work.</param>
    public static PatchOutcome Apply(ResourceTypeDefinition type, JsonObject resource, JsonObject patchRequest, WorkBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(patchRequest);
        var operations = ParseOperations(patchRequest);
        var patcher = new Patcher(type, (JsonObject)resource.DeepClone(), budget ?? WorkBudget.Unlimited);
        foreach (var operation in operations) patcher.Apply(operation);
        ResourceNormalizer.SyncSchemas(type, patcher.Doc);
        return new PatchOutcome(patcher.Doc, !JsonNode.DeepEquals(resource, patcher.Doc), patcher.Members);
    }

    static List<Operation> ParseOperations(JsonObject request)
    {
        // "schemas" should list the PatchOp URN; nothing depends on it, so its absence is tolerated.
        // An empty Operations array is a successful no-op (the Microsoft SCIM Validator sends one).
        if (ScimJson.Get(request, "Operations") is not JsonArray operations)
            throw Syntax("The PATCH body needs an 'Operations' array.");
        var result = new List<Operation>();
        foreach (var node in operations)
        {
            if (node is not JsonObject operation) throw Syntax("Each element of 'Operations' must be an object.");
            var op = ScimJson.GetString(operation, "op");
            if (op is null || !OpNames.TryGetValue(op, out var kind))
                throw Syntax($"'op' must be \"add\", \"remove\" or \"replace\", not {ScimJson.Get(operation, "op")?.ToJsonString() ?? "missing"}.");
            string? path = null;
            if (ScimJson.Get(operation, "path") is { } pathNode)
            {
                if (pathNode is not JsonValue v || !v.TryGetValue<string>(out var text))
                    throw ScimException.BadRequest(ScimType.InvalidPath, "'path' must be a string.");
                path = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
            }
            var hasValue = ScimJson.TryGet(operation, "value", out _, out var value);
            if (kind != OpKind.Remove && !hasValue) throw Syntax($"An '{op}' operation needs a 'value'.");
            result.Add(new Operation(kind, path, value));
        }
        return result;
    }

    sealed class Patcher(ResourceTypeDefinition type, JsonObject doc, WorkBudget budget)
    {
        public JsonObject Doc { get; } = doc;
        public MembershipEdit Members { get; } = new();

        public void Apply(Operation op)
        {
            budget.Spend();
            if (op.Path is null)
            {
                if (op.Kind == OpKind.Remove) throw ScimException.BadRequest(ScimType.NoTarget, "A 'remove' operation needs a 'path'.");
                if (op.Value is not JsonObject fields) throw Invalid("Without a 'path', 'value' must be an object of attributes.");
                foreach (var (key, value) in fields) ApplyKey(op.Kind, key, value);
                return;
            }
            if (type.FindExtensionObject(op.Path, knownObject: ScimJson.Get(Doc, op.Path) is JsonObject) is { } extension)
            {
                type.Admit(extension, null, ScimType.InvalidPath);
                if (op.Kind == OpKind.Remove) ScimJson.Remove(Doc, extension.Id);
                else ApplyKey(op.Kind, extension.Id, op.Value);
                return;
            }
            var target = Resolve(op.Path);
            var finalDefinition = target.Sub ?? target.Attribute;
            if (target.Attribute.Mutability == Mutability.ReadOnly || finalDefinition.Mutability == Mutability.ReadOnly)
                throw ScimException.BadRequest(ScimType.Mutability, $"'{op.Path}' is read-only.");
            ApplyTarget(op.Kind, target, op.Value);
        }

        /// <summary>One key of a path-less value object, resolved as a path. Unlike an explicit path,
        /// read-only keys are skipped (Okta sends the group's "id" when renaming it) and keys under a
        /// schema URN outside the extension namespace are skipped (Entra's ADSCIM URNs).</summary>
        void ApplyKey(OpKind kind, string key, JsonNode? value)
        {
            if (key.Equals("schemas", StringComparison.OrdinalIgnoreCase)) return;
            if (type.FindExtensionObject(key, knownObject: ScimJson.Get(Doc, key) is JsonObject) is { } extension)
            {
                if (value is null)
                {
                    if (kind == OpKind.Replace) ScimJson.Remove(Doc, extension.Id);
                    return;
                }
                if (value is not JsonObject fields) throw Invalid($"'{extension.Id}' must be an object.");
                foreach (var (name, field) in fields)
                {
                    var resolved = ResourceNormalizer.ExtensionAttribute(type, extension, name, ScimType.InvalidPath);
                    if (resolved.Attribute.Mutability != Mutability.ReadOnly) ApplyTarget(kind, new Target(resolved, null, null), field);
                }
                return;
            }
            var bare = key.Split('[', 2)[0];
            if (bare.Contains(':') && AttributeResolver.ParsePath(bare).SchemaUrn is { } urn && type.FindSchema(urn) is null && !ScimUrns.IsExtensionUrn(urn)) return;
            var target = Resolve(key);
            if (target.Attribute.Mutability == Mutability.ReadOnly || target.Sub?.Mutability == Mutability.ReadOnly) return;
            ApplyTarget(kind, target, value);
        }

        Target Resolve(string path)
        {
            var parsed = FilterParser.ParsePatchPath(path);
            var resolved = ResourceNormalizer.Resolve(type, parsed.Attribute)
                ?? throw ScimException.BadRequest(ScimType.InvalidPath, $"'{path}' names no attribute of the {type.Name} resource.");
            type.Admit(resolved.Schema, resolved.Attribute, ScimType.InvalidPath);
            var sub = resolved.SubAttribute;
            if (parsed.ValueSubAttribute is { } name)
                sub = resolved.Attribute.FindSubAttribute(name)
                    ?? throw ScimException.BadRequest(ScimType.InvalidPath, $"'{name}' is not a sub-attribute of '{resolved.Attribute.Name}'.");
            if (parsed.ValueFilter is not null && !resolved.Attribute.IsComplex && !resolved.IsUndeclared)
                throw ScimException.BadRequest(ScimType.InvalidPath, $"'{resolved.Attribute.Name}' has no sub-attributes to filter on.");
            return new Target(resolved, parsed.ValueFilter, sub);
        }

        void ApplyTarget(OpKind kind, Target target, JsonNode? value)
        {
            var attribute = target.Attribute;
            if (attribute.Mutability == Mutability.WriteOnly) return; // password: accepted and discarded
            if (ResourceNormalizer.IsMembers(target.Resolved))
            {
                ApplyMembers(kind, target, value);
                return;
            }
            // "manager.$ref": rendered on read, never stored.
            if (target.Sub is { Name: not "value" } && ResourceNormalizer.IsManager(target.Resolved.Schema, attribute)) return;
            var container = target.Resolved.IsExtension
                ? kind == OpKind.Remove ? ScimJson.Get(Doc, target.Resolved.Schema.Id) as JsonObject : ResourceNormalizer.ExtensionObject(Doc, target.Resolved.Schema.Id)
                : Doc;
            if (container is null) return;
            if (target.Filter is null && target.Sub is null) ApplyWhole(kind, target, container, value);
            else ApplyElements(kind, target, container, value);
        }

        /// <summary>The whole attribute: <c>title</c>, <c>name</c>, <c>emails</c>, <c>manager</c>.</summary>
        void ApplyWhole(OpKind kind, Target target, JsonObject container, JsonNode? value)
        {
            var attribute = target.Attribute;
            var existing = ScimJson.Get(container, attribute.Name);
            if (kind == OpKind.Remove)
            {
                if (attribute.Required) throw ScimException.BadRequest(ScimType.Mutability, $"'{attribute.Name}' is required and cannot be removed.");
                if (attribute.IsUndeclared && existing is JsonArray items && value is not null)
                {
                    // Only the listed values go, as for declared multi-valued attributes.
                    var listed = ItemsOf(ResourceNormalizer.NormalizeValue(type, target.Resolved, value));
                    budget.Spend((long)listed.Count * items.Count);
                    foreach (var e in items.Where(e => listed.Any(l => JsonNode.DeepEquals(e, l))).ToList()) items.Remove(e);
                    if (items.Count == 0) ScimJson.Remove(container, attribute.Name);
                    return;
                }
                // A value names what to remove (as Entra does for members): never clear the attribute then.
                if (value is not null && attribute.IsComplex)
                {
                    var templates = ElementsOf(ResourceNormalizer.NormalizeValue(type, target.Resolved, value));
                    budget.Spend((long)templates.Count * ((existing as JsonArray)?.Count ?? 1));
                    bool Listed(JsonNode? e) => e is JsonObject o && templates.Any(t => FieldsMatch(o, t, attribute));
                    if (existing is JsonArray array) RemoveElements(container, attribute, [.. array.Where(Listed).Cast<JsonObject>()]);
                    else if (Listed(existing)) ScimJson.Remove(container, attribute.Name);
                    if (existing is JsonArray { Count: 0 }) ScimJson.Remove(container, attribute.Name);
                }
                else ScimJson.Remove(container, attribute.Name);
                return;
            }

            var normalized = ResourceNormalizer.NormalizeValue(type, target.Resolved, value);
            if (attribute.Required && (normalized is null || normalized is JsonValue v && v.TryGetValue<string>(out var s) && s.Length == 0))
                throw Invalid($"'{attribute.Name}' is required and cannot be empty.");
            if (attribute.Mutability == Mutability.Immutable && existing is not null && !JsonNode.DeepEquals(existing, normalized))
                throw ScimException.BadRequest(ScimType.Mutability, $"'{attribute.Name}' is immutable.");
            if (normalized is null)
            {
                ScimJson.Remove(container, attribute.Name);
            }
            else if (attribute.MultiValued && kind == OpKind.Add && existing is JsonArray array)
            {
                // Append, skipping values already present.
                var added = new List<JsonObject>();
                budget.Spend((long)ElementsOf(normalized).Count * (array.Count + 1));
                foreach (var element in ElementsOf(normalized).Where(e => !array.Any(x => JsonNode.DeepEquals(x, e))))
                {
                    var copy = (JsonObject)element.DeepClone();
                    array.Add(copy);
                    added.Add(copy);
                }
                EnforcePrimary(attribute, array, added);
            }
            else if (attribute.IsUndeclared && kind == OpKind.Add && existing is JsonArray items)
            {
                var adding = ItemsOf(normalized);
                budget.Spend((long)adding.Count * items.Count);
                foreach (var item in adding.Where(n => !items.Any(x => JsonNode.DeepEquals(x, n)))) items.Add(item.DeepClone());
            }
            else if ((attribute.IsComplex || attribute.IsUndeclared && normalized is JsonObject) && !attribute.MultiValued && existing is JsonObject current)
            {
                // RFC 7644 §3.5.2.1/3: sub-attributes not in the value are left unchanged.
                foreach (var (name, field) in (JsonObject)normalized)
                    SetField(current, attribute.FindSubAttribute(name)!, field?.DeepClone(), isNew: false);
            }
            else ScimJson.Set(container, attribute.Name, normalized);
        }

        /// <summary>Elements selected by a value filter and/or a sub-attribute: <c>emails[type eq "work"]</c>,
        /// <c>emails[type eq "work"].value</c>, <c>name.givenName</c>, <c>manager[value eq "id"]</c>.
        /// No filter selects every element.</summary>
        void ApplyElements(OpKind kind, Target target, JsonObject container, JsonNode? value)
        {
            var attribute = target.Attribute;
            var existing = ScimJson.Get(container, attribute.Name);
            // An undeclared attribute is multi-valued when it holds an array.
            var multiValued = attribute.MultiValued || attribute.IsUndeclared && existing is JsonArray;
            var elements = existing switch
            {
                JsonArray a => a.OfType<JsonObject>().ToList(),
                JsonObject o => [o],
                _ => new List<JsonObject>(),
            };
            budget.Spend(elements.Count);
            var matched = target.Filter is null ? elements : elements.Where(e => ElementFilter.Matches(target.Filter, e, attribute, budget)).ToList();

            if (kind == OpKind.Remove)
            {
                // No match is a no-op, not noTarget: the desired end state already holds, and Entra
                // would otherwise retry the operation for weeks.
                var emptied = new List<JsonObject>();
                foreach (var element in matched)
                {
                    if (target.Sub is { } sub) ScimJson.Remove(element, sub.Name);
                    if (target.Sub is null || element.Count == 0) emptied.Add(element);
                }
                RemoveElements(container, attribute, emptied);
                return;
            }

            JsonNode? normalized = target.Sub is { } s ? ResourceNormalizer.NormalizeSingle(s, value) : ResourceNormalizer.NormalizeSingle(attribute, value);
            if (target.Sub is null && normalized is not (null or JsonObject))
                throw Invalid($"A value filter on '{attribute.Name}' selects elements; the value must be an object of their fields.");
            var touched = matched;
            if (matched.Count == 0)
            {
                // Entra: replace emails[type eq "work"].value on a user without a work email creates it.
                var created = (target.Filter is null ? new JsonObject() : ElementFilter.Template(target.Filter, attribute))
                    ?? throw ScimException.BadRequest(ScimType.NoTarget, $"No '{attribute.Name}' value matches the filter, and none can be created from it.");
                if (!multiValued && existing is not null)
                    throw ScimException.BadRequest(ScimType.NoTarget, $"'{attribute.Name}' does not match the filter.");
                if (normalized is null) return;
                touched = [created];
                Write(created, normalized, isNew: true);
                if (!multiValued) ScimJson.Set(container, attribute.Name, created);
                else if (existing is JsonArray array) array.Add(created);
                else ScimJson.Set(container, attribute.Name, new JsonArray(created));
            }
            else if (normalized is null && target.Sub is null)
            {
                RemoveElements(container, attribute, matched);
                return;
            }
            else
            {
                // A write copies the value into each element: several times a comparison's cost.
                budget.Spend(WriteCost * matched.Count);
                foreach (var element in matched) Write(element, normalized, isNew: false);
            }

            if (ScimJson.Get(container, attribute.Name) is JsonArray result)
            {
                budget.Spend(touched.Count + result.Count);
                EnforcePrimary(attribute, result, touched);
            }

            void Write(JsonObject element, JsonNode? node, bool isNew)
            {
                if (target.Sub is { } sub) SetField(element, sub, node?.DeepClone(), isNew);
                else foreach (var (name, field) in (JsonObject)node!) SetField(element, attribute.FindSubAttribute(name)!, field?.DeepClone(), isNew);
            }
        }

        /// <summary>Group members are rows outside the document: every form becomes a membership edit.</summary>
        void ApplyMembers(OpKind kind, Target target, JsonNode? value)
        {
            if (target.Sub is { } sub)
                throw ScimException.BadRequest(ScimType.Mutability, $"'members.{sub.Name}' cannot be changed; remove the member and add it again.");
            var filterIds = target.Filter is null ? null : MemberFilterIds(target.Filter);
            switch (kind)
            {
                case OpKind.Add:
                    foreach (var id in ResourceNormalizer.MemberIdsOf(value).Concat(filterIds ?? [])) Members.ApplyAdd(id);
                    break;
                case OpKind.Replace:
                    if (filterIds is null) Members.ApplyClear();
                    else foreach (var id in filterIds) Members.ApplyRemove(id);
                    foreach (var id in ResourceNormalizer.MemberIdsOf(value)) Members.ApplyAdd(id);
                    break;
                case OpKind.Remove when filterIds is not null:
                    foreach (var id in filterIds) Members.ApplyRemove(id);
                    break;
                case OpKind.Remove when value is not null:
                    // Entra: remove path "members" with a value list removes exactly those members.
                    // The RFC-literal reading (clear the group) is the worst bug in this space.
                    foreach (var id in ResourceNormalizer.MemberIdsOf(value)) Members.ApplyRemove(id);
                    break;
                default:
                    Members.ApplyClear();
                    break;
            }
        }
    }

    /// <summary>Ids in <c>value eq "a"</c> or <c>value eq "a" or value eq "b"</c>: the only member filters
    /// that can be answered without loading the members.</summary>
    static List<string> MemberFilterIds(FilterNode filter) => filter switch
    {
        LogicalNode { Operator: LogicalOperator.Or } or => [.. MemberFilterIds(or.Left), .. MemberFilterIds(or.Right)],
        ComparisonNode { Operator: ComparisonOperator.Eq, Path: { SchemaUrn: null, SubAttribute: null } path, Value: { } v }
            when path.Name.Equals("value", StringComparison.OrdinalIgnoreCase) && v.TryGetValue<string>(out var id) && id.Length > 0 => [id],
        _ => throw ScimException.BadRequest(ScimType.InvalidFilter,
            "A members filter must be value eq \"<id>\", optionally joined with 'or'."),
    };

    static List<JsonObject> ElementsOf(JsonNode? node) => node switch
    {
        JsonArray a => [.. a.OfType<JsonObject>()],
        JsonObject o => [o],
        _ => [],
    };

    static List<JsonNode> ItemsOf(JsonNode? node) => node switch
    {
        null => [],
        JsonArray a => [.. a.OfType<JsonNode>()],
        _ => [node],
    };

    /// <summary>Removes the elements in one pass (removing them one by one shifts the array each time:
    /// k × n for k of n elements); the attribute goes when nothing is left.</summary>
    static void RemoveElements(JsonObject container, AttributeDefinition attribute, IReadOnlyCollection<JsonObject> elements)
    {
        if (elements.Count == 0) return;
        if (ScimJson.Get(container, attribute.Name) is JsonArray array)
        {
            var removed = new HashSet<JsonObject>(elements, ReferenceEqualityComparer.Instance);
            var kept = array.Where(e => e is not JsonObject o || !removed.Contains(o)).ToList();
            array.Clear();
            foreach (var e in kept) array.Add(e);
            if (array.Count > 0) return;
        }
        ScimJson.Remove(container, attribute.Name);
    }

    /// <summary>Sets one field of an element. Immutable fields may be set when the element is created, never changed.</summary>
    static void SetField(JsonObject element, AttributeDefinition sub, JsonNode? value, bool isNew)
    {
        var existing = ScimJson.Get(element, sub.Name);
        if (sub.Mutability == Mutability.Immutable && !isNew && existing is not null && !JsonNode.DeepEquals(existing, value))
            throw ScimException.BadRequest(ScimType.Mutability, $"'{sub.Name}' is immutable.");
        if (value is null) ScimJson.Remove(element, sub.Name);
        else ScimJson.Set(element, sub.Name, value);
    }

    /// <summary>RFC 7644 §3.5.2: setting primary on a value clears it on the others.</summary>
    static void EnforcePrimary(AttributeDefinition attribute, JsonArray array, IReadOnlyCollection<JsonObject> touched)
    {
        var primaries = touched.Where(ResourceNormalizer.IsPrimary).ToList();
        if (primaries.Count > 1) throw Invalid($"At most one '{attribute.Name}' value may be primary.");
        if (primaries.Count == 0) return;
        foreach (var other in array.OfType<JsonObject>().Where(e => e != primaries[0] && ResourceNormalizer.IsPrimary(e)))
            other["primary"] = false;
    }

    /// <summary>Whether every field of <paramref name="template"/> equals the element's (caseExact-aware).</summary>
    static bool FieldsMatch(JsonObject element, JsonObject template, AttributeDefinition attribute) =>
        template.All(field =>
        {
            var actual = ScimJson.Get(element, field.Key);
            var caseExact = attribute.FindSubAttribute(field.Key)?.CaseExact ?? true;
            return actual is JsonValue a && field.Value is JsonValue b && a.TryGetValue<string>(out var x) && b.TryGetValue<string>(out var y)
                ? string.Equals(x, y, caseExact ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase)
                : JsonNode.DeepEquals(actual, field.Value);
        });

    static ScimException Syntax(string detail) => ScimException.BadRequest(ScimType.InvalidSyntax, detail);

    static ScimException Invalid(string detail) => ScimException.BadRequest(ScimType.InvalidValue, detail);
}
