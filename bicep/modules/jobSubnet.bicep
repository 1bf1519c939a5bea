// Optional: a subnet for job container groups whose NSG refuses outbound traffic to private, shared and
// link-local addresses and lets the worker reach only the public internet. Deployed into the jobs
// resource group, in the jobs region (a container group and its subnet must share region and subscription).

param virtualNetworkName string
param networkSecurityGroupName string
param location string
param tags object = {}
@description('Address space of the virtual network; private, so nothing outside it is reachable through it.')
param addressPrefix string = '10.240.0.0/24'
@description('Subnet for job groups: one private address per running group, five reserved by Azure (a /24 runs 251).')
param subnetAddressPrefix string = '10.240.0.0/24'
param subnetName string = 'jobs'
param appPrincipalId string

var subnetJoinerRoleName = guid(resourceGroup().id, 'mediaferry-job-subnet-joiner')

resource networkSecurityGroup 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: networkSecurityGroupName
  location: location
  tags: tags
  properties: {
    // Rules by address: the platform's own DNS (168.63.129.16:53) and identity endpoint (169.254.169.254),
    // which the worker needs, are not subject to NSG rules unless named by service tag, so they keep working.
    securityRules: [
      {
        name: 'deny-private-10'
        properties: {
          description: 'RFC 1918 private range'
          direction: 'Outbound'
          access: 'Deny'
          priority: 100
          protocol: '*'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '10.0.0.0/8'
          destinationPortRange: '*'
        }
      }
      {
        name: 'deny-private-172-16'
        properties: {
          description: 'RFC 1918 private range'
          direction: 'Outbound'
          access: 'Deny'
          priority: 110
          protocol: '*'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '172.16.0.0/12'
          destinationPortRange: '*'
        }
      }
      {
        name: 'deny-private-192-168'
        properties: {
          description: 'RFC 1918 private range'
          direction: 'Outbound'
          access: 'Deny'
          priority: 120
          protocol: '*'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '192.168.0.0/16'
          destinationPortRange: '*'
        }
      }
      {
        name: 'deny-shared-100-64'
        properties: {
          description: 'RFC 6598 shared address space (carrier-grade NAT)'
          direction: 'Outbound'
          access: 'Deny'
          priority: 130
          protocol: '*'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '100.64.0.0/10'
          destinationPortRange: '*'
        }
      }
      {
        name: 'deny-link-local'
        properties: {
          description: 'Link-local, including cloud metadata addresses'
          direction: 'Outbound'
          access: 'Deny'
          priority: 140
          protocol: '*'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '169.254.0.0/16'
          destinationPortRange: '*'
        }
      }
      {
        name: 'deny-wireserver'
        properties: {
          description: 'Azure host address (wireserver)'
          direction: 'Outbound'
          access: 'Deny'
          priority: 150
          protocol: '*'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '168.63.129.16/32'
          destinationPortRange: '*'
        }
      }
      {
        name: 'allow-internet'
        properties: {
          description: 'Public sources, the registry, storage and the app callback'
          direction: 'Outbound'
          access: 'Allow'
          priority: 200
          protocol: '*'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: 'Internet'
          destinationPortRange: '*'
        }
      }
      {
        // Replaces the default AllowVnetOutBound, which would admit peered networks and on-premises routes.
        name: 'deny-all-other-outbound'
        properties: {
          description: 'Anything that is neither the public internet nor allowed above'
          direction: 'Outbound'
          access: 'Deny'
          priority: 4000
          protocol: '*'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '*'
        }
      }
    ]
  }
}

// Subnets are declared inline: a virtual network redeployed without them would try to delete them.
resource virtualNetwork 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: virtualNetworkName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: subnetName
        properties: {
          addressPrefix: subnetAddressPrefix
          networkSecurityGroup: {
            id: networkSecurityGroup.id
          }
          delegations: [
            {
              name: 'containerGroups'
              properties: {
                serviceName: 'Microsoft.ContainerInstance/containerGroups'
              }
            }
          ]
          // Job groups reach public sources without a NAT gateway; new subnets may otherwise default to private.
          defaultOutboundAccess: true
        }
      }
    ]
  }
}

resource jobSubnet 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' existing = {
  parent: virtualNetwork
  name: subnetName
}

// Creating a group in a subnet needs join/action on that subnet (else LinkedAuthorizationFailed).
resource subnetJoiner 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: subnetJoinerRoleName
  properties: {
    roleName: 'mediaferry job subnet joiner (${resourceGroup().name}, ${take(subnetJoinerRoleName, 8)})'
    description: 'Place container groups in a subnet, for mediaferry jobs.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.Network/virtualNetworks/subnets/join/action'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

resource appSubnetJoiner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(jobSubnet.id, appPrincipalId, subnetJoinerRoleName)
  scope: jobSubnet
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', subnetJoiner.name)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output subnetId string = jobSubnet.id
output virtualNetworkName string = virtualNetwork.name
