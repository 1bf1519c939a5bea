// Notification mail (the notifyEmail request field): an Email Communication Service with an
// Azure-managed sender domain (<guid>.azurecomm.net, verified by Azure, no DNS work), linked to a
// Communication Services resource that the app identity sends through with Entra ID tokens (no access key).

param emailServiceName string
param communicationServiceName string
@description('Where ACS keeps message data at rest, e.g. Europe or United States.')
param dataLocation string
param tags object = {}
param appPrincipalId string

// ACS has no send-only built-in role; this one is the narrowest that may send, scoped to this resource only.
var communicationEmailServiceOwnerRoleId = '09976791-48a7-449e-bb21-39d1a415f350'

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

resource senderDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    // Tracking would rewrite the read links in the mail.
    userEngagementTracking: 'Disabled'
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      senderDomain.id
    ]
  }
}

resource appSendsEmail 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communicationService.id, appPrincipalId, communicationEmailServiceOwnerRoleId)
  scope: communicationService
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      communicationEmailServiceOwnerRoleId
    )
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output endpoint string = 'https://${communicationService.properties.hostName}'
output senderAddress string = 'DoNotReply@${senderDomain.properties.mailFromSenderDomain}'
output communicationServiceName string = communicationService.name
