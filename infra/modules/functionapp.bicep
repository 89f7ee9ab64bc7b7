// The Function App on a Flex Consumption plan (FC1, Linux, Python 3.11), running as the
// user-assigned identity, with Microsoft Entra ID authentication (App Service authentication v2)
// in front of every route. Why Flex Consumption and not Elastic Premium: docs/operations.md.
//
// On Flex Consumption the runtime is declared in functionAppConfig.runtime; the platform rejects
// the app settings FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION (and linuxFxVersion),
// so they are deliberately absent here (the plan only runs Functions host 4.x).

@description('Function App name (also its default host name).')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region.')
param location string

@description('Tags for every resource; the site also gets the azd service tag.')
param tags object

@description('azd service name in azure.yaml that deploys to this app.')
param azdServiceName string

@description('Resource id of the user-assigned managed identity.')
param identityId string

@description('Blob endpoint of the app\'s storage account (for the deployment container).')
param storageBlobEndpoint string

@description('Blob container the app package is deployed to.')
param deploymentContainerName string

@description('Every app setting, built in main.bicep (the app reads them as environment variables).')
param appSettings object

@description('Instance memory (MB) of the Flex Consumption instances.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound of instances the app scales out to (also caps the VNet addresses it uses); Flex Consumption allows 1-1000, see main.bicep.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Always-ready instances for the Durable group (orchestrators, activities): 0 = scale to zero.')
@minValue(0)
@maxValue(10)
param alwaysReadyDurableInstances int = 1

@description('Always-ready instances for the HTTP group (API and review page): 0 = scale to zero.')
@minValue(0)
@maxValue(10)
param alwaysReadyHttpInstances int = 0

@description('Subnet (delegated to Microsoft.App/environments) for VNet integration; empty = none.')
param virtualNetworkSubnetId string = ''

@description('Application (client) id of the Entra ID app registration for App Service authentication.')
param authClientId string

@description('Entra ID tenant of the app registration.')
param authTenantId string

var alwaysReady = concat(
  alwaysReadyDurableInstances > 0 ? [{ name: 'durable', instanceCount: alwaysReadyDurableInstances }] : [],
  alwaysReadyHttpInstances > 0 ? [{ name: 'http', instanceCount: alwaysReadyHttpInstances }] : []
)

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': azdServiceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (REVIEW_TOKEN_SECRET) resolve with the user-assigned identity.
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: alwaysReady
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

resource appSettingsConfig 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: appSettings
}

// App Service authentication v2: every request must carry a valid Entra ID token (or an
// authentication session cookie); anything else gets 401 before it reaches the app. The
// platform also strips any client-sent X-MS-CLIENT-PRINCIPAL-* header and sets its own, which is
// what lets c2arm trust X-MS-CLIENT-PRINCIPAL-NAME as the approver.
// No defaultAuthorizationPolicy.allowedApplications: an empty list there denies every caller.
resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
    }
    httpSettings: {
      requireHttps: true
      forwardProxy: {
        convention: 'NoProxy'
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${authTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${authClientId}'
            authClientId
          ]
        }
      }
    }
  }
}

// No basic-auth (FTP / SCM) publishing credentials: azd deploys with an Entra ID token.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
