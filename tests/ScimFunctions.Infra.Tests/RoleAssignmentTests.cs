using System.Text.Json;

namespace ScimFunctions.Infra.Tests;

/// <summary>The identity gets the least roles that work, and the admin exactly what the admin CLI needs.</summary>
public sealed class RoleAssignmentTests
{
    // Built-in role definition IDs, the same in every tenant.
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string KeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string StorageTableDataReader = "76199698-9eea-4c19-bc75-cec21354c6b6";

    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string Owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    private const string Contributor = "b24988ac-6180-42a0-ab88-20f7382dd24c";
    private const string StorageAccountContributor = "17d1049b-9a84-46fb-8f53-869881c3d3ab";
    private const string KeyVaultAdministrator = "00482a5a-887f-4fb3-b363-3b7fe8e74483";

    private const string AppPrincipal = "app";
    private const string AdminPrincipal = "admin";
    private const string AppReaderPrincipal = "appReader";

    private static IReadOnlyList<JsonElement> Assignments => ArmTemplate.OfType("Microsoft.Authorization/roleAssignments");

    // The app's identity is read from the site at deployment time; the admin is a parameter.
    private static string PrincipalOf(JsonElement assignment)
    {
        var principal = assignment.Properties().GetProperty("principalId").GetString() ?? "";
        if (principal == "[parameters('adminPrincipalId')]")
        {
            return AdminPrincipal;
        }

        if (principal == "[parameters('appReaderPrincipalId')]")
        {
            return AppReaderPrincipal;
        }

        var isSite = principal.Contains("resourceId('Microsoft.Web/sites', variables('functionAppName'))", StringComparison.Ordinal) ||
            principal.Contains("reference('functionApp'", StringComparison.Ordinal);
        return isSite && principal.EndsWith(".identity.principalId]", StringComparison.Ordinal) ? AppPrincipal : principal;
    }

    private static IEnumerable<JsonElement> For(string principal) => Assignments.Where(a => PrincipalOf(a) == principal);

    [Fact]
    public void Role_definitions_used_are_exactly_the_expected_set()
    {
        var used = Assignments.Select(ArmTemplate.RoleDefinitionGuid).ToHashSet();
        Assert.Equal(
            new HashSet<string> { StorageBlobDataOwner, StorageTableDataContributor, KeyVaultSecretsOfficer, MonitoringMetricsPublisher, StorageTableDataReader },
            used);
    }

    [Theory]
    [InlineData("Storage Blob Data Owner", StorageBlobDataOwner, "Microsoft.Storage/storageAccounts")]
    [InlineData("Storage Table Data Contributor", StorageTableDataContributor, "Microsoft.Storage/storageAccounts")]
    [InlineData("Key Vault Secrets Officer", KeyVaultSecretsOfficer, "Microsoft.KeyVault/vaults")]
    [InlineData("Monitoring Metrics Publisher", MonitoringMetricsPublisher, "Microsoft.Insights/components")]
    public void App_identity_has_role_on_its_resource(string role, string roleDefinitionId, string scopeType)
    {
        var assignment = Assert.Single(For(AppPrincipal), a => ArmTemplate.RoleDefinitionGuid(a) == roleDefinitionId);
        Assert.True(
            assignment.GetProperty("scope").GetString()!.Contains($"resourceId('{scopeType}'", StringComparison.Ordinal),
            $"{role} should be scoped to the {scopeType}, not {assignment.GetProperty("scope")}.");
        Assert.Equal("ServicePrincipal", assignment.Properties().GetProperty("principalType").GetString());
        Assert.False(assignment.TryGetProperty("condition", out _), $"{role} for the app must not be conditional.");
        // Deterministic name: guid(scope, principal, role).
        Assert.StartsWith("[guid(", assignment.GetProperty("name").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void App_identity_has_exactly_four_roles()
    {
        Assert.Equal(
            new[] { KeyVaultSecretsOfficer, MonitoringMetricsPublisher, StorageBlobDataOwner, StorageTableDataContributor }.Order(),
            For(AppPrincipal).Select(ArmTemplate.RoleDefinitionGuid).Order());
    }

    [Theory]
    [InlineData("Storage Table Data Contributor", StorageTableDataContributor, "Microsoft.Storage/storageAccounts")]
    [InlineData("Key Vault Secrets Officer", KeyVaultSecretsOfficer, "Microsoft.KeyVault/vaults")]
    public void Admin_gets_role_only_when_named(string role, string roleDefinitionId, string scopeType)
    {
        var assignment = Assert.Single(For(AdminPrincipal), a => ArmTemplate.RoleDefinitionGuid(a) == roleDefinitionId);
        Assert.Equal("[variables('grantAdmin')]", assignment.GetProperty("condition").GetString());
        Assert.Equal("[not(empty(parameters('adminPrincipalId')))]", ArmTemplate.Variables.GetProperty("grantAdmin").GetString());
        Assert.Contains($"resourceId('{scopeType}'", assignment.GetProperty("scope").GetString(), StringComparison.Ordinal);
        Assert.Equal("[parameters('adminPrincipalType')]", assignment.Properties().GetProperty("principalType").GetString());
        Assert.False(string.IsNullOrEmpty(role));
    }

    [Fact]
    public void Admin_gets_nothing_more_and_defaults_to_nobody()
    {
        Assert.Equal(
            new[] { KeyVaultSecretsOfficer, StorageTableDataContributor }.Order(),
            For(AdminPrincipal).Select(ArmTemplate.RoleDefinitionGuid).Order());
        Assert.Equal("", ArmTemplate.DefaultOf("adminPrincipalId").GetString());
        Assert.Equal("User", ArmTemplate.DefaultOf("adminPrincipalType").GetString());
    }

    [Fact]
    public void Integrating_application_gets_only_table_read_only_when_named()
    {
        var assignment = Assert.Single(For(AppReaderPrincipal));
        Assert.Equal(StorageTableDataReader, ArmTemplate.RoleDefinitionGuid(assignment));
        Assert.Equal("[not(empty(parameters('appReaderPrincipalId')))]", assignment.GetProperty("condition").GetString());
        Assert.Contains("resourceId('Microsoft.Storage/storageAccounts'", assignment.GetProperty("scope").GetString(), StringComparison.Ordinal);
        Assert.Equal("[parameters('appReaderPrincipalType')]", assignment.Properties().GetProperty("principalType").GetString());
        Assert.Equal("", ArmTemplate.DefaultOf("appReaderPrincipalId").GetString());
    }

    [Fact]
    public void Every_assignment_belongs_to_the_app_the_admin_or_the_integrating_application()
    {
        Assert.Equal(Assignments.Count, For(AppPrincipal).Count() + For(AdminPrincipal).Count() + For(AppReaderPrincipal).Count());
    }

    [Theory]
    [InlineData(StorageQueueDataContributor)]
    [InlineData(Owner)]
    [InlineData(Contributor)]
    [InlineData(StorageAccountContributor)]
    [InlineData(KeyVaultAdministrator)]
    public void Broader_roles_are_not_granted(string roleDefinitionId)
    {
        Assert.DoesNotContain(roleDefinitionId, Assignments.Select(ArmTemplate.RoleDefinitionGuid));
        Assert.DoesNotContain(roleDefinitionId, ArmTemplate.Json, StringComparison.OrdinalIgnoreCase);
    }
}
