// BlobCreated in incoming/ → the app's startUploadJob blob trigger (Event Grid source). Deployed by
// bicep/hooks/subscribeUploadEvents.sh after `azd deploy`: the blobs extension webhook takes the
// extension's system key, which the hook reads at deploy time and passes here as a secure parameter
// (never an app setting, never an output).

param systemTopicName string
param functionAppName string
param incomingContainerName string = 'incoming'
@secure()
param blobsExtensionKey string

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource uploads 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: 'start-upload-jobs'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.startUploadJob&code=${blobsExtensionKey}'
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${incomingContainerName}/'
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}
