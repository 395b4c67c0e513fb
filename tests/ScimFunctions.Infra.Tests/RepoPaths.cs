using System.Reflection;

namespace ScimFunctions.Infra.Tests;

/// <summary>Paths in the repository.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> root = new(FindRoot);

    /// <summary>The folder holding ScimFunctions.sln or global.json.</summary>
    public static string Root => root.Value;

    public static string MainBicep => Path.Combine(Root, "infra", "main.bicep");

    public static string MainParameters => Path.Combine(Root, "infra", "main.parameters.json");

    public static string DeployDoc => Path.Combine(Root, "infra", "DEPLOY.md");

    /// <summary>A value the build stamped into this assembly as [AssemblyMetadata].</summary>
    public static string? Metadata(string key) =>
        typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value;

    // Walks up from the test binaries first. When they are built outside the work tree
    // (dotnet test --artifacts-path /tmp/...), walks up from the project folder the build recorded instead.
    private static string FindRoot()
    {
        string?[] starts = [AppContext.BaseDirectory, Metadata("ProjectDirectory"), Environment.CurrentDirectory];
        foreach (var start in starts.Where(s => !string.IsNullOrEmpty(s)))
        {
            for (var dir = new DirectoryInfo(start!); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ScimFunctions.sln")) ||
                    File.Exists(Path.Combine(dir.FullName, "global.json")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"No folder above {AppContext.BaseDirectory} or {Metadata("ProjectDirectory")} holds ScimFunctions.sln or global.json.");
    }
}
