using ScimFunctions.Protocol.Filtering;
using ScimFunctions.Protocol.Schema;

namespace ScimFunctions.Protocol.Tests;

public class SchemaTests
{
    [Theory]
    [InlineData("userName", "userName", null)]
    [InlineData("USERNAME", "userName", null)]
    [InlineData("name.GivenName", "name", "givenName")]
    [InlineData("urn:ietf:params:scim:schemas:core:2.0:User:userName", "userName", null)]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "manager", "value")]
    [InlineData("URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:employeeNumber", "employeeNumber", null)]
    [InlineData("meta.lastModified", "meta", "lastModified")]
    public void Resolves_paths_case_insensitively(string text, string attribute, string? sub)
    {
        var resolved = AttributeResolver.Resolve(ScimSchemas.UserType, AttributeResolver.ParsePath(text));
        Assert.NotNull(resolved);
        Assert.Equal(attribute, resolved.Attribute.Name);
        Assert.Equal(sub, resolved.SubAttribute?.Name);
    }

    [Theory]
    [InlineData("nosuch")]
    [InlineData("name.nosuch")]
    [InlineData("urn:example:unknown:2.0:User:x")]
    [InlineData("members")]
    public void Unknown_paths_resolve_to_null(string text) =>
        Assert.Null(AttributeResolver.Resolve(ScimSchemas.UserType, AttributeResolver.ParsePath(text)));

    [Fact]
    public void Enterprise_attributes_are_marked_as_extension()
    {
        var resolved = AttributeResolver.Resolve(ScimSchemas.UserType, new AttributePath(ScimUrns.EnterpriseUser, "department"));
        Assert.NotNull(resolved);
        Assert.True(resolved.IsExtension);
        Assert.Equal(ScimUrns.EnterpriseUser, resolved.Schema.Id);
    }
}
