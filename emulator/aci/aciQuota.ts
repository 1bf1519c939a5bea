import { ArmError } from './armError.js';
import { GROUP_TYPE, type GroupRecord } from './aciModel.js';
import type { ContainerGroupSpec } from './validateContainerGroup.js';

/** Per region and subscription; Azure's defaults are 100 groups and 100 cores. */
export interface AciQuota {
  containerGroups?: number;
  cores?: number;
  spotCores?: number;
}

/**
 * Refuses a new group that would exceed the region's group or core quota (regular and Spot cores
 * are counted apart), with ARM's retryable ContainerGroupQuotaReached.
 */
export function checkQuota(
  subscriptionGroups: GroupRecord[],
  spec: ContainerGroupSpec,
  quota: AciQuota | undefined,
): void {
  // Stopped and failed groups still count, as in Azure.
  const sameRegion = subscriptionGroups.filter(
    (g) => g.spec.location.toLowerCase() === spec.location.toLowerCase(),
  );
  const groupLimit = quota?.containerGroups ?? 100;
  if (sameRegion.length + 1 > groupLimit)
    throw new ArmError(
      409,
      'ContainerGroupQuotaReached',
      `Resource type '${GROUP_TYPE}' container group quota 'ContainerGroups' exceeded in region '${spec.location}'. Limit: '${groupLimit}', Usage: '${sameRegion.length}' Requested: '1'.`,
      { retryable: true },
    );
  const spot = spec.priority === 'Spot';
  const coreLimit = (spot ? quota?.spotCores : quota?.cores) ?? 100;
  const used = sameRegion
    .filter((g) => (g.spec.priority === 'Spot') === spot)
    .reduce((sum, g) => sum + g.spec.containers.reduce((s, c) => s + c.cpu, 0), 0);
  const requested = spec.containers.reduce((s, c) => s + c.cpu, 0);
  if (used + requested > coreLimit)
    throw new ArmError(
      409,
      'ContainerGroupQuotaReached',
      `Resource type '${GROUP_TYPE}' container group quota '${spot ? 'StandardSpotCores' : 'StandardCores'}' exceeded in region '${spec.location}'. Limit: '${coreLimit}', Usage: '${used}' Requested: '${requested}'.`,
      { retryable: true },
    );
}
