using System.Text.Json;

namespace ScimFunctions.Infra.Tests;

/// <summary>The Flex Consumption plan and the function app.</summary>
public sealed class FunctionAppTests
{
    private static JsonElement Site => ArmTemplate.Single("Microsoft.Web/sites");

    private static JsonElement FunctionAppConfig => Site.Properties().GetProperty("functionAppConfig");

    [Fact]
    public void Plan_is_flex_consumption_on_linux()
    {
        var plan = ArmTemplate.Single("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", plan.GetProperty("sku").GetProperty("name").GetString());
        Assert.Equal("FlexConsumption", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.True(plan.Properties().GetProperty("reserved").GetBoolean());
    }

    [Fact]
    public void Site_is_a_linux_function_app_with_a_system_assigned_identity()
    {
        Assert.Equal("functionapp,linux", Site.GetProperty("kind").GetString());
        Assert.Equal("SystemAssigned", Site.GetProperty("identity").GetProperty("type").GetString());
        Assert.Contains("Microsoft.Web/serverfarms", Site.Properties().GetProperty("serverFarmId").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Runtime_is_dotnet_isolated_10()
    {
        var runtime = FunctionAppConfig.GetProperty("runtime");
        Assert.Equal("dotnet-isolated", runtime.GetProperty("name").GetString());
        Assert.Equal("10.0", runtime.GetProperty("version").GetString());
    }

    [Fact]
    public void Deployment_package_is_a_blob_container_read_with_the_system_identity()
    {
        var storage = FunctionAppConfig.GetProperty("deployment").GetProperty("storage");
        Assert.Equal("blobContainer", storage.GetProperty("type").GetString());
        Assert.Contains("primaryEndpoints.blob", storage.GetProperty("value").GetString(), StringComparison.Ordinal);
        var authentication = storage.GetProperty("authentication");
        Assert.Equal("SystemAssignedIdentity", authentication.GetProperty("type").GetString());
        Assert.False(authentication.TryGetProperty("storageAccountConnectionStringName", out _));
    }

    [Fact]
    public void Scale_defaults_are_2048_mb_100_instances_and_no_always_ready()
    {
        Assert.Equal(2048, ArmTemplate.DefaultOf("instanceMemoryMB").GetInt32());
        Assert.Equal(100, ArmTemplate.DefaultOf("maximumInstanceCount").GetInt32());
        Assert.Equal(0, ArmTemplate.DefaultOf("httpAlwaysReadyInstanceCount").GetInt32());

        // The scale settings are built in a variable so that the always-ready entry exists only when asked for.
        var scale = FunctionAppConfig.GetProperty("scaleAndConcurrency").GetString();
        Assert.Equal("[variables('scaleAndConcurrency')]", scale);
        var expression = ArmTemplate.Variables.GetProperty("scaleAndConcurrency").GetString()!;
        Assert.Contains("greater(parameters('httpAlwaysReadyInstanceCount'), 0)", expression, StringComparison.Ordinal);
        Assert.Contains("createObject('name', 'http', 'instanceCount', parameters('httpAlwaysReadyInstanceCount'))", expression, StringComparison.Ordinal);

        var limits = ArmTemplate.Variables.GetProperty("scaleLimits");
        Assert.Equal("[parameters('instanceMemoryMB')]", limits.GetProperty("instanceMemoryMB").GetString());
        Assert.Equal("[parameters('maximumInstanceCount')]", limits.GetProperty("maximumInstanceCount").GetString());
        Assert.False(limits.TryGetProperty("alwaysReady", out _));
    }

    [Theory]
    [InlineData("FUNCTIONS_WORKER_RUNTIME")]
    [InlineData("FUNCTIONS_WORKER_RUNTIME_VERSION")]
    [InlineData("FUNCTIONS_EXTENSION_VERSION")]
    [InlineData("WEBSITE_RUN_FROM_PACKAGE")]
    [InlineData("WEBSITE_CONTENTSHARE")]
    [InlineData("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING")]
    [InlineData("SCM_DO_BUILD_DURING_DEPLOYMENT")]
    [InlineData("ENABLE_ORYX_BUILD")]
    [InlineData("WEBSITE_TIME_ZONE")]
    [InlineData("APPINSIGHTS_INSTRUMENTATIONKEY")]
    public void No_setting_that_flex_consumption_deprecates(string setting)
    {
        Assert.DoesNotContain(setting, ArmTemplate.AppSettings().Keys, StringComparer.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("linuxFxVersion")]
    [InlineData("netFrameworkVersion")]
    [InlineData("alwaysOn")]
    [InlineData("functionAppScaleLimit")]
    [InlineData("use32BitWorkerProcess")]
    public void No_site_config_property_that_flex_consumption_rejects(string property)
    {
        Assert.False(Site.Properties().GetProperty("siteConfig").TryGetProperty(property, out _), $"siteConfig.{property} is set.");
        Assert.False(Site.Properties().TryGetProperty(property, out _), $"properties.{property} is set.");
    }

    [Fact]
    public void App_settings_point_at_the_deployed_resources()
    {
        var settings = ArmTemplate.AppSettings();
        Assert.Matches(@"^\[reference\(.*(Microsoft\.Storage/storageAccounts|'storage').*\)\.primaryEndpoints\.table\]$", settings["Storage__TableEndpoint"]);
        Assert.Matches(@"^\[reference\(.*(Microsoft\.KeyVault/vaults|'keyVault').*\)\.vaultUri\]$", settings["KeyVault__Uri"]);
        Assert.Equal("[string(parameters('tokenCacheSeconds'))]", settings["Tokens__CacheSeconds"]);
        Assert.Equal("[parameters('maintenanceSchedule')]", settings["MaintenanceSchedule"]);
        Assert.Equal("*/5 * * * * *", settings["EventDeliverySchedule"]);
        Assert.Matches(@"^\[reference\(.*(Microsoft\.Insights/components|'appInsights').*\)\.ConnectionString\]$", settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]);
    }

    [Fact]
    public void Setting_defaults_are_60_seconds_and_a_daily_schedule_with_seconds()
    {
        Assert.Equal(60, ArmTemplate.DefaultOf("tokenCacheSeconds").GetInt32());
        var schedule = ArmTemplate.DefaultOf("maintenanceSchedule").GetString()!;
        Assert.Equal("0 0 3 * * *", schedule);
        // NCRONTAB with seconds: six fields.
        Assert.Equal(6, schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Site_is_tagged_for_azd_service_api()
    {
        var tags = Site.GetProperty("tags").GetString()!;
        Assert.Contains("'azd-service-name', 'api'", tags, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("functionAppName")]
    [InlineData("functionAppHostName")]
    [InlineData("tenantUrlPattern")]
    [InlineData("keyVaultUri")]
    [InlineData("storageTableEndpoint")]
    public void Output_exists(string output)
    {
        Assert.True(ArmTemplate.Outputs.TryGetProperty(output, out var value), $"Output {output} is missing.");
        Assert.Equal("string", value.GetProperty("type").GetString());
    }

    [Fact]
    public void Tenant_url_pattern_is_the_scim_base_url_with_a_tenant_placeholder()
    {
        var value = ArmTemplate.Outputs.GetProperty("tenantUrlPattern").GetProperty("value").GetString()!;
        Assert.StartsWith("[format('https://{0}/scim/v2/<tenant>'", value, StringComparison.Ordinal);
        Assert.Contains(".defaultHostName", value, StringComparison.Ordinal);
    }

    [Fact]
    public void Resource_names_fit_their_limits()
    {
        // namePrefix is at most 8 characters; uniqueString() gives 13.
        Assert.Equal(8, ArmTemplate.Parameters.GetProperty("namePrefix").GetProperty("maxLength").GetInt32());
        Assert.Equal("scim", ArmTemplate.DefaultOf("namePrefix").GetString());
        const int prefix = 8, suffix = 13;
        Assert.InRange("st".Length + prefix + suffix, 3, 24);           // storage account
        Assert.InRange("kv-".Length + prefix + suffix, 3, 24);          // key vault
        Assert.InRange("func-".Length + prefix + 1 + suffix, 2, 60);    // function app
        Assert.InRange("plan-".Length + prefix + 1 + suffix, 1, 60);    // plan
        Assert.InRange("log-".Length + prefix + 1 + suffix, 4, 63);     // log analytics
        Assert.InRange("app-package-func-".Length + prefix + 1 + suffix, 3, 63); // container
        Assert.Contains("uniqueString(resourceGroup().id)", ArmTemplate.Variables.GetProperty("suffix").GetString(), StringComparison.Ordinal);
        Assert.Contains("take(", ArmTemplate.Variables.GetProperty("storageAccountName").GetString(), StringComparison.Ordinal);
        Assert.Contains("take(", ArmTemplate.Variables.GetProperty("keyVaultName").GetString(), StringComparison.Ordinal);
    }
}
