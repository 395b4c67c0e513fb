using ScimFunctions.Storage;

namespace ScimFunctions.Infra.Tests;

/// <summary>The template sets the settings the code reads: ScimFunctions.Http.AppSettings is the other side.</summary>
public sealed class AppSettingsTests
{
    // Settings the Functions platform reads, not the app: identity-based host storage and telemetry.
    private static bool OwnedByPlatform(string name) =>
        name.StartsWith("AzureWebJobsStorage__", StringComparison.Ordinal) ||
        name.StartsWith("APPLICATIONINSIGHTS_", StringComparison.Ordinal);

    [Fact]
    public void Template_sets_exactly_the_settings_required_in_azure()
    {
        var appOwned = ArmTemplate.AppSettings().Keys.Where(n => !OwnedByPlatform(n)).Order(StringComparer.Ordinal);
        Assert.Equal(AppSettings.RequiredInAzure.Order(StringComparer.Ordinal), appOwned);
    }

    [Fact]
    public void Template_sets_nothing_the_code_does_not_know()
    {
        var known = AppSettings.RequiredInAzure.Concat(AppSettings.Optional).ToHashSet(StringComparer.Ordinal);
        foreach (var name in ArmTemplate.AppSettings().Keys.Where(n => !OwnedByPlatform(n)))
        {
            Assert.True(known.Contains(name), $"The template sets {name}, which AppSettings lists neither as required nor as optional.");
        }
    }

    [Fact]
    public void Template_does_not_set_a_connection_string_setting()
    {
        // Storage__ConnectionString is for Azurite and local development only; in Azure the endpoint and the identity are used.
        Assert.DoesNotContain(AppSettings.StorageConnectionString, ArmTemplate.AppSettings().Keys);
    }

    [Fact]
    public void Template_does_not_allow_push_receivers_on_private_addresses()
    {
        // Local development and the tests deliver to 127.0.0.1; a deployment must never (docs/security.md, "Push receivers").
        Assert.DoesNotContain(AppSettings.EventsAllowPrivateReceivers, ArmTemplate.AppSettings().Keys);
        Assert.DoesNotContain("AllowPrivateReceivers", File.ReadAllText(RepoPaths.MainBicep), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Platform_settings_are_exactly_the_identity_and_telemetry_ones()
    {
        Assert.Equal(
            new[]
            {
                "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
                "APPLICATIONINSIGHTS_CONNECTION_STRING",
                "AzureWebJobsStorage__accountName",
                "AzureWebJobsStorage__credential",
            },
            ArmTemplate.AppSettings().Keys.Where(OwnedByPlatform).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Deploy_doc_lists_every_setting_the_template_sets()
    {
        var doc = File.ReadAllText(RepoPaths.DeployDoc);
        Assert.StartsWith("## Deploy to Azure", doc, StringComparison.Ordinal);
        foreach (var name in ArmTemplate.AppSettings().Keys)
        {
            Assert.Contains($"`{name}`", doc, StringComparison.Ordinal);
        }
    }
}
