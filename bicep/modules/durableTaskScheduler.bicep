// Optional Durable backend: a Durable Task Scheduler and its task hub, reached by the app identity only
// (no keys exist for the scheduler). Deployed when main.bicep's durableBackend is durableTaskScheduler.

@description('Scheduler name: letters, digits and hyphens, 3 to 64 characters.')
@minLength(3)
@maxLength(64)
param name string
param location string
param tags object = {}
@description('Task hub name; must equal the hubName the Functions host uses (DURABLE_TASK_HUB).')
@minLength(3)
@maxLength(64)
param taskHubName string
@description('Consumption: billed per dispatched action, no idle cost. Dedicated: reserved capacity units.')
@allowed([
  'Consumption'
  'Dedicated'
])
param sku string = 'Consumption'
@description('Capacity units of a Dedicated scheduler (3 for high availability); ignored for Consumption.')
@minValue(1)
@maxValue(3)
param capacity int = 1
@description('Addresses allowed to reach the scheduler. Required and never empty: an empty list refuses every caller.')
@minLength(1)
param ipAllowlist array = [
  '0.0.0.0/0'
]
param appPrincipalId string

// Built-in "Durable Task Data Contributor": every data operation on the scheduler's task hubs.
var durableTaskDataContributorRoleId = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

resource scheduler 'Microsoft.DurableTask/schedulers@2026-02-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    ipAllowlist: ipAllowlist
    sku: sku == 'Dedicated'
      ? {
          name: 'Dedicated'
          capacity: capacity
        }
      : {
          name: 'Consumption'
        }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2026-02-01' = {
  parent: scheduler
  name: taskHubName
  properties: {}
}

// Scoped to the task hub, not the scheduler: the app can touch only its own hub.
resource appTaskHubDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(taskHub.id, appPrincipalId, durableTaskDataContributorRoleId)
  scope: taskHub
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      durableTaskDataContributorRoleId
    )
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
output dashboardUrl string = taskHub.properties.dashboardUrl
