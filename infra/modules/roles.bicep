// Role assignments on c2arm's own resources. The managed identity gets exactly the data roles
// the Functions host, the Durable task hub and c2arm need on its own storage account, and read
// access to Key Vault secrets (the management certificate's private key is read through the
// secret that backs the certificate). docs/operations.md lists every assignment with its role
// definition id; tests/unit/infra checks that this file and the docs agree.
// Names are guid(scope, principal, role) so that a re-deployment finds the same assignment.

@description('Storage account of the Function App.')
param storageAccountName string

@description('Key Vault holding the management certificate and the review token secret.')
param keyVaultName string

@description('Principal (object) id of the user-assigned managed identity.')
param identityPrincipalId string

@description('Object id of the operator who deploys (azd fills AZURE_PRINCIPAL_ID); empty = none.')
param operatorPrincipalId string = ''

// The kind of principal the operator's id names: a person ('User'), a pipeline's service
// principal ('ServicePrincipal') or an Entra group ('Group'). Stated explicitly, as for the
// identity's assignments, so ARM does not have to look the id up (which fails for a principal
// created moments before, by replication delay) and a mismatched kind is refused, not guessed.
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
@description('principalType of the operator\'s role assignments (azd fills AZURE_PRINCIPAL_TYPE).')
param operatorPrincipalType string = 'User'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// Storage Blob Data Owner: what Microsoft documents for the host storage connection
// (AzureWebJobsStorage): leases, host containers, Durable task hub blobs, deployment package.
resource identityBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    description: 'c2arm: Functions host, Durable task hub, snapshots, reports, deployment package'
  }
}

// Storage Queue Data Contributor: queue triggers, poison queues, Durable control/work-item queues.
resource identityQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    description: 'c2arm: migration queues and Durable task hub queues'
  }
}

// Storage Table Data Contributor: Durable history/instances tables and the audit table.
resource identityTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    description: 'c2arm: Durable task hub tables and the audit table'
  }
}

// Key Vault Secrets User: read the management certificate (its PFX secret) and the
// REVIEW_TOKEN_SECRET Key Vault reference.
resource identitySecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityPrincipalId, '4633458b-17de-408a-b874-0445c86b69e6')
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    description: 'c2arm: ASM management certificate and review token secret'
  }
}

// The operator who deploys: upload the management certificate, create the review token secret
// (the postprovision hook), and peek at the poison queue. Not the app's identity.
resource operatorCertificatesOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, 'a4417e6f-fecd-4de8-b567-7b0420556985')
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'a4417e6f-fecd-4de8-b567-7b0420556985')
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    description: 'c2arm operator: upload the ASM management certificate'
  }
}

resource operatorSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    description: 'c2arm operator: create or rotate the review token secret'
  }
}

resource operatorQueueReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(storage.id, operatorPrincipalId, '19e7f393-937e-4f77-808e-94535e297925')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '19e7f393-937e-4f77-808e-94535e297925')
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    description: 'c2arm operator: read the poison queue and the backlog'
  }
}
