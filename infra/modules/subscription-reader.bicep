// Reader for c2arm's managed identity on one target subscription (one that still holds classic
// resources), for the ARM reads of the check phase: the `<unit>-Migrated` resource groups and
// their network resources. Deployed once per subscription in `targetSubscriptionIds`.
// Writes to the classic platform go through ASM with the management certificate, not ARM RBAC.
targetScope = 'subscription'

@description('Principal (object) id of c2arm\'s user-assigned managed identity.')
param principalId string

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, 'acdd72a7-3385-48ef-bd42-f606fba81ae7')
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'c2arm: read the ARM side of migrated units'
  }
}
