using T = ScimFunctions.Protocol.Schema.AttributeType;

namespace ScimFunctions.Protocol.Schema;

/// <summary>The schemas and resource types this service provider implements (RFC 7643 §4, §8.7).
/// Discovery (/Schemas, /ResourceTypes) is rendered from these same objects, so what is advertised is
/// exactly what validation, filtering and PATCH accept.</summary>
public static class ScimSchemas
{
    static AttributeDefinition Str(string name, string description, bool caseExact = false, bool required = false,
        Mutability mutability = Mutability.ReadWrite, Uniqueness uniqueness = Uniqueness.None, IReadOnlyList<string>? canonical = null) =>
        new(name, T.String, description, Required: required, CaseExact: caseExact, Mutability: mutability, Uniqueness: uniqueness, CanonicalValues: canonical);

    static AttributeDefinition Bool(string name, string description) => new(name, T.Boolean, description);

    /// <summary>The usual shape of a multi-valued attribute: value, display, type, primary.</summary>
    static AttributeDefinition MultiValued(string name, string description, IReadOnlyList<string>? types = null,
        T valueType = T.String, IReadOnlyList<string>? referenceTypes = null) =>
        new(name, T.Complex, description, MultiValued: true, SubAttributes:
        [
            new("value", valueType, "The value of the " + name + " entry.", ReferenceTypes: referenceTypes),
            Str("display", "A human-readable name, primarily used for display purposes."),
            Str("type", "A label indicating the attribute's function.", canonical: types),
            Bool("primary", "Whether this is the primary value of the attribute; at most one may be true."),
        ]);

    static readonly string[] WorkHomeOther = ["work", "home", "other"];

    public static readonly SchemaDefinition User = new(ScimUrns.User, "User", "User Account",
    [
        Str("userName", "Unique identifier for the User, typically used by the user to directly authenticate.",
            required: true, uniqueness: Uniqueness.Server),
        new("name", T.Complex, "The components of the user's real name.", SubAttributes:
        [
            Str("formatted", "The full name, formatted for display."),
            Str("familyName", "The family name of the User."),
            Str("givenName", "The given name of the User."),
            Str("middleName", "The middle name(s) of the User."),
            Str("honorificPrefix", "The honorific prefix(es) of the User."),
            Str("honorificSuffix", "The honorific suffix(es) of the User."),
        ]),
        Str("displayName", "The name of the User, suitable for display to end-users."),
        Str("nickName", "The casual way to address the user."),
        new("profileUrl", T.Reference, "A fully qualified URL pointing to a page representing the User's online profile.", ReferenceTypes: ["external"]),
        Str("title", "The user's title, such as \"Vice President\"."),
        Str("userType", "Used to identify the relationship between the organization and the user."),
        Str("preferredLanguage", "The User's preferred written or spoken language."),
        Str("locale", "The User's default location for localizing items."),
        Str("timezone", "The User's time zone in the IANA Time Zone database format."),
        Bool("active", "The User's administrative status."),
        new("password", T.String, "Accepted and discarded: this service authenticates no users.",
            Mutability: Mutability.WriteOnly, Returned: Returned.Never),
        MultiValued("emails", "Email addresses for the user.", WorkHomeOther),
        MultiValued("phoneNumbers", "Phone numbers for the User.", ["work", "home", "mobile", "fax", "pager", "other"]),
        MultiValued("ims", "Instant messaging addresses for the User."),
        MultiValued("photos", "URLs of photos of the User.", ["photo", "thumbnail"], T.Reference, ["external"]),
        new("addresses", T.Complex, "A physical mailing address for this User.", MultiValued: true, SubAttributes:
        [
            Str("formatted", "The full mailing address, formatted for display."),
            Str("streetAddress", "The full street address component."),
            Str("locality", "The city or locality component."),
            Str("region", "The state or region component."),
            Str("postalCode", "The zip code or postal code component."),
            Str("country", "The country name component."),
            Str("type", "A label indicating the attribute's function.", canonical: WorkHomeOther),
            Bool("primary", "Whether this is the primary address; at most one may be true."),
        ]),
        new("groups", T.Complex, "The groups the user belongs to, computed from group membership.", MultiValued: true,
            Mutability: Mutability.ReadOnly, SubAttributes:
        [
            new("value", T.String, "The identifier of the User's group.", Mutability: Mutability.ReadOnly),
            new("$ref", T.Reference, "The URI of the group.", Mutability: Mutability.ReadOnly, ReferenceTypes: ["Group"]),
            new("display", T.String, "The displayName of the group.", Mutability: Mutability.ReadOnly),
            new("type", T.String, "How the membership is derived.", Mutability: Mutability.ReadOnly, CanonicalValues: ["direct", "indirect"]),
        ]),
        MultiValued("entitlements", "A list of entitlements for the User."),
        MultiValued("roles", "A list of roles for the User."),
        MultiValued("x509Certificates", "A list of certificates issued to the User.", valueType: T.Binary),
    ]);

    public static readonly SchemaDefinition EnterpriseUser = new(ScimUrns.EnterpriseUser, "EnterpriseUser", "Enterprise User",
    [
        Str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person."),
        Str("costCenter", "Identifies the name of a cost center."),
        Str("organization", "Identifies the name of an organization."),
        Str("division", "Identifies the name of a division."),
        Str("department", "Identifies the name of a department."),
        new("manager", T.Complex, "The User's manager.", SubAttributes:
        [
            new("value", T.String, "The id of the SCIM resource representing the User's manager.", CaseExact: true),
            new("$ref", T.Reference, "The URI of the manager.", ReferenceTypes: ["User"]),
            new("displayName", T.String, "The displayName of the manager.", Mutability: Mutability.ReadOnly),
        ]),
    ]);

    public static readonly SchemaDefinition Group = new(ScimUrns.Group, "Group", "Group",
    [
        Str("displayName", "A human-readable name for the Group; unique within a tenant.", required: true, uniqueness: Uniqueness.Server),
        new("members", T.Complex, "A list of members of the Group.", MultiValued: true, SubAttributes:
        [
            new("value", T.String, "Identifier of the member of this Group.", CaseExact: true, Mutability: Mutability.Immutable),
            new("$ref", T.Reference, "The URI of the member.", Mutability: Mutability.Immutable, ReferenceTypes: ["User"]),
            new("display", T.String, "The displayName of the member.", Mutability: Mutability.ReadOnly),
            new("type", T.String, "The type of the member.", Mutability: Mutability.Immutable, CanonicalValues: ["User"]),
        ]),
    ]);

    /// <summary>A role the tenant's application offers (draft-ietf-scim-roles-entitlements): read-only.</summary>
    public static readonly SchemaDefinition Role = new(ScimUrns.Role, "Role", "A role that may be assigned to users",
    [
        Str("value", "The role's value, as sent in a user's roles.", caseExact: true, required: true, mutability: Mutability.ReadOnly, uniqueness: Uniqueness.Server),
        Str("display", "A human-readable name for the role.", mutability: Mutability.ReadOnly),
        Str("type", "A label for the role's kind.", mutability: Mutability.ReadOnly),
        new("enabled", T.Boolean, "Whether the role may be assigned.", Mutability: Mutability.ReadOnly),
    ]);

    public static readonly ResourceTypeDefinition UserType = new("User", "/Users", "User Account", User, [EnterpriseUser]);
    public static readonly ResourceTypeDefinition GroupType = new("Group", "/Groups", "Group", Group, []);
    public static readonly ResourceTypeDefinition RoleType = new("Role", "/Roles", "Roles the application offers (read-only)", Role, []);

    public static readonly IReadOnlyList<ResourceTypeDefinition> ResourceTypes = [UserType, GroupType, RoleType];
    public static readonly IReadOnlyList<SchemaDefinition> All = [User, EnterpriseUser, Group, Role];
}
