using ScimFunctions.Protocol.Patching;
using ScimFunctions.Protocol.Schema;
using static ScimFunctions.Protocol.Tests.Patching.PatchTestSupport;

namespace ScimFunctions.Protocol.Tests.Patching;

/// <summary>Group members never enter the document: every members operation becomes a <see cref="MembershipEdit"/>.</summary>
public class GroupMembershipPatchTests
{
    [Theory]
    [InlineData("""[ { "value": "u1" }, { "value": "u2", "display": "Bob", "$ref": "../Users/u2" } ]""")]
    [InlineData("""[ { "value": "u1" } , { "value": "u2" }, { "value": "u1" } ]""")]
    public void Add_members_adds_the_ids_in_order(string value)
    {
        var outcome = PatchGroup($$"""[ { "op": "add", "path": "members", "value": {{value}} } ]""");
        Assert.Equal(["u1", "u2"], outcome.Members.Add);
        Assert.False(outcome.Members.ClearAll);
        Assert.False(outcome.Resource.ContainsKey("members"));
        Assert.False(outcome.Changed);
    }

    [Fact]
    public void Add_members_as_a_single_object_adds_it()
    {
        var outcome = PatchGroup("""[ { "op": "add", "path": "members", "value": { "value": "u1" } } ]""");
        Assert.Equal(["u1"], outcome.Members.Add);
    }

    [Fact]
    public void Replace_members_clears_then_adds()
    {
        var outcome = PatchGroup("""[ { "op": "replace", "path": "members", "value": [ { "value": "u3" } ] } ]""");
        Assert.True(outcome.Members.ClearAll);
        Assert.Equal(["u3"], outcome.Members.Add);
        Assert.Empty(outcome.Members.Remove);
    }

    [Theory]
    [InlineData("""{ "op": "remove", "path": "members" }""")]
    [InlineData("""{ "op": "remove", "path": "members", "value": null }""")]
    [InlineData("""{ "op": "replace", "path": "members", "value": [] }""")]
    public void Remove_members_without_a_value_clears_the_group(string operation)
    {
        var outcome = PatchGroup($"[ {operation} ]");
        Assert.True(outcome.Members.ClearAll);
        Assert.Empty(outcome.Members.Add);
    }

    [Fact]
    public void Path_less_add_and_replace_with_members_add_and_replace()
    {
        var add = PatchGroup("""[ { "op": "add", "value": { "members": [ { "value": "u1" } ] } } ]""");
        Assert.False(add.Members.ClearAll);
        Assert.Equal(["u1"], add.Members.Add);

        var replace = PatchGroup("""[ { "op": "replace", "value": { "displayName": "Sales EU", "members": [ { "value": "u2" } ] } } ]""");
        Assert.True(replace.Members.ClearAll);
        Assert.Equal(["u2"], replace.Members.Add);
        JsonEqual("\"Sales EU\"", replace.Resource["displayName"]);
        Assert.False(replace.Resource.ContainsKey("members"));
        Assert.True(replace.Changed);
    }

    [Fact]
    public void Operations_compose_in_order()
    {
        var outcome = PatchGroup("""
            [ { "op": "add", "path": "members", "value": [ { "value": "a" }, { "value": "b" } ] },
              { "op": "remove", "path": "members[value eq \"a\"]" },
              { "op": "remove", "path": "members", "value": [ { "value": "c" } ] },
              { "op": "add", "path": "members", "value": [ { "value": "c" } ] } ]
            """);
        Assert.False(outcome.Members.ClearAll);
        Assert.Equal(["b", "c"], outcome.Members.Add);
        Assert.Equal(["a"], outcome.Members.Remove);
    }

    [Fact]
    public void Clear_after_edits_discards_them_and_later_adds_survive()
    {
        var outcome = PatchGroup("""
            [ { "op": "add", "path": "members", "value": [ { "value": "a" } ] },
              { "op": "remove", "path": "members[value eq \"b\"]" },
              { "op": "remove", "path": "members" },
              { "op": "add", "path": "members", "value": [ { "value": "c" } ] } ]
            """);
        Assert.True(outcome.Members.ClearAll);
        Assert.Equal(["c"], outcome.Members.Add);
        Assert.Empty(outcome.Members.Remove);
    }

    [Fact]
    public void Member_ids_are_case_sensitive()
    {
        var outcome = PatchGroup("""[ { "op": "add", "path": "members", "value": [ { "value": "abc" }, { "value": "ABC" } ] } ]""");
        Assert.Equal(["abc", "ABC"], outcome.Members.Add);
    }

    [Fact]
    public void Add_with_a_members_value_path_adds_that_member()
    {
        var outcome = PatchGroup("""[ { "op": "add", "path": "members[value eq \"u9\"]", "value": null } ]""");
        Assert.Equal(["u9"], outcome.Members.Add);
    }

    [Theory]
    [InlineData("members[type eq \\\"User\\\"]")]
    [InlineData("members[display eq \\\"Bob\\\"]")]
    [InlineData("members[value ne \\\"u1\\\"]")]
    [InlineData("members[value eq \\\"u1\\\" and value eq \\\"u2\\\"]")]
    [InlineData("members[value pr]")]
    [InlineData("members[value eq 12]")]
    public void Members_filter_on_anything_but_value_eq_is_invalidFilter(string path) =>
        AssertScimError(ScimType.InvalidFilter, () => PatchGroup($$"""[ { "op": "remove", "path": "{{path}}" } ]"""));

    [Theory]
    [InlineData("""[ { "value": 12 } ]""")]
    [InlineData("""[ { "value": "" } ]""")]
    [InlineData("""[ { "display": "Bob" } ]""")]
    [InlineData("""[ "u1" ]""")]
    [InlineData("\"u1\"")]
    public void Non_string_or_empty_member_ids_are_invalidValue(string value) =>
        AssertScimError(ScimType.InvalidValue, () => PatchGroup($$"""[ { "op": "add", "path": "members", "value": {{value}} } ]"""));

    [Theory]
    [InlineData("members[value eq \\\"u1\\\"].display")]
    [InlineData("members[value eq \\\"u1\\\"].value")]
    [InlineData("members.type")]
    public void Member_sub_attributes_cannot_be_changed(string path) =>
        AssertScimError(ScimType.Mutability, () => PatchGroup($$"""[ { "op": "replace", "path": "{{path}}", "value": "x" } ]"""));

    [Fact]
    public void A_failing_operation_discards_earlier_membership_edits()
    {
        var group = Group();
        var before = group.ToJsonString();
        AssertScimError(ScimType.InvalidValue, () => PatchEngine.Apply(ScimSchemas.GroupType, group, Ops("""
            [ { "op": "remove", "path": "members" }, { "op": "add", "path": "members", "value": [ { "value": 1 } ] } ]
            """)));
        Assert.Equal(before, group.ToJsonString());
    }

    [Fact]
    public void MembershipEdit_reduction_rules()
    {
        var edit = new MembershipEdit();
        Assert.True(edit.IsEmpty);
        edit.ApplyAdd("x");
        edit.ApplyRemove("x");
        Assert.Empty(edit.Add);
        Assert.Equal(["x"], edit.Remove);
        edit.ApplyAdd("x");
        Assert.Equal(["x"], edit.Add);
        Assert.Empty(edit.Remove);
        edit.ApplyRemove("y");
        edit.ApplyClear();
        Assert.True(edit.ClearAll);
        Assert.Empty(edit.Add);
        Assert.Empty(edit.Remove);
        Assert.False(edit.IsEmpty);
    }
}
