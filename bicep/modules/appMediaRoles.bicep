// What the app identity may do in the media account: read (the job view's read links are signed with
// a user delegation key and are only as good as the signer's own read access) and delete (the blobs a
// canceled or failed job left under its prefix; the worker may only write). No write: the app never
// creates media.

param mediaStorageName string
param mediaContainerName string
param appPrincipalId string

var storageBlobDelegatorRoleId = 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
var mediaReaderCleanerRoleName = guid(resourceGroup().id, 'mediaferry-media-reader-cleaner')

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

resource mediaReaderCleaner 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: mediaReaderCleanerRoleName
  properties: {
    roleName: 'mediaferry media reader and cleaner (${resourceGroup().name}, ${take(mediaReaderCleanerRoleName, 8)})'
    description: 'Read, list and delete blobs without writing any, for the mediaferry app: read links and removal of partial job output.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete'
        ]
        notDataActions: []
      }
    ]
  }
}

resource mediaReadDelete 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(mediaContainer.id, appPrincipalId, mediaReaderCleanerRoleName)
  scope: mediaContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', mediaReaderCleaner.name)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// getUserDelegationKey is an account-level action.
resource delegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(mediaStorage.id, appPrincipalId, storageBlobDelegatorRoleId)
  scope: mediaStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDelegatorRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}
