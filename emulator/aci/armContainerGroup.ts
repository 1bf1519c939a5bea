import { principalIdFor, type LocalIdentity } from '../identity/localTokenIssuer.js';
import { GROUP_TYPE, type GroupRecord } from './aciModel.js';

/**
 * A container group as ARM returns it. The instance view (states, events, restart counts) is only
 * in answers to a get, as in Azure; secure environment values never leave.
 */
export function armContainerGroup(
  g: GroupRecord,
  withInstanceView: boolean,
  identities: LocalIdentity[] | undefined,
): Record<string, unknown> {
  const identity = g.spec.identity
    ? {
        type: g.spec.identity.type,
        ...(g.spec.identity.userAssignedIdentities
          ? {
              userAssignedIdentities: Object.fromEntries(
                Object.keys(g.spec.identity.userAssignedIdentities).map((id) => {
                  const known = identities?.find((i) => i.resourceId?.toLowerCase() === id.toLowerCase());
                  const clientId = known?.clientId ?? principalIdFor(`client:${id.toLowerCase()}`);
                  return [id, { principalId: known?.principalId ?? principalIdFor(clientId), clientId }];
                }),
              ),
            }
          : {}),
      }
    : undefined;
  return {
    id: `/subscriptions/${g.subscriptionId}/resourceGroups/${g.resourceGroup}/providers/${GROUP_TYPE}/${g.name}`,
    name: g.name,
    type: GROUP_TYPE,
    location: g.spec.location,
    tags: g.spec.tags,
    ...(identity ? { identity } : {}),
    properties: {
      provisioningState: g.provisioningState,
      sku: g.spec.sku,
      osType: g.spec.osType,
      restartPolicy: g.spec.restartPolicy,
      ...(g.spec.priority ? { priority: g.spec.priority } : {}),
      ...(g.spec.volumes ? { volumes: g.spec.volumes } : {}),
      ...(g.spec.subnetIds ? { subnetIds: g.spec.subnetIds } : {}),
      imageRegistryCredentials: g.spec.imageRegistryCredentials,
      containers: g.containers.map((c) => ({
        name: c.spec.name,
        properties: {
          image: c.spec.image,
          ...(c.spec.command ? { command: c.spec.command } : {}),
          ...(c.spec.ports ? { ports: c.spec.ports } : {}),
          ...(c.spec.volumeMounts ? { volumeMounts: c.spec.volumeMounts } : {}),
          // Secure values are write-only: ARM returns the name alone.
          environmentVariables: c.spec.environmentVariables.map((e) =>
            e.secureValue !== undefined ? { name: e.name } : { name: e.name, value: e.value ?? '' },
          ),
          resources: { requests: { cpu: c.spec.cpu, memoryInGB: c.spec.memoryInGB } },
          ...(withInstanceView
            ? {
                instanceView: {
                  restartCount: c.restartCount,
                  ...(c.currentState ? { currentState: c.currentState } : {}),
                  ...(c.previousState ? { previousState: c.previousState } : {}),
                  events: c.events,
                },
              }
            : {}),
        },
      })),
      ...(withInstanceView ? { instanceView: { events: g.groupEvents, state: g.state } } : {}),
    },
  };
}
