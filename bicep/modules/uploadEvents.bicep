// Event Grid system topic on the media account: Flex Consumption has no polling blob trigger, so
// BlobCreated events reach the app's startUploadJob function (a blob trigger with source EventGrid).
// The subscription is in uploadEventSubscription.bicep, deployed after the app code (its endpoint
// needs the blobs extension's key, which exists only once the app has started).

param name string
param location string
param tags object = {}
param mediaStorageName string

resource mediaStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: mediaStorageName
}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: mediaStorage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = topic.name
