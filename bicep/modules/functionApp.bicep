// The Flex Consumption function app and every app setting it reads. The settings below are the
// contract with src/config.ts (APP_SETTINGS) and the Functions host (HOST_SETTINGS); a test checks both ways.

param name string
param planName string
param location string
param tags object = {}
@description('Resource id of the app\'s user-assigned identity (host storage, telemetry, container groups).')
param appIdentityId string
param appIdentityClientId string
param hostStorageName string
param deploymentContainerName string
param applicationInsightsName string
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048
@description('Durable task hub name: letters and digits, 3 to 45 characters.')
param durableTaskHubName string
@description('azureStorage: the task hub lives in host storage. durableTaskScheduler: in the scheduler at durableTaskSchedulerEndpoint.')
@allowed([
  'azureStorage'
  'durableTaskScheduler'
])
param durableBackend string = 'azureStorage'
@description('Endpoint of the Durable Task Scheduler (https://…durabletask.io); used only by the durableTaskScheduler backend.')
param durableTaskSchedulerEndpoint string = ''

param jobsSubscriptionId string
param jobsResourceGroupName string
param jobsLocation string
param workerImage string
param workerIdentityId string
param workerIdentityClientId string
param mediaBlobEndpoint string
param mediaContainerName string
param workerCpu string
param workerMemoryGb string
@description('Most CPU cores one job container may grow to for heavy outputs such as a streaming ladder.')
param jobMaxCpu string
@description('Most memory (GB) one job container may grow to for heavy outputs.')
param jobMaxMemoryGb string
param aciPriority string
@description('Resource id of the subnet job groups join (egress lock-down); empty: groups get no virtual network.')
param jobSubnetId string = ''
param jobDeadlineMinutes int
param livenessPollSeconds int
param livenessRoundsPerGeneration int
param quotaWaitMinutes int
param keepFailedGroups bool
param defaultMaxBytes string
param defaultMaxDurationSeconds int
param janitorSchedule string
@description('Key Vault secret URI (https://<vault>.vault.azure.net/secrets/<name>) for the callback signing key; empty lets the app generate and keep its key in host storage.')
param callbackSigningKeySecretUri string = ''
@description('Key Vault secret URI of the webhook signing secret; empty lets the app generate and keep one in host storage.')
param webhookSigningSecretUri string = ''
@description('Communication Services endpoint for notification mail; empty: notifyEmail is refused.')
param acsEndpoint string = ''
@description('From address of notification mail on the linked sender domain; empty with acsEndpoint.')
param emailSenderAddress string = ''
@description('URI of the vault with the source secrets; the worker reads them with its own identity, the app only passes the URI on.')
param sourceSecretsVaultUri string
@description('Client id of the Entra ID app registration people sign in to the web library with (bicep/hooks/registerWebSignIn.sh makes it); empty turns App Service Authentication off.')
param webSignInClientId string = ''

resource hostStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: hostStorageName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${appIdentityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: appIdentityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: appIdentityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// Flex Consumption takes the runtime from functionAppConfig, so FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION are deliberately absent (the platform rejects them).
var hostSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: appIdentityClientId
  AzureWebJobsStorage__blobServiceUri: hostStorage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: hostStorage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: hostStorage.properties.primaryEndpoints.table
  DURABLE_TASK_HUB: durableTaskHubName
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${appIdentityClientId};Authorization=AAD'
  // The web library's library page answers at /, not the host's default home page.
  AzureWebJobsDisableHomepage: 'true'
}

var jobSettings = {
  AZURE_SUBSCRIPTION_ID: jobsSubscriptionId
  JOBS_RESOURCE_GROUP: jobsResourceGroupName
  JOBS_LOCATION: jobsLocation
  WORKER_IMAGE: workerImage
  WORKER_IDENTITY_RESOURCE_ID: workerIdentityId
  WORKER_IDENTITY_CLIENT_ID: workerIdentityClientId
  APP_IDENTITY_CLIENT_ID: appIdentityClientId
  APP_CREDENTIAL: 'managedidentity'
  ARM_ENDPOINT: environment().resourceManager
  MEDIA_BLOB_ENDPOINT: mediaBlobEndpoint
  MEDIA_CONTAINER: mediaContainerName
  WORKER_CPU: workerCpu
  WORKER_MEMORY_GB: workerMemoryGb
  JOB_MAX_CPU: jobMaxCpu
  JOB_MAX_MEMORY_GB: jobMaxMemoryGb
  ACI_PRIORITY: aciPriority
  // Set even when empty, so the app can tell "no subnet" from a missing setting.
  JOB_SUBNET_ID: jobSubnetId
  JOB_DEADLINE_MINUTES: string(jobDeadlineMinutes)
  LIVENESS_POLL_SECONDS: string(livenessPollSeconds)
  LIVENESS_ROUNDS_PER_GENERATION: string(livenessRoundsPerGeneration)
  QUOTA_WAIT_MINUTES: string(quotaWaitMinutes)
  // string(bool) would give 'True'; the app accepts only lower case.
  KEEP_FAILED_GROUPS: keepFailedGroups ? 'true' : 'false'
  CALLBACK_BASE_URL: 'https://${functionApp.properties.defaultHostName}'
  // Private and loopback sources are for local development only; in Azure they would open SSRF.
  ALLOW_PRIVATE_SOURCES: 'false'
  // host:port of on-premises sources reachable although private; none by default.
  ALLOWED_PRIVATE_SOURCES: ''
  DEFAULT_MAX_BYTES: defaultMaxBytes
  DEFAULT_MAX_DURATION_SECONDS: string(defaultMaxDurationSeconds)
  // Requests may lower the limits, not raise them above the defaults.
  MAX_BYTES_LIMIT: defaultMaxBytes
  MAX_DURATION_LIMIT: string(defaultMaxDurationSeconds)
  JANITOR_SCHEDULE: janitorSchedule
  READ_LINK_MINUTES: '60'
  // Both empty when Communication Services Email is not deployed; the app then refuses notifyEmail.
  ACS_ENDPOINT: acsEndpoint
  EMAIL_SENDER_ADDRESS: emailSenderAddress
  // A URI, not a secret: the worker reads the cookies file and proxy URL from there itself.
  SOURCE_SECRETS_VAULT_URI: sourceSecretsVaultUri
  UPLOAD_LINK_MINUTES: '60'
  UPLOAD_MAX_BYTES: defaultMaxBytes
  // The upload trigger's identity-based connection to the media account (startUploadJob).
  MediaStorage__blobServiceUri: mediaBlobEndpoint
  MediaStorage__credential: 'managedidentity'
  MediaStorage__clientId: appIdentityClientId
}

// host.json names the AzureStorage provider; these host settings override it for the running host.
// The platform's scale controller reads host.json only, so scaling needs host.json to name the scheduler
// too (docs/deployment.md). The connection string carries no secret: the app identity signs in.
var durableBackendSettings = durableBackend == 'durableTaskScheduler'
  ? {
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
      DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity;ClientID=${appIdentityClientId}'
    }
  : {}

// The signing key is a secret: only ever a Key Vault reference, resolved by the platform with the app identity.
var callbackSigningKeySetting = empty(callbackSigningKeySecretUri)
  ? {}
  : {
      CALLBACK_SIGNING_KEY: '@Microsoft.KeyVault(SecretUri=${callbackSigningKeySecretUri})'
    }

// The webhook secret too: a Key Vault reference or, when none is given, generated by the app in host storage.
var webhookSigningSecretSetting = empty(webhookSigningSecretUri)
  ? {}
  : {
      WEBHOOK_SIGNING_SECRET: '@Microsoft.KeyVault(SecretUri=${webhookSigningSecretUri})'
    }

// Sign-in without a client secret: App Service Authentication presents a token of the app's own
// identity, which the registration trusts through a federated credential (completeWebSignIn.sh).
// The setting holds that identity's client id, not a secret.
var webSignInSetting = empty(webSignInClientId)
  ? {}
  : {
      OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID: appIdentityClientId
    }

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(hostSettings, durableBackendSettings, jobSettings, callbackSigningKeySetting, webhookSigningSecretSetting, webSignInSetting)
}

// App Service Authentication for the web library: anonymous requests still reach the app, because
// machine clients call the API with function keys; the pages send people to /.auth/login/aad, and
// the app reads the signed-in principal from x-ms-client-principal (src/app/auth/caller.ts).
resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = if (!empty(webSignInClientId)) {
  parent: functionApp
  name: 'authsettingsV2'
  dependsOn: [
    appSettings
  ]
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    httpSettings: {
      requireHttps: true
    }
    login: {
      // The app needs only the principal headers, so no tokens are stored.
      tokenStore: {
        enabled: false
      }
      cookieExpiration: {
        convention: 'FixedTime'
        timeToExpiration: '08:00:00'
      }
      nonce: {
        validateNonce: true
      }
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: webSignInClientId
          clientSecretSettingName: 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID'
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${webSignInClientId}'
          ]
        }
      }
    }
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
