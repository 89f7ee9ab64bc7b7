// c2arm on Azure: one `azd up` provisions everything below in one resource group, plus Reader
// on each target subscription. Walkthrough, prerequisites and the reasons: docs/operations.md.
//
//   identity      user-assigned managed identity the app runs as
//   storage       the app's storage account (identity-based access only, no account key)
//   monitoring    Log Analytics + Application Insights
//   keyVault      ASM management certificate + review token secret (RBAC, purge protection)
//   roles         the identity's (and the deploying operator's) role assignments
//   targetReaders Reader for the identity on each target subscription
//   functionApp   Flex Consumption Function App, Entra ID authentication in front of it
//
// Every app setting the code reads (connectors/app_settings.py) is set in `appSettings` below;
// tests/unit/infra/ check that, with the knobs' defaults, against the registry.
targetScope = 'subscription'

// ---------------------------------------------------------------- environment (azd)

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Azure region of every resource (must offer the Flex Consumption plan).')
param location string

@description('Object id of the operator running azd (AZURE_PRINCIPAL_ID); empty = no operator roles.')
param principalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
@description('Kind of principal principalId is (AZURE_PRINCIPAL_TYPE: User, or ServicePrincipal when azd runs as one).')
param principalType string = 'User'

@description('Resource group name; empty = rg-<environmentName>.')
param resourceGroupName string = ''

// ---------------------------------------------------------------- authentication and reach

@minLength(36)
@maxLength(36)
@description('Application (client) id of the Entra ID app registration that fronts the app (prerequisite).')
param authClientId string

@description('Entra ID tenant of that app registration; default: the deployment\'s tenant.')
param authTenantId string = tenant().tenantId

@description('Subscriptions (comma-separated ids) c2arm migrates: its identity gets Reader on each. Empty = assign by hand.')
param targetSubscriptionIds string = ''

@description('Subnet (delegated to Microsoft.App/environments) for VNet integration; empty = none.')
param virtualNetworkSubnetId string = ''

@minValue(0)
@maxValue(10)
@description('Always-ready instances for the Durable functions (orchestrators and activities).')
param alwaysReadyDurableInstances int = 1

// Flex Consumption's allowed range, as Microsoft documents it today ("Event-driven scaling in
// Azure Functions", Limit scale-out, Flex Consumption pivot, ms.date 08/03/2026: "the lowest
// maximum instance count value is 1, and the highest supported maximum instance count value is
// 1000"; the platform's default is 100). c2arm's default of 40 is its own cap, not the floor.
@minValue(1)
@maxValue(1000)
@description('Most instances the app scales out to (Flex Consumption allows 1-1000).')
param maximumInstanceCount int = 40

@description('Name of the Key Vault secret behind REVIEW_TOKEN_SECRET (the postprovision hook creates it).')
param reviewTokenSecretName string = 'review-token-secret'

// ---------------------------------------------------------------- c2arm knobs (connectors/app_settings.py)

@description('MIGRATION_WINDOWS: off-hours windows, `DAYS HH:MM-HH:MM` ranges separated by `;`.')
param migrationWindows string = 'Mon-Fri 22:00-06:00; Sat-Sun 00:00-24:00'

@description('MIGRATION_TIMEZONE: IANA time zone the windows are read in.')
param migrationTimezone string = 'UTC'

@description('MIGRATION_SCHEDULE: NCRONTAB (UTC) of the timer that releases the backlog.')
param migrationSchedule string = '0 0 22 * * *'

@minValue(0)
@description('MAX_MIGRATIONS_PER_WINDOW: backlog requests released per scheduled run.')
param maxMigrationsPerWindow int = 10

@description('APPROVERS: comma-separated principals (UPNs) allowed to approve or abort. Empty = nobody.')
param approvers string = ''

@allowed([
  'true'
  'false'
])
@description('TWO_PERSON_APPROVAL: when true, the requester cannot approve their own migration.')
param twoPersonApproval string = 'false'

@description('APPROVAL_TIMEOUT_DEFAULT: approval timeout (ISO 8601 duration) when a request gives none.')
param approvalTimeoutDefault string = 'PT72H'

@minValue(1)
@description('COMMIT_MAX_ATTEMPTS: commit attempts before a unit ends NeedsSupport.')
param commitMaxAttempts int = 5

@minValue(1)
@description('PLAN_CONCURRENCY: units a plan runs at once when the plan request gives no limit.')
param planConcurrency int = 4

@minValue(1)
@description('OPERATION_POLL_MIN_SECONDS: first interval when polling a platform operation.')
param operationPollMinSeconds int = 5

@minValue(1)
@description('OPERATION_POLL_MAX_SECONDS: longest interval between polls.')
param operationPollMaxSeconds int = 60

@minValue(1)
@description('OPERATION_DEADLINE_MINUTES: give up polling one platform operation after this long.')
param operationDeadlineMinutes int = 240

@minValue(1)
@description('PROBE_TIMEOUT_SECONDS: timeout of one data-plane probe in the check phase.')
param probeTimeoutSeconds int = 10

@allowed([
  'public'
  'china'
  'usgov'
])
@description('AZURE_CLOUD: which cloud\'s ASM and ARM hosts and scopes to use.')
param azureCloud string = 'public'

@description('ASM_ENDPOINT: override of the ASM base URL; empty = the cloud\'s.')
param asmEndpoint string = ''

@description('ARM_ENDPOINT: override of the ARM base URL; empty = the cloud\'s.')
param armEndpoint string = ''

@description('AZURE_CA_BUNDLE: CA bundle (PEM path) for ASM and ARM; empty = the system trust store.')
param azureCaBundle string = ''

@allowed([
  'certificate'
  'token'
])
@description('ASM_AUTH: `certificate` (management certificate from Key Vault) or `token`.')
param asmAuth string = 'certificate'

@description('ASM_CERTIFICATE_NAME: name of the management certificate in Key Vault.')
param asmCertificateName string = 'asm-management'

@minValue(1)
@description('AZURE_HTTP_TIMEOUT_SECONDS: timeout of one HTTP request to ASM or ARM.')
param azureHttpTimeoutSeconds int = 30

@minValue(0)
@description('AZURE_QUICK_RETRIES: quick retries of a transient failure inside one call.')
param azureQuickRetries int = 3

@minValue(0)
@description('AZURE_QUICK_RETRY_MAX_SECONDS: longest total wait of the quick retries of one call.')
param azureQuickRetryMaxSeconds int = 10

@minValue(1)
@description('AZURE_REQUESTS_PER_SECOND: steady requests/second per subscription.')
param azureRequestsPerSecond int = 5

@minValue(1)
@description('AZURE_REQUESTS_BURST: burst of requests per subscription above the steady rate.')
param azureRequestsBurst int = 10

@description('PUBLIC_BASE_URL: origin used in links; empty = the request\'s (the app\'s own host).')
param publicBaseUrl string = ''

// ---------------------------------------------------------------- names

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'c2arm'
}
var functionAppName = 'func-c2arm-${resourceToken}'
var deploymentContainerName = 'app-package'
var azdServiceName = 'functionapp'
var targetSubscriptions = empty(targetSubscriptionIds) ? [] : split(replace(targetSubscriptionIds, ' ', ''), ',')

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-c2arm-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stc2arm${take(resourceToken, 17)}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-c2arm-${resourceToken}'
    applicationInsightsName: 'appi-c2arm-${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-c2arm-${take(resourceToken, 15)}'
    location: location
    tags: tags
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    identityPrincipalId: identity.outputs.principalId
    operatorPrincipalId: principalId
    operatorPrincipalType: principalType
  }
}

module targetReaders 'modules/subscription-reader.bicep' = [
  for subscriptionId in targetSubscriptions: {
    name: 'c2arm-reader-${uniqueString(subscriptionId, environmentName)}'
    scope: subscription(subscriptionId)
    params: {
      principalId: identity.outputs.principalId
    }
  }
]

// Every setting the app reads. The identity-based storage connection (AzureWebJobsStorage__*)
// replaces the AzureWebJobsStorage connection string: there is no account key anywhere.
var appSettings = {
  // Functions host and telemetry
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
  AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
  AzureWebJobsStorage__tableServiceUri: storage.outputs.tableEndpoint
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  // Identity, Key Vault and the classic platform
  AZURE_CLIENT_ID: identity.outputs.clientId
  KEY_VAULT_URL: keyVault.outputs.uri
  ASM_AUTH: asmAuth
  ASM_CERTIFICATE_NAME: asmCertificateName
  AZURE_CLOUD: azureCloud
  ASM_ENDPOINT: asmEndpoint
  ARM_ENDPOINT: armEndpoint
  AZURE_CA_BUNDLE: azureCaBundle
  AZURE_HTTP_TIMEOUT_SECONDS: string(azureHttpTimeoutSeconds)
  AZURE_QUICK_RETRIES: string(azureQuickRetries)
  AZURE_QUICK_RETRY_MAX_SECONDS: string(azureQuickRetryMaxSeconds)
  AZURE_REQUESTS_PER_SECOND: string(azureRequestsPerSecond)
  AZURE_REQUESTS_BURST: string(azureRequestsBurst)
  // Workflow knobs
  MIGRATION_WINDOWS: migrationWindows
  MIGRATION_TIMEZONE: migrationTimezone
  MIGRATION_SCHEDULE: migrationSchedule
  MAX_MIGRATIONS_PER_WINDOW: string(maxMigrationsPerWindow)
  APPROVERS: approvers
  TWO_PERSON_APPROVAL: twoPersonApproval
  APPROVAL_TIMEOUT_DEFAULT: approvalTimeoutDefault
  COMMIT_MAX_ATTEMPTS: string(commitMaxAttempts)
  PLAN_CONCURRENCY: string(planConcurrency)
  OPERATION_POLL_MIN_SECONDS: string(operationPollMinSeconds)
  OPERATION_POLL_MAX_SECONDS: string(operationPollMaxSeconds)
  OPERATION_DEADLINE_MINUTES: string(operationDeadlineMinutes)
  PROBE_TIMEOUT_SECONDS: string(probeTimeoutSeconds)
  PUBLIC_BASE_URL: publicBaseUrl
  // Secrets: Key Vault references only, resolved by the platform with the managed identity.
  REVIEW_TOKEN_SECRET: '@Microsoft.KeyVault(VaultName=${keyVault.outputs.name};SecretName=${reviewTokenSecretName})'
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  // The identity must hold its storage and Key Vault roles before the site starts.
  dependsOn: [
    roles
  ]
  params: {
    name: functionAppName
    planName: 'plan-c2arm-${resourceToken}'
    location: location
    tags: tags
    azdServiceName: azdServiceName
    identityId: identity.outputs.id
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    appSettings: appSettings
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyDurableInstances: alwaysReadyDurableInstances
    virtualNetworkSubnetId: virtualNetworkSubnetId
    authClientId: authClientId
    authTenantId: authTenantId
  }
}

// azd stores these in .azure/<env>/.env; the postprovision hook and the runbook use them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output C2ARM_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output C2ARM_REVIEW_TOKEN_SECRET_NAME string = reviewTokenSecretName
output C2ARM_ASM_CERTIFICATE_NAME string = asmCertificateName
