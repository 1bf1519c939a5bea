// What the function app's identity needs on the media account for uploads, and nothing more:
// - (a user delegation key: Storage Blob Delegator on the account, granted once by appMediaRoles.bicep);
// - create/write on incoming, because a user-delegation SAS grants at most what its signer may do;
// - read on incoming, for the upload trigger, which reads the arrived blob through the MediaStorage connection.

param mediaStorageName string
param incomingContainerName string
param appPrincipalId string

var storageBlobDataReaderRoleId = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
var uploadSignerRoleName = guid(resourceGroup().id, 'mediaferry-upload-signer')

resource mediaStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: mediaStorageName
}

resource mediaBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: mediaStorage
  name: 'default'
}

resource incomingContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: mediaBlobService
  name: incomingContainerName
}

// The permissions an upload link hands out (sp=cw): Put Blob, Put Block, Put Block List. No delete.
resource uploadSigner 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: uploadSignerRoleName
  properties: {
    roleName: 'mediaferry upload signer (${resourceGroup().name}, ${take(uploadSignerRoleName, 8)})'
    description: 'Create and write blobs without deleting any, so mediaferry can sign create/write-only upload links.'
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

resource incomingSigner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(incomingContainer.id, appPrincipalId, uploadSignerRoleName)
  scope: incomingContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', uploadSigner.name)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource incomingReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(incomingContainer.id, appPrincipalId, storageBlobDataReaderRoleId)
  scope: incomingContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataReaderRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}
