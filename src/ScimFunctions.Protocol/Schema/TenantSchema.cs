using System.Text.Json.Nodes;
using ScimFunctions.Protocol.Resources;

namespace ScimFunctions.Protocol.Schema;

/// <summary>An extension a tenant declared, and the resource type (User or Group) it extends.</summary>
public sealed record DeclaredExtension(string ResourceType, SchemaDefinition Schema);

/// <summary>A role the tenant's application offers (draft-ietf-scim-roles-entitlements), listed at /Roles.</summary>
public sealed record AvailableRole(string Value, string? Display = null, string? Type = null);

/// <summary>
/// One tenant's schema: the built-in User (with the enterprise extension) and Group, plus the extensions
/// the tenant declared, what it does with undeclared extensions, and the roles it offers. Everything that
/// reads a resource (normalizer, PATCH, filters, projection, discovery) takes the resource types from here,
/// passed explicitly per request: nothing one tenant declares or sends changes what another accepts.
/// </summary>
public sealed class TenantSchema
{
    /// <summary>A tenant that declared nothing: built-in schemas, undeclared extensions kept.</summary>
    public static readonly TenantSchema Default = new([], UndeclaredExtensions.Keep, []);

    public TenantSchema(IReadOnlyList<DeclaredExtension> extensions, UndeclaredExtensions undeclared, IReadOnlyList<AvailableRole> roles)
        : this(extensions, undeclared, roles, groups: true)
    {
    }

    /// <param name="groups">False: the users-only view (<see cref="UsersOnly"/>).</param>
    TenantSchema(IReadOnlyList<DeclaredExtension> extensions, UndeclaredExtensions undeclared, IReadOnlyList<AvailableRole> roles, bool groups)
    {
        var builtIn = ScimSchemas.All.Select(s => s.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var extension in extensions)
        {
            if (builtIn.Contains(extension.Schema.Id)) throw Invalid($"'{extension.Schema.Id}' is built in and cannot be declared.");
            if (!seen.Add(extension.Schema.Id)) throw Invalid($"'{extension.Schema.Id}' is declared twice.");
            if (!new[] { "User", "Group" }.Contains(extension.ResourceType, StringComparer.OrdinalIgnoreCase)) throw Invalid($"'{extension.ResourceType}' is not a resource type; expected User or Group.");
        }
        var roleValues = new HashSet<string>(StringComparer.Ordinal);
        foreach (var role in roles)
            if (string.IsNullOrEmpty(role.Value) || !roleValues.Add(role.Value)) throw Invalid($"Role values must be non-empty and distinct ('{role.Value}').");
        Extensions = extensions;
        Undeclared = undeclared;
        Roles = roles;
        User = Extend(ScimSchemas.UserType);
        Group = Extend(ScimSchemas.GroupType);
        ResourceTypes = groups ? [User, Group, ScimSchemas.RoleType] : [User, ScimSchemas.RoleType];
        Schemas = [.. ScimSchemas.All, .. extensions.Select(e => e.Schema)];
        if (!groups) Schemas = [.. Schemas.Where(s => s != ScimSchemas.Group && !Group.Extensions.Contains(s))];
        _usersOnly = groups ? new Lazy<TenantSchema>(() => new TenantSchema(extensions, undeclared, roles, groups: false)) : new Lazy<TenantSchema>(() => this);

        ResourceTypeDefinition Extend(ResourceTypeDefinition type) => type with
        {
            Extensions = [.. type.Extensions, .. extensions.Where(e => e.ResourceType.Equals(type.Name, StringComparison.OrdinalIgnoreCase)).Select(e => e.Schema)],
            Undeclared = undeclared,
        };
    }

    readonly Lazy<TenantSchema> _usersOnly;

    /// <summary>This schema for a tenant whose group provisioning is off: the same User, and no Group type or
    /// Group-only schema in /ResourceTypes and /Schemas.</summary>
    public TenantSchema UsersOnly => _usersOnly.Value;

    public IReadOnlyList<DeclaredExtension> Extensions { get; }
    public UndeclaredExtensions Undeclared { get; }
    public IReadOnlyList<AvailableRole> Roles { get; }
    public ResourceTypeDefinition User { get; }
    public ResourceTypeDefinition Group { get; }
    /// <summary>Everything /ResourceTypes lists: User, Group and the read-only Role.</summary>
    public IReadOnlyList<ResourceTypeDefinition> ResourceTypes { get; }

    /// <summary>Everything /Schemas lists: the built-in schemas, then the declared ones.</summary>
    public IReadOnlyList<SchemaDefinition> Schemas { get; }

    /// <summary>This tenant's User, Group or Role type by name (case-insensitive), or null.</summary>
    public ResourceTypeDefinition? Find(string name) =>
        ResourceTypes.FirstOrDefault(t => t.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The declaration document:
    /// <c>{ "undeclaredExtensions": "keep"|"reject", "extensions": [ { "resourceType": "User", "schema": { RFC 7643 §7 } } ],
    /// "roles": [ { "value", "display", "type" } ] }</c>. Every member is optional. An extension without
    /// <c>resourceType</c> extends the type its URN ends with (<c>…:2.0:User</c>).
    /// </summary>
    public static TenantSchema Read(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var undeclared = ScimJson.GetString(json, "undeclaredExtensions") switch
        {
            null => UndeclaredExtensions.Keep,
            var s when s.Equals("keep", StringComparison.OrdinalIgnoreCase) => UndeclaredExtensions.Keep,
            var s when s.Equals("reject", StringComparison.OrdinalIgnoreCase) => UndeclaredExtensions.Reject,
            var s => throw Invalid($"'undeclaredExtensions' cannot be '{s}'; expected keep or reject."),
        };
        var extensions = new List<DeclaredExtension>();
        foreach (var item in Array(json, "extensions"))
        {
            if (item is not JsonObject entry || ScimJson.Get(entry, "schema") is not JsonObject schemaJson)
                throw Invalid("Each element of 'extensions' needs a 'schema' object (RFC 7643 §7).");
            var schema = SchemaJson.Read(schemaJson);
            extensions.Add(new DeclaredExtension(ScimJson.GetString(entry, "resourceType") ?? ResourceTypeFromUrn(schema.Id), schema));
        }
        var roles = new List<AvailableRole>();
        foreach (var item in Array(json, "roles"))
        {
            if (item is not JsonObject role || ScimJson.GetString(role, "value") is not { } value)
                throw Invalid("Each element of 'roles' needs a string 'value'.");
            roles.Add(new AvailableRole(value, ScimJson.GetString(role, "display"), ScimJson.GetString(role, "type")));
        }
        return new TenantSchema(extensions, undeclared, roles);
    }

    public JsonObject Write()
    {
        var json = new JsonObject
        {
            ["undeclaredExtensions"] = Undeclared == UndeclaredExtensions.Reject ? "reject" : "keep",
            ["extensions"] = new JsonArray([.. Extensions.Select(e => (JsonNode)new JsonObject
            {
                ["resourceType"] = e.ResourceType,
                ["schema"] = SchemaJson.Write(e.Schema),
            })]),
            ["roles"] = new JsonArray([.. Roles.Select(r =>
            {
                var role = new JsonObject { ["value"] = r.Value };
                if (r.Display is not null) role["display"] = r.Display;
                if (r.Type is not null) role["type"] = r.Type;
                return (JsonNode)role;
            })]),
        };
        return json;
    }

    /// <summary>
    /// This schema with a declaration file applied (the admin CLI's <c>schema declare</c>): a whole declaration
    /// document (see <see cref="Read"/>) replaces everything; RFC 7643 §7 schemas (one schema object, an array
    /// of them, or a ListResponse such as another tenant's /Schemas) add or replace the extensions with their
    /// URNs and keep the rest (built-in schemas in the file are skipped). <paramref name="resourceType"/> binds
    /// schemas whose URN does not end with User or Group.
    /// </summary>
    public TenantSchema Apply(JsonNode file, string? resourceType = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file is JsonObject declaration && (ScimJson.Get(declaration, "extensions") is not null
            || ScimJson.Get(declaration, "undeclaredExtensions") is not null || ScimJson.Get(declaration, "roles") is not null))
            return Read(declaration);
        var schemas = file switch
        {
            JsonArray array => array,
            JsonObject list when ScimJson.Get(list, "Resources") is JsonArray resources => resources,
            JsonObject single => new JsonArray(single.DeepClone()),
            _ => throw Invalid("A declaration file is a JSON object or an array of schemas."),
        };
        var builtIn = ScimSchemas.All.Select(s => s.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var declared = new List<DeclaredExtension>(Extensions);
        foreach (var item in schemas)
        {
            if (item is not JsonObject json) throw Invalid("Each schema must be a JSON object (RFC 7643 §7).");
            var schema = SchemaJson.Read(json);
            if (builtIn.Contains(schema.Id)) continue;
            declared.RemoveAll(e => e.Schema.Is(schema));
            declared.Add(new DeclaredExtension(resourceType ?? ResourceTypeFromUrn(schema.Id), schema));
        }
        return new TenantSchema(declared, Undeclared, Roles);
    }

    public TenantSchema With(UndeclaredExtensions undeclared) => new(Extensions, undeclared, Roles);

    public TenantSchema With(IReadOnlyList<AvailableRole> roles) => new(Extensions, Undeclared, roles);

    /// <summary>The resource type an extension URN names by its last segment (<c>urn:…:2.0:User</c>).</summary>
    public static string ResourceTypeFromUrn(string urn)
    {
        var last = urn[(urn.LastIndexOf(':') + 1)..];
        return last.Equals("User", StringComparison.OrdinalIgnoreCase) || last.Equals("Group", StringComparison.OrdinalIgnoreCase)
            ? char.ToUpperInvariant(last[0]) + last[1..].ToLowerInvariant()
            : throw Invalid($"Say which resource type '{urn}' extends (User or Group): its URN does not end with one.");
    }

    static JsonArray Array(JsonObject json, string name) => ScimJson.Get(json, name) switch
    {
        null => [],
        JsonArray a => a,
        _ => throw Invalid($"'{name}' must be an array."),
    };

    static ScimException Invalid(string detail) => ScimException.BadRequest(ScimType.InvalidValue, detail);
}
