using ScimFunctions.Protocol.Filtering;
using ScimFunctions.Protocol.Patching;
using ScimFunctions.Protocol.Schema;
using static ScimFunctions.Protocol.Tests.Patching.PatchTestSupport;

namespace ScimFunctions.Protocol.Tests.Patching;

public class ElementFilterTests
{
    static readonly AttributeDefinition Emails = ScimSchemas.User.FindAttribute("emails")!;
    static readonly AttributeDefinition Manager = ScimSchemas.EnterpriseUser.FindAttribute("manager")!;

    static bool Matches(string filter, string element, AttributeDefinition? attribute = null) =>
        ElementFilter.Matches(FilterParser.ParsePatchPath("x[" + filter + "]").ValueFilter!, Obj(element), attribute ?? Emails);

    [Theory]
    [InlineData("type eq \"work\"", true)]
    [InlineData("TYPE eq \"WORK\"", true)] // type is not caseExact
    [InlineData("type eq \"home\"", false)]
    [InlineData("type ne \"home\"", true)]
    [InlineData("value sw \"ALICE\"", true)]
    [InlineData("value ew \"contoso.com\"", true)]
    [InlineData("value co \"@\"", true)]
    [InlineData("primary eq true", true)]
    [InlineData("primary eq false", false)]
    [InlineData("display pr", false)]
    [InlineData("value pr", true)]
    [InlineData("display eq null", true)]
    [InlineData("type eq \"work\" and primary eq true", true)]
    [InlineData("type eq \"home\" or primary eq true", true)]
    [InlineData("not (type eq \"work\")", false)]
    [InlineData("value gt \"a\"", true)]
    [InlineData("value lt \"a\"", false)]
    public void Matches_one_element(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter, """{ "value": "alice@contoso.com", "type": "work", "primary": true }"""));

    [Fact]
    public void Case_exact_sub_attributes_compare_ordinally()
    {
        Assert.True(Matches("value eq \"abc\"", """{ "value": "abc" }""", Manager));
        Assert.False(Matches("value eq \"ABC\"", """{ "value": "abc" }""", Manager));
    }

    [Fact]
    public void Template_reads_eq_comparisons_joined_by_and()
    {
        var filter = FilterParser.ParsePatchPath("emails[type eq \"work\" and primary eq \"True\"]").ValueFilter!;
        JsonEqual("""{ "type": "work", "primary": true }""", ElementFilter.Template(filter, Emails));
        Assert.Null(ElementFilter.Template(FilterParser.ParsePatchPath("emails[type eq \"a\" and type eq \"b\"]").ValueFilter!, Emails));
        Assert.Null(ElementFilter.Template(FilterParser.ParsePatchPath("emails[type sw \"a\"]").ValueFilter!, Emails));
    }
}
