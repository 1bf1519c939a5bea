// Everything the worker identity may do: pull images from the registry, write blobs in the media
// container and read uploaded sources in the incoming container. Nothing else, so a compromised worker cannot reach host storage, other containers or ARM,
// nor read, list or delete any job's media (its own included).

param registryName string
param mediaStorageName string
param mediaContainerName string
param incomingContainerName string
param workerPrincipalId string

var acrPullRoleId = '7f951dda-4ed3-4680-a7ca-43fe172d538d'
var storageBlobDataReaderRoleId = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
var mediaWriterRoleName = guid(resourceGroup().id, 'mediaferry-media-writer')

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

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

resource imagePull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, workerPrincipalId, acrPullRoleId)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPullRoleId)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Put Blob, Put Block and Put Block List (the worker's block upload) need blobs/write; creating a new blob
// also checks blobs/add/action. No blobs/read: the worker never reads back, lists or checks existence.
resource mediaWriter 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: mediaWriterRoleName
  properties: {
    // Role names are unique per tenant, hence the resource group and a short hash in the name.
    roleName: 'mediaferry media writer (${resourceGroup().name}, ${take(mediaWriterRoleName, 8)})'
    description: 'Write blobs (content, properties, metadata) without reading, listing or deleting any, for mediaferry job workers.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action'
        ]
        notDataActions: []
      }
    ]
  }
}

resource mediaWrite 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(mediaContainer.id, workerPrincipalId, mediaWriterRoleName)
  scope: mediaContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', mediaWriter.name)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource incomingContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: mediaBlobService
  name: incomingContainerName
}

// An upload's job reads its source blob; read on incoming only, never on media.
resource incomingRead 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(incomingContainer.id, workerPrincipalId, storageBlobDataReaderRoleId)
  scope: incomingContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataReaderRoleId)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
  }
}
