// Optional: lets the person who deploys list, download and delete finished media with --auth-mode login.

param mediaStorageName string
param mediaContainerName string
param principalId string
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string = 'User'

var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource mediaStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: mediaStorageName
}

resource mediaBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: mediaStorage
  name: 'default'
}

resource mediaContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: mediaBlobService
  name: mediaContainerName
}

resource deployerMediaContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(mediaContainer.id, principalId, storageBlobDataContributorRoleId)
  scope: mediaContainer
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      storageBlobDataContributorRoleId
    )
    principalId: principalId
    principalType: principalType
  }
}
