using System.Text.Json;

namespace ScimFunctions.Infra.Tests;

/// <summary>The template compiles and lints cleanly with the pinned Bicep CLI.</summary>
public sealed class BicepBuildTests
{
    [Fact]
    public void Build_succeeds_without_warnings()
    {
        var result = ArmTemplate.Build;

        Assert.True(result.ExitCode == 0, $"bicep build failed: {result}");
        Assert.True(string.IsNullOrWhiteSpace(result.StdErr), $"bicep build printed diagnostics: {result.StdErr}");
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        Assert.Contains("deploymentTemplate.json", json.RootElement.GetProperty("$schema").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Template_targets_a_resource_group()
    {
        // A resource-group deployment's schema is deploymentTemplate.json (subscription: subscriptionDeploymentTemplate.json).
        Assert.EndsWith("/deploymentTemplate.json#", ArmTemplate.Root.GetProperty("$schema").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_reports_nothing()
    {
        var result = BicepCli.Run("lint", RepoPaths.MainBicep);

        Assert.True(result.ExitCode == 0, $"bicep lint failed: {result}");
        Assert.True(string.IsNullOrWhiteSpace(result.StdErr), $"bicep lint reported: {result.StdErr}");
        Assert.True(string.IsNullOrWhiteSpace(result.StdOut), $"bicep lint reported: {result.StdOut}");
        Assert.DoesNotContain("Warning", result.StdErr + result.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("Error", result.StdErr + result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_uses_no_registry_modules()
    {
        // Locked-down networks cannot reach a module registry: everything is written out in the repository.
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(RepoPaths.MainBicep)!, "*.bicep", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("'br:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'br/", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'ts:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'ts/", text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(ArmTemplate.OfType("Microsoft.Resources/deployments"), d =>
            d.Properties().TryGetProperty("templateLink", out _));
    }

    [Fact]
    public void Parameters_file_names_only_template_parameters()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(RepoPaths.MainParameters));
        var parameters = file.RootElement.GetProperty("parameters");
        Assert.NotEmpty(parameters.EnumerateObject());
        foreach (var parameter in parameters.EnumerateObject())
        {
            Assert.True(ArmTemplate.Parameters.TryGetProperty(parameter.Name, out var declared),
                $"main.parameters.json sets '{parameter.Name}', which main.bicep does not declare.");
            var value = parameter.Value.GetProperty("value");
            if (declared.TryGetProperty("allowedValues", out var allowed))
            {
                Assert.Contains(allowed.EnumerateArray(), a => a.ToString() == value.ToString());
            }
        }
    }

    [Fact]
    public void Every_parameter_has_a_default_and_a_description()
    {
        foreach (var parameter in ArmTemplate.Parameters.EnumerateObject())
        {
            Assert.True(parameter.Value.TryGetProperty("defaultValue", out _), $"Parameter {parameter.Name} has no default.");
            Assert.True(
                parameter.Value.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("description", out _),
                $"Parameter {parameter.Name} has no description.");
        }
    }
}
