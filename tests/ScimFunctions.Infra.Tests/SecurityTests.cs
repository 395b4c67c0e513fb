using ScimFunctions.Storage;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ScimFunctions.Infra.Tests;

/// <summary>The hardening the deployment promises, read from the compiled ARM JSON.</summary>
public sealed partial class SecurityTests
{
    private static JsonElement Storage => ArmTemplate.Single("Microsoft.Storage/storageAccounts");

    private static JsonElement Site => ArmTemplate.Single("Microsoft.Web/sites");

    private static JsonElement KeyVault => ArmTemplate.Single("Microsoft.KeyVault/vaults");

    [Fact]
    public void Storage_accepts_no_shared_key()
    {
        Assert.False(Storage.Properties().GetProperty("allowSharedKeyAccess").GetBoolean());
    }

    [Fact]
    public void Storage_allows_no_public_blob_access()
    {
        Assert.False(Storage.Properties().GetProperty("allowBlobPublicAccess").GetBoolean());
    }

    [Fact]
    public void Storage_requires_tls_1_2_and_https()
    {
        Assert.Equal("TLS1_2", Storage.Properties().GetProperty("minimumTlsVersion").GetString());
        Assert.True(Storage.Properties().GetProperty("supportsHttpsTrafficOnly").GetBoolean());
    }

    [Fact]
    public void Storage_is_general_purpose_v2_with_standard_lrs_by_default()
    {
        Assert.Equal("StorageV2", Storage.GetProperty("kind").GetString());
        Assert.Equal("Standard_LRS", ArmTemplate.DefaultOf("storageSku").GetString());
    }

    [Fact]
    public void Deployment_container_is_private()
    {
        var container = ArmTemplate.Single("Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.Equal("None", container.Properties().GetProperty("publicAccess").GetString());
    }

    [Fact]
    public void Site_is_https_only()
    {
        Assert.True(Site.Properties().GetProperty("httpsOnly").GetBoolean());
    }

    [Fact]
    public void Site_requires_tls_1_2_and_disables_ftp()
    {
        var siteConfig = Site.Properties().GetProperty("siteConfig");
        Assert.Equal("1.2", siteConfig.GetProperty("minTlsVersion").GetString());
        Assert.Equal("Disabled", siteConfig.GetProperty("ftpsState").GetString());
    }

    [Theory]
    [InlineData("ftp")]
    [InlineData("scm")]
    public void Basic_publishing_credentials_are_disabled(string policy)
    {
        var policies = ArmTemplate.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies");
        var match = Assert.Single(policies, p => p.GetProperty("name").GetString()!.EndsWith($"'{policy}')]", StringComparison.Ordinal));
        Assert.False(match.Properties().GetProperty("allow").GetBoolean());
        Assert.False(match.TryGetProperty("condition", out _), $"The {policy} policy must not be conditional.");
    }

    [Fact]
    public void Key_vault_uses_rbac_soft_delete_and_purge_protection()
    {
        var properties = KeyVault.Properties();
        Assert.True(properties.GetProperty("enableRbacAuthorization").GetBoolean());
        Assert.True(properties.GetProperty("enableSoftDelete").GetBoolean());
        Assert.True(properties.GetProperty("enablePurgeProtection").GetBoolean());
        Assert.Equal("[parameters('keyVaultSoftDeleteRetentionInDays')]", properties.GetProperty("softDeleteRetentionInDays").GetString());
        Assert.Equal(90, ArmTemplate.DefaultOf("keyVaultSoftDeleteRetentionInDays").GetInt32());
        Assert.Equal("[parameters('keyVaultPublicNetworkAccess')]", properties.GetProperty("publicNetworkAccess").GetString());
        Assert.False(properties.TryGetProperty("accessPolicies", out var policies) && policies.GetArrayLength() > 0);
    }

    [Fact]
    public void Application_insights_is_workspace_based_with_local_auth_disabled()
    {
        var component = ArmTemplate.Single("Microsoft.Insights/components").Properties();
        Assert.True(component.GetProperty("DisableLocalAuth").GetBoolean());
        Assert.Contains("Microsoft.OperationalInsights/workspaces", component.GetProperty("WorkspaceResourceId").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Telemetry_authenticates_with_the_managed_identity()
    {
        var settings = ArmTemplate.AppSettings();
        Assert.Equal("Authorization=AAD", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
    }

    [Fact]
    public void The_app_authenticates_to_storage_and_key_vault_with_the_managed_identity_alone()
    {
        // DefaultAzureCredential limited to the managed identity: no other credential in the chain is tried.
        Assert.Equal("ManagedIdentityCredential", ArmTemplate.AppSettings()[AppSettings.AzureTokenCredentials]);
    }

    [Fact]
    public void Host_storage_is_reached_by_identity()
    {
        var settings = ArmTemplate.AppSettings();
        Assert.Equal("[variables('storageAccountName')]", settings["AzureWebJobsStorage__accountName"]);
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
    }

    [Theory]
    [InlineData("AccountKey")]
    [InlineData("SharedAccessSignature")]
    [InlineData("listKeys")]
    [InlineData("InstrumentationKey=")]
    [InlineData("sig=")]
    public void No_app_setting_value_carries_a_key(string forbidden)
    {
        foreach (var (name, value) in ArmTemplate.AppSettings())
        {
            Assert.False(value.Contains(forbidden, StringComparison.OrdinalIgnoreCase), $"App setting {name} contains '{forbidden}': {value}");
        }
    }

    [Fact]
    public void Template_calls_no_list_function()
    {
        // listKeys(), listAccountSas(), listServiceSas(), listConnectionStrings(), ... all hand out secrets.
        Assert.DoesNotContain("listKeys(", ArmTemplate.Json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(ListFunction(), ArmTemplate.Json);
    }

    [Fact]
    public void Template_has_no_secure_parameters_or_secret_outputs()
    {
        foreach (var parameter in ArmTemplate.Parameters.EnumerateObject())
        {
            var type = parameter.Value.GetProperty("type").GetString();
            Assert.NotEqual("securestring", type, StringComparer.OrdinalIgnoreCase);
            Assert.NotEqual("secureobject", type, StringComparer.OrdinalIgnoreCase);
        }

        foreach (var output in ArmTemplate.Outputs.EnumerateObject())
        {
            var value = output.Value.GetProperty("value").GetString() ?? "";
            Assert.DoesNotContain("ConnectionString", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("InstrumentationKey", value, StringComparison.OrdinalIgnoreCase);
        }
    }

    [GeneratedRegex(@"\blist[A-Z][A-Za-z]*\(")]
    private static partial Regex ListFunction();
}
