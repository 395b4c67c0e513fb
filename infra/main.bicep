// ScimFunctions: a SCIM 2.0 service provider on Azure Functions (Flex Consumption, .NET 10 isolated worker).
//
// Deploys into an existing resource group:
//   - a storage account: the Functions host storage (AzureWebJobsStorage), the deployment package container
//     and the SCIM tables; shared-key access is off, so everything reaches it with Entra ID only;
//   - a Key Vault (RBAC authorization, soft delete, purge protection) for the token hashes;
//   - a Log Analytics workspace and a workspace-based Application Insights component with local auth off;
//   - a Flex Consumption plan (FC1) and the function app, with a system-assigned managed identity;
//   - the least role assignments that identity needs, and optionally the ones the admin CLI needs;
//   - an alert on each tenant's SCIM failure rate, well before Entra ID quarantines the provisioning job;
//   - optionally (networkIsolation), a virtual network: the app integrated into it, storage and Key Vault reached
//     through private endpoints and closed to other networks by their firewalls.
//
// No secret, key, SAS or connection string is written anywhere: there is no listKeys() in this file.
//
//   az deployment group create -g <rg> -f infra/main.bicep -p infra/main.parameters.json \
//     -p adminPrincipalId=$(az ad signed-in-user show --query id -o tsv)

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------------------

@description('Region of every resource. Flex Consumption is not offered in every region: az functionapp list-flexconsumption-locations.')
param location string = resourceGroup().location

@description('Short prefix of every resource name: lowercase letters and digits, starting with a letter. A suffix unique to the resource group is appended.')
@minLength(2)
@maxLength(8)
param namePrefix string = 'scim'

@description('Tags applied to every resource.')
param tags object = {}

@description('Replication of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param storageSku string = 'Standard_LRS'

@description('Memory of each function app instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Most instances the function app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Always-ready instances for the HTTP trigger group (billed while idle). 0 leaves the app free to scale to zero.')
@minValue(0)
@maxValue(1000)
param httpAlwaysReadyInstanceCount int = 0

@description('Days a deleted Key Vault (and its secrets) is kept before it can be purged. Cannot be changed after the vault is created.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Public network access to the Key Vault. \'Disabled\' needs networkIsolation (the app then reaches the vault through its private endpoint), and the admin CLI must then run from inside the virtual network.')
@allowed([
  'Enabled'
  'Disabled'
])
param keyVaultPublicNetworkAccess string = 'Enabled'

@description('Network hardening: a virtual network with the function app integrated into it, private endpoints (and private DNS) for the storage account\'s blobs and tables and for the Key Vault, and both firewalls closed to every other network except allowedIpAddresses.')
param networkIsolation bool = false

@description('Address space of the virtual network created when networkIsolation is on: a /24 for the app\'s integration subnet and a /24 for the private endpoints are taken from it.')
param virtualNetworkAddressPrefix string = '10.90.0.0/16'

@description('Public IP addresses or CIDR ranges let through the storage and Key Vault firewalls when networkIsolation is on: where the admin CLI runs from. Empty: only the virtual network (and trusted Azure services).')
param allowedIpAddresses array = []

@description('Email address that receives the SCIM failure alert. Empty: the alert fires (visible in Azure Monitor) but notifies no one.')
param alertEmail string = ''

@description('Share of a tenant\'s SCIM requests in 15 minutes that may fail before the alert fires, in percent. Entra ID quarantines a provisioning job above 40%, so alert far below that.')
@minValue(1)
@maxValue(40)
param failureAlertPercent int = 5

@description('Days the Log Analytics workspace keeps telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Seconds a validated token hash is cached in memory: the longest a revoked or rotated token keeps working.')
@minValue(0)
@maxValue(3600)
param tokenCacheSeconds int = 60

@description('NCRONTAB schedule (with seconds) of the maintenance timer: token expiry and audit retention. Default: 03:00 UTC daily.')
param maintenanceSchedule string = '0 0 3 * * *'

@description('Object ID of a user, group or service principal that runs the admin CLI (creates tenants, issues tokens). Empty: no admin role assignment.')
param adminPrincipalId string = ''

@description('Type of adminPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param adminPrincipalType string = 'User'

@description('Object ID of the identity of the application that reads provisioned users, groups and the change feed with the ScimFunctions.Directory library (for example its managed identity). Empty: no assignment.')
param appReaderPrincipalId string = ''

@description('Type of appReaderPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param appReaderPrincipalType string = 'ServicePrincipal'

// ---------------------------------------------------------------------------------------------------------
// Names (each within its resource's length and character rules)
// ---------------------------------------------------------------------------------------------------------

var prefix = toLower(namePrefix)
// 13 lowercase letters and digits, stable for a given resource group.
var suffix = uniqueString(resourceGroup().id)

// Storage account: 3-24 lowercase letters and digits, globally unique. 2 + 8 + 13 = 23 at most.
var storageAccountName = take('st${replace(prefix, '-', '')}${suffix}', 24)
// Key Vault: 3-24 letters, digits and hyphens, globally unique. 3 + 8 + 13 = 24 at most.
var keyVaultName = take('kv-${prefix}${suffix}', 24)
// Log Analytics workspace: 4-63. Application Insights: 1-260. Plan: 1-60. Function app: 2-60, globally unique.
var logAnalyticsName = 'log-${prefix}-${suffix}'
var appInsightsName = 'appi-${prefix}-${suffix}'
var planName = 'plan-${prefix}-${suffix}'
var functionAppName = 'func-${prefix}-${suffix}'
// Blob container: 3-63 lowercase letters, digits and hyphens. 12 + 26 = 38 at most.
var deploymentContainerName = 'app-package-${functionAppName}'

// ---------------------------------------------------------------------------------------------------------
// Built-in role definitions (IDs are the same in every tenant)
// ---------------------------------------------------------------------------------------------------------

var roleIds = {
  // Storage Blob Data Owner: read/write blobs and create containers.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Storage Table Data Contributor: read/write/delete tables and entities.
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Key Vault Secrets Officer: every action on secrets (get, list, set, delete, recover, purge); nothing on keys or certificates.
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  // Monitoring Metrics Publisher: send telemetry to Azure Monitor / Application Insights with an Entra ID token.
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // Storage Table Data Reader: read tables and entities; no write, no delete.
  storageTableDataReader: '76199698-9eea-4c19-bc75-cec21354c6b6'
}

// Storage Queue Data Contributor (974c5e8b-45b9-4653-ba55-5f855dd0fb88) is deliberately NOT granted: the
// Functions host needs queues only for the blob trigger and Durable Functions, and this app has HTTP and
// timer triggers only (the timer's singleton lock is a blob lease). Add it if a queue or blob trigger is added.

// ---------------------------------------------------------------------------------------------------------
// Monitoring
// ---------------------------------------------------------------------------------------------------------

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    IngestionMode: 'LogAnalytics'
    // Only Entra ID-authenticated telemetry is accepted: the instrumentation key alone cannot ingest.
    DisableLocalAuth: true
  }
}

// ---------------------------------------------------------------------------------------------------------
// Network: open by default; with networkIsolation, storage and Key Vault accept only the virtual network (through
// private endpoints), allowedIpAddresses and trusted Azure services.
// ---------------------------------------------------------------------------------------------------------

var firewall = {
  defaultAction: networkIsolation ? 'Deny' : 'Allow'
  bypass: 'AzureServices'
  // Storage's and Key Vault's IP rules share this shape (an allow rule per address or range).
  ipRules: map(networkIsolation ? allowedIpAddresses : [], ip => {
    value: ip
  })
}

var appSubnetName = 'snet-app'
var endpointSubnetName = 'snet-private-endpoints'

resource virtualNetwork 'Microsoft.Network/virtualNetworks@2024-05-01' = if (networkIsolation) {
  name: 'vnet-${prefix}-${suffix}'
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        virtualNetworkAddressPrefix
      ]
    }
    subnets: [
      {
        // Flex Consumption's virtual network integration: a subnet delegated to Microsoft.App/environments.
        name: appSubnetName
        properties: {
          addressPrefix: cidrSubnet(virtualNetworkAddressPrefix, 24, 0)
          delegations: [
            {
              name: 'flex'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: endpointSubnetName
        properties: {
          addressPrefix: cidrSubnet(virtualNetworkAddressPrefix, 24, 1)
        }
      }
    ]
  }
}

// One private endpoint per service the app reaches (blob: host storage and the deployment package; table: SCIM
// data; vault: token hashes), each with the private DNS zone that makes the public name resolve to it inside the
// virtual network. Application Insights ingestion stays public (an Azure Monitor Private Link Scope is out of scope).
var privateEndpoints = [
  {
    name: 'blob'
    zone: 'privatelink.blob.${environment().suffixes.storage}'
    service: 'storage'
  }
  {
    name: 'table'
    zone: 'privatelink.table.${environment().suffixes.storage}'
    service: 'storage'
  }
  {
    name: 'vault'
    zone: 'privatelink.vaultcore.azure.net'
    service: 'keyVault'
  }
]

resource privateDnsZones 'Microsoft.Network/privateDnsZones@2024-06-01' = [for endpoint in privateEndpoints: if (networkIsolation) {
  name: endpoint.zone
  location: 'global'
  tags: tags
}]

resource privateDnsZoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (endpoint, i) in privateEndpoints: if (networkIsolation) {
  parent: privateDnsZones[i]
  name: 'link-${prefix}-${suffix}'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetwork.id
    }
  }
}]

resource privateEndpointResources 'Microsoft.Network/privateEndpoints@2024-05-01' = [for (endpoint, i) in privateEndpoints: if (networkIsolation) {
  name: 'pe-${prefix}-${endpoint.name}-${suffix}'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: resourceId('Microsoft.Network/virtualNetworks/subnets', virtualNetwork.name, endpointSubnetName)
    }
    privateLinkServiceConnections: [
      {
        name: endpoint.name
        properties: {
          privateLinkServiceId: endpoint.service == 'storage' ? storage.id : keyVault.id
          groupIds: [
            endpoint.name
          ]
        }
      }
    ]
  }
}]

resource privateDnsZoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = [for (endpoint, i) in privateEndpoints: if (networkIsolation) {
  parent: privateEndpointResources[i]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: endpoint.name
        properties: {
          privateDnsZoneId: privateDnsZones[i].id
        }
      }
    ]
  }
}]

// ---------------------------------------------------------------------------------------------------------
// Storage: host storage, deployment package, SCIM tables
// ---------------------------------------------------------------------------------------------------------

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: storageSku
  }
  properties: {
    accessTier: 'Hot'
    // Entra ID only: no account key, account SAS or service SAS is accepted.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: firewall
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

// The Flex Consumption deployment package (the zip that func / az / azd publish) lives here.
resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// ---------------------------------------------------------------------------------------------------------
// Key Vault: token hashes (secrets), RBAC only
// ---------------------------------------------------------------------------------------------------------

resource keyVault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Azure RBAC instead of access policies.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    // Once on, purge protection cannot be turned off: a deleted vault keeps its name until retention ends.
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: keyVaultPublicNetworkAccess
    networkAcls: firewall
  }
}

// ---------------------------------------------------------------------------------------------------------
// Flex Consumption plan and function app
// ---------------------------------------------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux.
    reserved: true
  }
}

var scaleLimits = {
  instanceMemoryMB: instanceMemoryMB
  maximumInstanceCount: maximumInstanceCount
}

// The always-ready entry is emitted only when asked for: 'http' is the group of every HTTP-triggered function.
var scaleAndConcurrency = httpAlwaysReadyInstanceCount > 0
  ? union(scaleLimits, {
      alwaysReady: [
        {
          name: 'http'
          instanceCount: httpAlwaysReadyInstanceCount
        }
      ]
    })
  : scaleLimits

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: functionAppName
  location: location
  // azd finds the app to publish service 'api' to by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Outbound traffic through the virtual network (to the private endpoints) when networkIsolation is on.
    virtualNetworkSubnetId: networkIsolation ? resourceId('Microsoft.Network/virtualNetworks/subnets', virtualNetwork.name, appSubnetName) : null
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      // The Flex docs list ftpsState among the site properties Flex does not use (FTP is not offered there at
      // all); it is set anyway so that policy scanners reading the site config see FTP as disabled.
      ftpsState: 'Disabled'
      // FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE and the content-share
      // settings are deprecated on Flex (runtime and deployment come from functionAppConfig) and are not set.
      appSettings: [
        // Host storage by identity: the endpoints are derived from the account name; 'managedidentity' with no
        // client ID selects the system-assigned identity.
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storage.name
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        // Telemetry. The connection string is unavoidable: it is how the host and the worker learn which
        // component and which regional ingestion endpoint to send to (there is no identity-only alternative).
        // It is not a credential here: DisableLocalAuth on the component makes the instrumentation key in it
        // useless for ingestion, and APPLICATIONINSIGHTS_AUTHENTICATION_STRING makes the host authenticate
        // with the system-assigned identity (Monitoring Metrics Publisher on the component, below).
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsights.properties.ConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'Authorization=AAD'
        }
        // The app's own settings (ScimFunctions.Http.AppSettings.RequiredInAzure).
        {
          name: 'Storage__TableEndpoint'
          value: storage.properties.primaryEndpoints.table
        }
        {
          name: 'KeyVault__Uri'
          value: keyVault.properties.vaultUri
        }
        {
          name: 'Tokens__CacheSeconds'
          value: string(tokenCacheSeconds)
        }
        {
          name: 'MaintenanceSchedule'
          value: maintenanceSchedule
        }
        // Push delivery of provisioning events: one sweep every 5 seconds (sweeps are leased per receiver, so
        // overlapping runs on several instances are safe).
        {
          name: 'EventDeliverySchedule'
          value: '*/5 * * * * *'
        }
        // DefaultAzureCredential (Table and Key Vault clients) goes straight to the system-assigned identity:
        // no probing of the credential chain on a cold start.
        {
          name: 'AZURE_TOKEN_CREDENTIALS'
          value: 'ManagedIdentityCredential'
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer.name}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: scaleAndConcurrency
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// No publishing with user/site credentials: deployments use Entra ID (func, az, azd all do).
resource ftpPublishingPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishingPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

// ---------------------------------------------------------------------------------------------------------
// Role assignments for the function app's identity
// ---------------------------------------------------------------------------------------------------------

// Functions host storage (AzureWebJobsStorage: host keys and the timer's singleton locks, in containers the host
// creates) and reading the Flex deployment package. Storage Blob Data Owner is the role the Functions docs give
// as covering host storage, and the one the Flex Consumption samples grant for the deployment container; the
// narrower Storage Blob Data Contributor is not a documented configuration. Account scope, because the host
// creates its own containers.
resource appStorageBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionApp.id, roleIds.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataOwner)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// SCIM data (users, groups, tenants, audit) in tables the app creates on first use; also lets the host write
// its diagnostic events. Account scope, because table creation is an account-level operation.
resource appStorageTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionApp.id, roleIds.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Token hashes: the app reads them to validate bearer tokens and writes/deletes them when tokens expire.
// Scoped to this vault only.
resource appKeyVaultSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, functionApp.id, roleIds.keyVaultSecretsOfficer)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsOfficer)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Entra ID-authenticated telemetry (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), needed since local auth is off.
resource appMonitoringMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, functionApp.id, roleIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---------------------------------------------------------------------------------------------------------
// Role assignments for the admin CLI's principal (optional)
// ---------------------------------------------------------------------------------------------------------

var grantAdmin = !empty(adminPrincipalId)

// Tenant records and token metadata in the SCIM tables.
resource adminStorageTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantAdmin) {
  name: guid(storage.id, adminPrincipalId, roleIds.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: adminPrincipalId
    principalType: adminPrincipalType
  }
}

// Writing, rotating and revoking token hashes in this vault.
resource adminKeyVaultSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantAdmin) {
  name: guid(keyVault.id, adminPrincipalId, roleIds.keyVaultSecretsOfficer)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsOfficer)
    principalId: adminPrincipalId
    principalType: adminPrincipalType
  }
}

// ---------------------------------------------------------------------------------------------------------
// Role assignment for the integrating application's identity (optional)
// ---------------------------------------------------------------------------------------------------------

// The application reads users, groups and the change feed through ScimFunctions.Directory, which has no write
// method; this read-only role makes that a guarantee rather than a convention, so the application cannot change
// provisioning data even by mistake. Account scope: the SCIM table is created by the app on first use, so there
// is no table resource to scope to at deployment time. The account's only other tables are the Functions host's
// (token hashes live in Key Vault in Azure).
resource appReaderStorageTableDataReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(appReaderPrincipalId)) {
  name: guid(storage.id, appReaderPrincipalId, roleIds.storageTableDataReader)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataReader)
    principalId: appReaderPrincipalId
    principalType: appReaderPrincipalType
  }
}

// ---------------------------------------------------------------------------------------------------------
// Alert: a tenant's SCIM failures, long before Entra ID quarantines its provisioning job
// ---------------------------------------------------------------------------------------------------------

// Entra ID quarantines a job when more than 40% of its requests fail (once 5,000 have accrued), and at once on
// credential errors. The query reads the one log line per SCIM request (ScimPipeline: "SCIM {Method} {Operation}
// tenant {Tenant} status {Status} ..."). Failures are what Entra counts against the job: 5xx, throttling,
// credentials and malformed requests; 404 and 409 are part of normal matching and 412 a retried race.
var failureQuery = '''
traces
| where message startswith "SCIM " and isnotempty(customDimensions.Status)
| extend Tenant = tostring(customDimensions.Tenant), Status = toint(customDimensions.Status)
| summarize Requests = count(), Failures = countif(Status >= 500 or Status in (400, 401, 403, 413, 415, 429)), Credentials = countif(Status in (401, 403)) by Tenant
| where (Requests >= 20 and Failures * 100.0 / Requests > {0}) or Credentials >= 5
'''

resource alertActionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${prefix}-${suffix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'scimalerts'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource failureAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${prefix}-scim-failures-${suffix}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'SCIM failures per tenant'
    description: 'A tenant\'s SCIM requests failed above ${failureAlertPercent}% in 15 minutes (at least 20 requests), or its token was refused 5 times: fix it before Entra ID quarantines the provisioning job (over 40%).'
    severity: 2
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: format(failureQuery, failureAlertPercent)
          timeAggregation: 'Count'
          dimensions: [
            {
              name: 'Tenant'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: empty(alertEmail) ? [] : [
        alertActionGroup.id
      ]
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------------------

@description('Name of the function app (func azure functionapp publish <name>).')
output functionAppName string = functionApp.name

@description('Default host name of the function app.')
output functionAppHostName string = functionApp.properties.defaultHostName

@description('SCIM base URL of a tenant: replace <tenant> with the tenant name.')
output tenantUrlPattern string = 'https://${functionApp.properties.defaultHostName}/scim/v2/<tenant>'

@description('Key Vault URI (admin CLI --key-vault-uri).')
output keyVaultUri string = keyVault.properties.vaultUri

@description('Table endpoint of the storage account (admin CLI --table-endpoint).')
output storageTableEndpoint string = storage.properties.primaryEndpoints.table
