// The user-assigned managed identity c2arm runs as. User-assigned (not system-assigned) so that
// its roles can be granted before the Function App exists: Key Vault references, the deployment
// container and the host storage all need the identity to hold its roles when the site starts.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
