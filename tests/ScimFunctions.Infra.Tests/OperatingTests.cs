using System.Text.Json;
using System.Text.RegularExpressions;

namespace ScimFunctions.Infra.Tests;

/// <summary>What an operator gets from the template: network hardening as an option, storage redundancy, the
/// failure alert; and DEPLOY.md naming every parameter.</summary>
public sealed partial class OperatingTests
{
    private static string Condition(JsonElement resource) =>
        resource.TryGetProperty("condition", out var condition) ? condition.GetString()! : "";

    [Fact]
    public void Network_isolation_is_an_option_off_by_default()
    {
        Assert.False(ArmTemplate.DefaultOf("networkIsolation").GetBoolean());
        Assert.Empty(ArmTemplate.DefaultOf("allowedIpAddresses").EnumerateArray());
        var network = ArmTemplate.Resources.Where(r => r.GetProperty("type").GetString()!.StartsWith("Microsoft.Network/", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            ["Microsoft.Network/privateDnsZones", "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "Microsoft.Network/privateEndpoints",
             "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", "Microsoft.Network/virtualNetworks"],
            network.Select(r => r.GetProperty("type").GetString()).Order());
        Assert.All(network, r => Assert.Equal("[parameters('networkIsolation')]", Condition(r)));
    }

    [Fact]
    public void Isolation_closes_both_firewalls_except_the_allowed_addresses()
    {
        var firewall = ArmTemplate.Variables.GetProperty("firewall");
        Assert.Equal("[if(parameters('networkIsolation'), 'Deny', 'Allow')]", firewall.GetProperty("defaultAction").GetString());
        Assert.Contains("parameters('allowedIpAddresses')", firewall.GetProperty("ipRules").GetString(), StringComparison.Ordinal);
        Assert.Equal("[variables('firewall')]", ArmTemplate.Single("Microsoft.Storage/storageAccounts").Properties().GetProperty("networkAcls").GetString());
        Assert.Equal("[variables('firewall')]", ArmTemplate.Single("Microsoft.KeyVault/vaults").Properties().GetProperty("networkAcls").GetString());
    }

    [Fact]
    public void Isolation_gives_blob_table_and_vault_private_endpoints_with_private_dns()
    {
        var endpoints = ArmTemplate.Variables.GetProperty("privateEndpoints").EnumerateArray().ToList();
        Assert.Equal(["blob", "table", "vault"], endpoints.Select(e => e.GetProperty("name").GetString()));
        Assert.All(endpoints, e => Assert.Contains("privatelink.", e.GetProperty("zone").GetString(), StringComparison.Ordinal));
        var endpoint = ArmTemplate.Single("Microsoft.Network/privateEndpoints");
        Assert.Equal("[length(variables('privateEndpoints'))]", endpoint.GetProperty("copy").GetProperty("count").GetString());
        var connection = endpoint.Properties().GetProperty("privateLinkServiceConnections")[0].GetProperty("properties");
        Assert.Equal("[variables('privateEndpoints')[copyIndex()].name]", connection.GetProperty("groupIds")[0].GetString());
        Assert.Contains("Microsoft.KeyVault/vaults", connection.GetProperty("privateLinkServiceId").GetString(), StringComparison.Ordinal);
        Assert.Contains("Microsoft.Storage/storageAccounts", connection.GetProperty("privateLinkServiceId").GetString(), StringComparison.Ordinal);
        Assert.Contains("endpointSubnetName", endpoint.Properties().GetProperty("subnet").GetProperty("id").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Isolation_integrates_the_function_app_into_a_delegated_subnet()
    {
        var site = ArmTemplate.Single("Microsoft.Web/sites").Properties();
        var subnet = site.GetProperty("virtualNetworkSubnetId").GetString()!;
        Assert.StartsWith("[if(parameters('networkIsolation'), ", subnet, StringComparison.Ordinal);
        Assert.Contains("variables('appSubnetName')", subnet, StringComparison.Ordinal);
        var subnets = ArmTemplate.Single("Microsoft.Network/virtualNetworks").Properties().GetProperty("subnets").EnumerateArray().ToList();
        var app = subnets.Single(s => s.GetProperty("name").GetString() == "[variables('appSubnetName')]");
        Assert.Equal("Microsoft.App/environments", app.GetProperty("properties").GetProperty("delegations")[0].GetProperty("properties").GetProperty("serviceName").GetString());
    }

    [Fact]
    public void Storage_redundancy_is_a_parameter_with_zone_and_geo_options()
    {
        var allowed = ArmTemplate.Parameters.GetProperty("storageSku").GetProperty("allowedValues").EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.Contains("Standard_ZRS", allowed);
        Assert.Contains("Standard_GZRS", allowed);
        Assert.Contains("Standard_RAGZRS", allowed);
        Assert.Equal("[parameters('storageSku')]", ArmTemplate.Single("Microsoft.Storage/storageAccounts").GetProperty("sku").GetProperty("name").GetString());
    }

    [Fact]
    public void Failure_alert_watches_every_tenant_well_below_entras_quarantine_threshold()
    {
        var alert = ArmTemplate.Single("Microsoft.Insights/scheduledQueryRules");
        Assert.Equal("", Condition(alert));
        var properties = alert.Properties();
        Assert.Contains("Microsoft.Insights/components", properties.GetProperty("scopes")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal("PT5M", properties.GetProperty("evaluationFrequency").GetString());
        Assert.Equal("PT15M", properties.GetProperty("windowSize").GetString());
        var criterion = properties.GetProperty("criteria").GetProperty("allOf")[0];
        Assert.Equal("Tenant", criterion.GetProperty("dimensions")[0].GetProperty("name").GetString());
        Assert.Equal("[format(variables('failureQuery'), parameters('failureAlertPercent'))]", criterion.GetProperty("query").GetString());
        // Entra ID quarantines above 40%: the alert's percentage defaults far below and cannot be set above it.
        Assert.Equal(5, ArmTemplate.DefaultOf("failureAlertPercent").GetInt32());
        Assert.Equal(40, ArmTemplate.Parameters.GetProperty("failureAlertPercent").GetProperty("maxValue").GetInt32());
        Assert.Equal("[parameters('alertEmail')]", ArmTemplate.Single("Microsoft.Insights/actionGroups").Properties()
            .GetProperty("emailReceivers")[0].GetProperty("emailAddress").GetString());
        Assert.Equal("[not(empty(parameters('alertEmail')))]", Condition(ArmTemplate.Single("Microsoft.Insights/actionGroups")));
    }

    [Fact]
    public void Failure_query_reads_the_request_log_line_the_app_writes()
    {
        var query = ArmTemplate.Variables.GetProperty("failureQuery").GetString()!;
        var pipeline = File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "ScimFunctions.Http", "ScimPipeline.cs"));
        var template = LogTemplate().Match(pipeline);
        Assert.True(template.Success, "ScimPipeline no longer logs \"SCIM {Method} ... tenant {Tenant} status {Status}\".");
        Assert.Contains("message startswith \"SCIM \"", query, StringComparison.Ordinal);
        Assert.Contains("customDimensions.Tenant", query, StringComparison.Ordinal);
        Assert.Contains("customDimensions.Status", query, StringComparison.Ordinal);
        Assert.Contains("{0}", query, StringComparison.Ordinal);
    }

    [Fact]
    public void Deploy_doc_names_every_parameter()
    {
        var doc = File.ReadAllText(RepoPaths.DeployDoc);
        Assert.All(ArmTemplate.Parameters.EnumerateObject(), p => Assert.Contains($"`{p.Name}`", doc, StringComparison.Ordinal));
    }

    [GeneratedRegex("\"SCIM \\{Method\\}[^\"]*tenant \\{Tenant\\} status \\{Status\\}")]
    private static partial Regex LogTemplate();
}
