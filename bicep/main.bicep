// mediaferry: a Durable Functions app on Flex Consumption that runs each media job in a short-lived
// Azure Container Instances group. Deploy with `azd up` or `az deployment group create`.
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Name of the environment (for example mediaferry-dev); it seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Region for every resource in this template; Flex Consumption must be available there.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string = resourceGroup().location

@description('Object id of a user or principal that may list, download and delete finished media. Empty: nobody.')
param principalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string = 'User'

@description('Existing resource group where job container groups run. Empty: this resource group.')
param jobsResourceGroupName string = ''

@description('Region for job container groups. Empty: the template\'s location.')
param jobsLocation string = ''

@description('Repository of the worker image in the registry.')
param workerImageRepository string = 'mediaferry-worker'

@description('Tag of the worker image; the postprovision hook builds this tag with az acr build.')
param workerImageTag string = 'latest'

@description('Public git URL (optionally #branch) of this repository: an ACR task then rebuilds the worker image weekly and on base image updates with the newest yt-dlp, moving workerImageTag. Empty: no task.')
param workerImageSourceRepository string = ''

@description('Blob container for finished media.')
param mediaContainerName string = 'media'

@description('Delete finished media this many days after it was written; 0 keeps it.')
@minValue(0)
param mediaRetentionDays int = 0

@description('Delete uploaded source files in the incoming container this many days after they arrived.')
@minValue(1)
param incomingRetentionDays int = 7

@description('CPU cores requested for each job container.')
param workerCpu string = '1'

@description('Memory (GB) requested for each job container.')
param workerMemoryGb string = '2'

@description('Most CPU cores one job container may request when its outputs need more than workerCpu (a streaming ladder); ACI\'s standard limit is 4.')
param jobMaxCpu string = '4'

@description('Most memory (GB) one job container may request when its outputs need more than workerMemoryGb; ACI\'s standard limit is 16.')
param jobMaxMemoryGb string = '16'

@description('Regular, or Spot (cheaper, may be evicted; the app falls back to Regular when Spot is refused).')
@allowed([
  'Regular'
  'Spot'
])
param aciPriority string = 'Regular'

@description('Hard deadline for one job, in minutes.')
@minValue(1)
param jobDeadlineMinutes int = 60

@description('How often a running job\'s container is inspected for an exit without a report, in seconds.')
@minValue(1)
param livenessPollSeconds int = 30

@description('Wait rounds (liveness polls or events) a job\'s orchestration runs before it continues as new, which bounds its history.')
@minValue(1)
param livenessRoundsPerGeneration int = 20

@description('How long a job waits and retries while the ACI quota is full, in minutes.')
@minValue(1)
param quotaWaitMinutes int = 30

@description('Stop instead of delete the container group of a failed job, to read its logs. Stopped groups still count against quota.')
param keepFailedGroups bool = false

@description('Largest download accepted when a request sets no maxBytes (bytes, as text because it exceeds 32 bits).')
param defaultMaxBytes string = '2147483648'

@description('Longest media accepted when a request sets no maxDurationSeconds.')
@minValue(1)
param defaultMaxDurationSeconds int = 14400

@description('NCRONTAB schedule of the orphan container group janitor.')
param janitorSchedule string = '0 */10 * * * *'

@description('Durable task hub name: letters and digits, 3 to 45 characters, starting with a letter.')
@minLength(3)
@maxLength(45)
param durableTaskHubName string = 'mediaferry'

@description('Run job container groups in a subnet whose NSG denies outbound traffic to private, shared, link-local and Azure host addresses (only the public internet stays reachable). Spot groups cannot join a subnet, so this also runs every job at Regular priority.')
param jobSubnetEgressLockdown bool = false

@description('Address space of the job virtual network (jobSubnetEgressLockdown only).')
param jobVirtualNetworkAddressPrefix string = '10.240.0.0/24'

@description('Job subnet; its size caps concurrent job groups (one address each, five reserved by Azure).')
param jobSubnetAddressPrefix string = '10.240.0.0/24'

@description('Durable backend: azureStorage (task hub in host storage) or durableTaskScheduler (managed scheduler, higher throughput, dashboard). Task hub data does not move between backends.')
@allowed([
  'azureStorage'
  'durableTaskScheduler'
])
param durableBackend string = 'azureStorage'

@description('Durable Task Scheduler SKU (durableTaskScheduler backend only): Consumption (pay per action) or Dedicated (reserved capacity units).')
@allowed([
  'Consumption'
  'Dedicated'
])
param durableTaskSchedulerSku string = 'Consumption'

@description('Capacity units of a Dedicated scheduler; 3 gives high availability.')
@minValue(1)
@maxValue(3)
param durableTaskSchedulerCapacity int = 1

@description('Addresses (IPv4, IPv6 or CIDR) allowed to reach the scheduler; access also needs the app identity\'s role. Flex Consumption has no fixed outbound addresses, hence all by default.')
@minLength(1)
param durableTaskSchedulerIpAllowlist array = [
  '0.0.0.0/0'
]

@description('Optional Key Vault secret URI for the callback signing key. Grant the app identity Key Vault Secrets User on that vault. Empty: the app keeps a generated key in host storage.')
param callbackSigningKeySecretUri string = ''

@description('Optional Key Vault secret URI for the webhook signing secret (whsec_ + base64). Grant the app identity Key Vault Secrets User on that vault. Empty: the app generates a secret and keeps it in host storage.')
param webhookSigningSecretUri string = ''

@description('Create Azure Communication Services Email (Azure-managed sender domain) so jobs can ask for notifyEmail. false: notifyEmail is refused with 400 EMAIL_NOT_CONFIGURED.')
param emailNotifications bool = true

@description('Where Communication Services keeps message data at rest.')
param emailDataLocation string = 'Europe'
@description('true creates the source secrets (cookies file, proxy URL) empty in the source secrets vault; set false after the first deployment so a redeploy keeps the values the operator set.')
param createSourceSecrets bool = true

@description('Most instances Flex Consumption may scale the app to.')
@minValue(1)
@maxValue(1000)
param functionAppMaximumInstanceCount int = 40

@description('Container registry SKU; Basic is enough for one image and az acr build.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param containerRegistrySku string = 'Basic'

// Every name can be overridden; empty means derived from the abbreviation and the resource token.
param functionAppName string = ''
param appServicePlanName string = ''
param appIdentityName string = ''
param workerIdentityName string = ''
param hostStorageAccountName string = ''
param mediaStorageAccountName string = ''
param containerRegistryName string = ''
param logAnalyticsName string = ''
param applicationInsightsName string = ''
param durableTaskSchedulerName string = ''
param jobVirtualNetworkName string = ''
param jobNetworkSecurityGroupName string = ''
param communicationServiceName string = ''
param emailServiceName string = ''
param sourceSecretsVaultName string = ''
param uploadEventsTopicName string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var resolvedFunctionAppName = !empty(functionAppName) ? functionAppName : '${abbrs.webSitesFunctions}${resourceToken}'
var deploymentContainerName = 'app-package-${take(toLower(resolvedFunctionAppName), 32)}-${take(resourceToken, 7)}'
var resolvedJobsResourceGroupName = !empty(jobsResourceGroupName) ? jobsResourceGroupName : resourceGroup().name
var resolvedJobsLocation = !empty(jobsLocation) ? jobsLocation : location
var useDurableTaskScheduler = durableBackend == 'durableTaskScheduler'

// Two identities: the app's manages container groups; the worker's only pulls the image and writes media.
module appIdentity 'modules/userAssignedIdentity.bicep' = {
  name: 'appIdentity'
  params: {
    name: !empty(appIdentityName) ? appIdentityName : '${abbrs.managedIdentityUserAssignedIdentities}app-${resourceToken}'
    location: location
    tags: tags
  }
}

module workerIdentity 'modules/userAssignedIdentity.bicep' = {
  name: 'workerIdentity'
  params: {
    name: !empty(workerIdentityName)
      ? workerIdentityName
      : '${abbrs.managedIdentityUserAssignedIdentities}worker-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: !empty(applicationInsightsName)
      ? applicationInsightsName
      : '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module hostStorage 'modules/hostStorage.bicep' = {
  name: 'hostStorage'
  params: {
    name: !empty(hostStorageAccountName) ? hostStorageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module mediaStorage 'modules/mediaStorage.bicep' = {
  name: 'mediaStorage'
  params: {
    name: !empty(mediaStorageAccountName)
      ? mediaStorageAccountName
      : '${abbrs.storageStorageAccounts}media${resourceToken}'
    location: location
    tags: tags
    containerName: mediaContainerName
    retentionDays: mediaRetentionDays
    incomingRetentionDays: incomingRetentionDays
  }
}

module uploadEvents 'modules/uploadEvents.bicep' = {
  name: 'uploadEvents'
  params: {
    name: !empty(uploadEventsTopicName) ? uploadEventsTopicName : 'evgt-media-${resourceToken}'
    location: location
    tags: tags
    mediaStorageName: mediaStorage.outputs.name
  }
}

module containerRegistry 'modules/containerRegistry.bicep' = {
  name: 'containerRegistry'
  params: {
    name: !empty(containerRegistryName) ? containerRegistryName : '${abbrs.containerRegistryRegistries}${resourceToken}'
    location: location
    tags: tags
    sku: containerRegistrySku
  }
}

module workerImageTask 'modules/workerImageTask.bicep' = if (!empty(workerImageSourceRepository)) {
  name: 'workerImageTask'
  params: {
    registryName: containerRegistry.outputs.name
    location: location
    tags: tags
    sourceRepositoryUrl: workerImageSourceRepository
    imageRepository: workerImageRepository
    imageTag: workerImageTag
  }
}

module durableTaskScheduler 'modules/durableTaskScheduler.bicep' = if (useDurableTaskScheduler) {
  name: 'durableTaskScheduler'
  params: {
    name: !empty(durableTaskSchedulerName) ? durableTaskSchedulerName : '${abbrs.durableTaskSchedulers}${resourceToken}'
    location: location
    tags: tags
    taskHubName: durableTaskHubName
    sku: durableTaskSchedulerSku
    capacity: durableTaskSchedulerCapacity
    ipAllowlist: durableTaskSchedulerIpAllowlist
    appPrincipalId: appIdentity.outputs.principalId
  }
}

module jobSubnet 'modules/jobSubnet.bicep' = if (jobSubnetEgressLockdown) {
  name: 'jobSubnet'
  scope: resourceGroup(resolvedJobsResourceGroupName)
  params: {
    virtualNetworkName: !empty(jobVirtualNetworkName)
      ? jobVirtualNetworkName
      : '${abbrs.networkVirtualNetworks}jobs-${resourceToken}'
    networkSecurityGroupName: !empty(jobNetworkSecurityGroupName)
      ? jobNetworkSecurityGroupName
      : '${abbrs.networkNetworkSecurityGroups}jobs-${resourceToken}'
    location: resolvedJobsLocation
    tags: tags
    addressPrefix: jobVirtualNetworkAddressPrefix
    subnetAddressPrefix: jobSubnetAddressPrefix
    appPrincipalId: appIdentity.outputs.principalId
  }
}

module communicationEmail 'modules/communicationEmail.bicep' = if (emailNotifications) {
  name: 'communicationEmail'
  params: {
    emailServiceName: !empty(emailServiceName) ? emailServiceName : '${abbrs.communicationEmailServices}${resourceToken}'
    communicationServiceName: !empty(communicationServiceName)
      ? communicationServiceName
      : '${abbrs.communicationCommunicationServices}${resourceToken}'
    dataLocation: emailDataLocation
    tags: tags
    appPrincipalId: appIdentity.outputs.principalId
  }
}

// The optional cookies file and proxy URL for sources; only the worker identity may read them.
module sourceSecrets 'modules/sourceSecrets.bicep' = {
  name: 'sourceSecrets'
  params: {
    name: !empty(sourceSecretsVaultName) ? sourceSecretsVaultName : '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    workerPrincipalId: workerIdentity.outputs.principalId
    createEmptySecrets: createSourceSecrets
  }
}

@description('Client id of the web library\'s Entra ID app registration, made by the preprovision hook (bicep/hooks/registerWebSignIn.sh); empty leaves App Service Authentication off.')
param webSignInClientId string = ''

var workerImage = '${containerRegistry.outputs.loginServer}/${workerImageRepository}:${workerImageTag}'

module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  params: {
    name: resolvedFunctionAppName
    planName: !empty(appServicePlanName) ? appServicePlanName : '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    appIdentityId: appIdentity.outputs.id
    appIdentityClientId: appIdentity.outputs.clientId
    hostStorageName: hostStorage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    maximumInstanceCount: functionAppMaximumInstanceCount
    durableTaskHubName: durableTaskHubName
    durableBackend: durableBackend
    durableTaskSchedulerEndpoint: useDurableTaskScheduler ? durableTaskScheduler.outputs.endpoint : ''
    jobsSubscriptionId: subscription().subscriptionId
    jobsResourceGroupName: resolvedJobsResourceGroupName
    jobsLocation: resolvedJobsLocation
    workerImage: workerImage
    workerIdentityId: workerIdentity.outputs.id
    workerIdentityClientId: workerIdentity.outputs.clientId
    mediaBlobEndpoint: mediaStorage.outputs.blobEndpoint
    mediaContainerName: mediaStorage.outputs.containerName
    workerCpu: workerCpu
    workerMemoryGb: workerMemoryGb
    jobMaxCpu: jobMaxCpu
    jobMaxMemoryGb: jobMaxMemoryGb
    // Spot container groups cannot be placed in a virtual network.
    aciPriority: jobSubnetEgressLockdown ? 'Regular' : aciPriority
    jobSubnetId: jobSubnetEgressLockdown ? jobSubnet.outputs.subnetId : ''
    jobDeadlineMinutes: jobDeadlineMinutes
    livenessPollSeconds: livenessPollSeconds
    livenessRoundsPerGeneration: livenessRoundsPerGeneration
    quotaWaitMinutes: quotaWaitMinutes
    keepFailedGroups: keepFailedGroups
    defaultMaxBytes: defaultMaxBytes
    defaultMaxDurationSeconds: defaultMaxDurationSeconds
    janitorSchedule: janitorSchedule
    callbackSigningKeySecretUri: callbackSigningKeySecretUri
    webhookSigningSecretUri: webhookSigningSecretUri
    acsEndpoint: emailNotifications ? communicationEmail.outputs.endpoint : ''
    emailSenderAddress: emailNotifications ? communicationEmail.outputs.senderAddress : ''
    sourceSecretsVaultUri: sourceSecrets.outputs.vaultUri
    webSignInClientId: webSignInClientId
  }
}

// The web library plays and uploads media straight from and to the media account with short-lived links.
module mediaBlobCors 'modules/mediaBlobCors.bicep' = {
  name: 'mediaBlobCors'
  params: {
    mediaStorageName: mediaStorage.outputs.name
    allowedOrigins: [
      'https://${functionApp.outputs.defaultHostName}'
    ]
  }
}

module appRoles 'modules/appRoles.bicep' = {
  name: 'appRoles'
  params: {
    hostStorageName: hostStorage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    workerIdentityName: workerIdentity.outputs.name
    appPrincipalId: appIdentity.outputs.principalId
  }
}

module workerRoles 'modules/workerRoles.bicep' = {
  name: 'workerRoles'
  params: {
    registryName: containerRegistry.outputs.name
    mediaStorageName: mediaStorage.outputs.name
    mediaContainerName: mediaStorage.outputs.containerName
    incomingContainerName: mediaStorage.outputs.incomingContainerName
    workerPrincipalId: workerIdentity.outputs.principalId
  }
}

module appMediaRoles 'modules/appMediaRoles.bicep' = {
  name: 'appMediaRoles'
  params: {
    mediaStorageName: mediaStorage.outputs.name
    mediaContainerName: mediaStorage.outputs.containerName
    appPrincipalId: appIdentity.outputs.principalId
  }
}

module uploadRoles 'modules/uploadRoles.bicep' = {
  name: 'uploadRoles'
  params: {
    mediaStorageName: mediaStorage.outputs.name
    incomingContainerName: mediaStorage.outputs.incomingContainerName
    appPrincipalId: appIdentity.outputs.principalId
  }
}

module jobContainerOperatorRole 'modules/jobContainerOperatorRole.bicep' = {
  name: 'jobContainerOperatorRole'
  scope: resourceGroup(resolvedJobsResourceGroupName)
  params: {
    appPrincipalId: appIdentity.outputs.principalId
  }
}

module deployerMediaAccess 'modules/deployerMediaAccess.bicep' = if (!empty(principalId)) {
  name: 'deployerMediaAccess'
  params: {
    mediaStorageName: mediaStorage.outputs.name
    mediaContainerName: mediaStorage.outputs.containerName
    principalId: principalId
    principalType: principalType
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output WEB_SIGN_IN_CLIENT_ID string = webSignInClientId
output FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_CONTAINER_REGISTRY_NAME string = containerRegistry.outputs.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = containerRegistry.outputs.loginServer
output WORKER_IMAGE string = workerImage
output WORKER_IMAGE_REPOSITORY string = workerImageRepository
output WORKER_IMAGE_TAG string = workerImageTag
output WORKER_IDENTITY_CLIENT_ID string = workerIdentity.outputs.clientId
output APP_IDENTITY_PRINCIPAL_ID string = appIdentity.outputs.principalId
output SOURCE_SECRETS_VAULT_NAME string = sourceSecrets.outputs.name
output JOBS_RESOURCE_GROUP string = resolvedJobsResourceGroupName
output MEDIA_STORAGE_ACCOUNT_NAME string = mediaStorage.outputs.name
output MEDIA_BLOB_ENDPOINT string = mediaStorage.outputs.blobEndpoint
output MEDIA_CONTAINER string = mediaStorage.outputs.containerName
output UPLOAD_EVENTS_TOPIC_NAME string = uploadEvents.outputs.name
output INCOMING_CONTAINER string = mediaStorage.outputs.incomingContainerName
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output LOG_ANALYTICS_WORKSPACE_NAME string = monitoring.outputs.logAnalyticsName
output DURABLE_BACKEND string = durableBackend
output ACS_ENDPOINT string = emailNotifications ? communicationEmail.outputs.endpoint : ''
output EMAIL_SENDER_ADDRESS string = emailNotifications ? communicationEmail.outputs.senderAddress : ''
output JOB_SUBNET_ID string = jobSubnetEgressLockdown ? jobSubnet.outputs.subnetId : ''
output DURABLE_TASK_SCHEDULER_NAME string = useDurableTaskScheduler ? durableTaskScheduler.outputs.name : ''
output DURABLE_TASK_SCHEDULER_DASHBOARD_URL string = useDurableTaskScheduler ? durableTaskScheduler.outputs.dashboardUrl : ''
