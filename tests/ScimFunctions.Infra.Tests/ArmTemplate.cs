using System.Text.Json;
using System.Text.RegularExpressions;

namespace ScimFunctions.Infra.Tests;

/// <summary>infra/main.bicep compiled once per test run, and helpers to read the ARM JSON.</summary>
internal static partial class ArmTemplate
{
    private static readonly Lazy<BicepResult> build = new(() => BicepCli.Run("build", RepoPaths.MainBicep, "--stdout"));

    private static readonly Lazy<JsonDocument> document = new(() =>
    {
        var result = Build;
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"bicep build failed: {result}");
        }

        return JsonDocument.Parse(result.StdOut);
    });

    /// <summary>The result of <c>bicep build infra/main.bicep --stdout</c>.</summary>
    public static BicepResult Build => build.Value;

    /// <summary>The compiled template's text.</summary>
    public static string Json => Build.StdOut;

    public static JsonElement Root => document.Value.RootElement;

    public static JsonElement Parameters => Root.GetProperty("parameters");

    public static JsonElement Variables => Root.GetProperty("variables");

    public static JsonElement Outputs => Root.GetProperty("outputs");

    /// <summary>Every resource, whether the template lists them (languageVersion 1) or names them (2.0).</summary>
    public static IReadOnlyList<JsonElement> Resources
    {
        get
        {
            var resources = Root.GetProperty("resources");
            return resources.ValueKind == JsonValueKind.Array
                ? [.. resources.EnumerateArray()]
                : [.. resources.EnumerateObject().Select(p => p.Value)];
        }
    }

    /// <summary>The resources of one type, e.g. Microsoft.Web/sites.</summary>
    public static IReadOnlyList<JsonElement> OfType(string type) =>
        [.. Resources.Where(r => string.Equals(r.GetProperty("type").GetString(), type, StringComparison.OrdinalIgnoreCase))];

    /// <summary>The only resource of one type.</summary>
    public static JsonElement Single(string type)
    {
        var matches = OfType(type);
        Assert.True(matches.Count == 1, $"Expected exactly one {type}, found {matches.Count}.");
        return matches[0];
    }

    public static JsonElement Properties(this JsonElement resource) => resource.GetProperty("properties");

    /// <summary>The default value of a template parameter.</summary>
    public static JsonElement DefaultOf(string parameter) =>
        Parameters.GetProperty(parameter).GetProperty("defaultValue");

    /// <summary>
    /// The site's app settings as name → raw value (a literal or an ARM expression such as "[reference(...)]").
    /// </summary>
    public static IReadOnlyDictionary<string, string> AppSettings()
    {
        var site = Single("Microsoft.Web/sites");
        var settings = site.Properties().GetProperty("siteConfig").GetProperty("appSettings");
        Assert.Equal(JsonValueKind.Array, settings.ValueKind);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in settings.EnumerateArray())
        {
            var name = setting.GetProperty("name").GetString();
            Assert.False(string.IsNullOrEmpty(name), "An app setting has no literal name.");
            Assert.DoesNotMatch(ExpressionPattern(), name);
            Assert.True(result.TryAdd(name!, setting.GetProperty("value").ToString()), $"App setting {name} is set twice.");
        }

        return result;
    }

    /// <summary>
    /// The role definition GUID of a role assignment: its roleDefinitionId expression with variables('x').y and
    /// variables('x') replaced by their values from the template's variables section.
    /// </summary>
    public static string RoleDefinitionGuid(JsonElement roleAssignment)
    {
        var expression = roleAssignment.Properties().GetProperty("roleDefinitionId").GetString() ?? "";
        var resolved = VariableReference().Replace(expression, match =>
        {
            var value = Variables.GetProperty(match.Groups["name"].Value);
            if (match.Groups["member"].Success)
            {
                value = value.GetProperty(match.Groups["member"].Value);
            }

            return $"'{value.GetString()}'";
        });

        var guids = GuidPattern().Matches(resolved).Select(m => m.Value.ToLowerInvariant()).Distinct().ToList();
        Assert.True(guids.Count == 1, $"Expected one role definition GUID in '{expression}' (resolved: '{resolved}'), found {guids.Count}.");
        return guids[0];
    }

    [GeneratedRegex(@"variables\('(?<name>[A-Za-z0-9_]+)'\)(\.(?<member>[A-Za-z0-9_]+))?")]
    private static partial Regex VariableReference();

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex GuidPattern();

    [GeneratedRegex(@"^\[")]
    private static partial Regex ExpressionPattern();
}
