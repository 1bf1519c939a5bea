@description('Storage account for finished media; separate from host storage so the worker identity can reach nothing else.')
param name string
param location string
param tags object = {}
param containerName string
@description('Delete media this many days after it was written; 0 keeps it until you delete it.')
@minValue(0)
param retentionDays int = 0
@description('Container uploads land in; a blob created there starts a job (Event Grid BlobCreated).')
param incomingContainerName string = 'incoming'
@description('Delete uploaded source files this many days after they arrived (the job never deletes them).')
@minValue(1)
param incomingRetentionDays int = 7

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    accessTier: 'Hot'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource mediaContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}

resource incomingContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: incomingContainerName
  properties: {
    publicAccess: 'None'
  }
}

var expireIncomingRule = {
  name: 'expire-incoming'
  enabled: true
  type: 'Lifecycle'
  definition: {
    filters: {
      blobTypes: [
        'blockBlob'
      ]
      prefixMatch: [
        '${incomingContainerName}/'
      ]
    }
    actions: {
      baseBlob: {
        delete: {
          daysAfterCreationGreaterThan: incomingRetentionDays
        }
      }
    }
  }
}

var expireMediaRule = {
  name: 'expire-media'
  enabled: true
  type: 'Lifecycle'
  definition: {
    filters: {
      blobTypes: [
        'blockBlob'
      ]
      prefixMatch: [
        '${containerName}/'
      ]
    }
    actions: {
      baseBlob: {
        delete: {
          daysAfterModificationGreaterThan: retentionDays
        }
      }
    }
  }
}

// One policy per account: the incoming rule always, the media rule when media expires too.
resource lifecyclePolicy 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: retentionDays > 0 ? [expireIncomingRule, expireMediaRule] : [expireIncomingRule]
    }
  }
}

output name string = account.name
output id string = account.id
output incomingContainerName string = incomingContainer.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output containerName string = mediaContainer.name
