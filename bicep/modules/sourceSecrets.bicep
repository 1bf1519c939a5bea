// The optional source secrets — a Netscape cookies file and a proxy URL for yt-dlp — in a Key Vault that
// uses Azure RBAC only (no access policies). The template never holds their values: the operator sets
// them (docs/deployment.md). Only the worker identity may read them, each through its own secret-level
// role assignment; no identity gets a role on the vault itself.

param name string
param location string
param tags object = {}
param workerPrincipalId string
@description('true creates both secrets with an empty value (first deployment); false leaves the operator\'s values alone and only refers to them.')
param createEmptySecrets bool

// Key Vault Secrets User: read a secret's value, nothing else.
var secretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'
// Names the worker reads (SOURCE_SECRET_NAMES in src/shared/workerEnvironment.ts).
var cookiesSecretName = 'source-cookies'
var proxyUrlSecretName = 'source-proxy-url'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enabledForDeployment: false
    enabledForTemplateDeployment: false
    enabledForDiskEncryption: false
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // Job containers have no fixed outbound address; access rests on the identity and its roles.
    publicNetworkAccess: 'Enabled'
  }
}

// An empty value means "not set": the worker then runs jobs without cookies or without a proxy.
resource cookiesInitial 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (createEmptySecrets) {
  parent: vault
  name: cookiesSecretName
  properties: {
    value: ''
    contentType: 'text/plain; Netscape cookies file'
  }
}

resource proxyUrlInitial 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (createEmptySecrets) {
  parent: vault
  name: proxyUrlSecretName
  properties: {
    value: ''
    contentType: 'text/plain; http(s) proxy URL'
  }
}

resource cookies 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: cookiesSecretName
}

resource proxyUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: proxyUrlSecretName
}

resource workerReadsCookies 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(cookies.id, workerPrincipalId, secretsUserRoleId)
  scope: cookies
  dependsOn: [
    cookiesInitial
  ]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource workerReadsProxyUrl 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(proxyUrl.id, workerPrincipalId, secretsUserRoleId)
  scope: proxyUrl
  dependsOn: [
    proxyUrlInitial
  ]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
output vaultUri string = vault.properties.vaultUri
