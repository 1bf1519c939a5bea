// Deployed into the resource group where job container groups run. The app identity gets a custom role that
// can manage container groups there and read the group itself, instead of Contributor.

param appPrincipalId string

var roleDefinitionName = guid(resourceGroup().id, 'mediaferry-job-container-operator')

resource jobContainerOperator 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: roleDefinitionName
  properties: {
    // Role names are unique per tenant, hence the resource group and a short hash in the name.
    roleName: 'mediaferry job container operator (${resourceGroup().name}, ${take(roleDefinitionName, 8)})'
    description: 'Create, inspect, stop and delete container groups in one resource group, for mediaferry jobs.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.ContainerInstance/containerGroups/*'
          'Microsoft.Resources/subscriptions/resourceGroups/read'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

resource appJobContainerOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, appPrincipalId, roleDefinitionName)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', jobContainerOperator.name)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output roleDefinitionId string = jobContainerOperator.id
