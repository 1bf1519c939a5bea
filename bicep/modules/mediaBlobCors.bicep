@description('The media storage account the web library reads and uploads through short-lived links.')
param mediaStorageName string
@description('Origins of the web library (the Function App\'s https origin).')
param allowedOrigins array

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: mediaStorageName
}

// One rule, the same as src/shared/webLibraryCors.ts gives the local stack: reads for playback and
// downloads (hls.js fetches segments with XHR), PUT for uploads. Links are SAS URLs, so no credentials.
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    cors: {
      corsRules: [
        {
          allowedOrigins: allowedOrigins
          allowedMethods: [
            'GET'
            'HEAD'
            'OPTIONS'
            'PUT'
          ]
          allowedHeaders: [
            '*'
          ]
          exposedHeaders: [
            '*'
          ]
          maxAgeInSeconds: 3600
        }
      ]
    }
  }
}
