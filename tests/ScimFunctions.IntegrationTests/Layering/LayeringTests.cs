using System.Reflection;
using System.Xml.Linq;
using ScimFunctions.LocalHost;

namespace ScimFunctions.IntegrationTests.Layering;

/// <summary>The layers stay apart: nothing below the HTTP layer (the protocol core, the stores, the read
/// library) nor the admin CLI pulls in ASP.NET Core, and the CLI builds on the stores, not on the HTTP layer.
/// Checked on the project files (what a build may reference) and on the built assemblies (what they use).</summary>
public sealed class LayeringTests
{
    public static TheoryData<string> BelowHttp => ["ScimFunctions.Protocol", "ScimFunctions.Storage", "ScimFunctions.Directory", "ScimFunctions.Admin"];

    [Theory]
    [MemberData(nameof(BelowHttp))]
    public void Project_references_neither_AspNetCore_nor_the_HTTP_layer(string project)
    {
        var file = XDocument.Load(Path.Combine(RepositoryRoot.Find(), "src", project, project + ".csproj"));
        var references = file.Descendants()
            .Where(e => e.Name.LocalName is "FrameworkReference" or "PackageReference" or "ProjectReference")
            .Select(e => (string?)e.Attribute("Include") ?? "")
            .ToList();
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.Contains("ScimFunctions.Http", StringComparison.Ordinal));
        Assert.Equal("Microsoft.NET.Sdk", (string?)file.Root!.Attribute("Sdk"));
    }

    [Theory]
    [MemberData(nameof(BelowHttp))]
    public void Assembly_uses_neither_AspNetCore_nor_the_HTTP_layer(string project)
    {
        var name = project == "ScimFunctions.Admin" ? "scim-admin" : project;
        var referenced = Assembly.Load(name).GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();
        Assert.Contains(referenced, r => r.StartsWith("System.", StringComparison.Ordinal));
        Assert.DoesNotContain(referenced, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain("ScimFunctions.Http", referenced);
    }
}
