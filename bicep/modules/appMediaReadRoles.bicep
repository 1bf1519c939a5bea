// What the app identity may do on the media account: sign user-delegation read links for job views
// and webhooks. A user delegation key can only be asked for at the account (Storage Blob Delegator), and
// a user-delegation SAS grants no more than its signer may do, so the signer reads the media container
// and nothing else: no write, no delete, no other container.

param mediaStorageName string
param mediaContainerName string
param appPrincipalId string

var storageBlobDelegatorRoleId = 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
var storageBlobDataReaderRoleId = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'

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

resource readLinkDelegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(mediaStorage.id, appPrincipalId, storageBlobDelegatorRoleId)
  scope: mediaStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDelegatorRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource mediaReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(mediaContainer.id, appPrincipalId, storageBlobDataReaderRoleId)
  scope: mediaContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataReaderRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}
