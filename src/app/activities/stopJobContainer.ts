import { containerGroupName } from '../../shared/naming.js';
import { cleanupOutcome, type CleanupOutcome } from './activityOutcome.js';
import type { AciActivityDependencies } from '../aci/aciActivityDependencies.js';

/**
 * Stops (keeps) the job's group so its logs and events stay readable for debugging; a stopped group
 * bills nothing for compute but still counts against quota until the janitor or a person deletes it.
 */
export function stopJobContainer(
  input: { instanceId: string; attempt?: number },
  deps: AciActivityDependencies,
): Promise<CleanupOutcome> {
  const groupName = containerGroupName(input.instanceId, input.attempt);
  return cleanupOutcome(groupName, async () => {
    await deps.aci.containerGroups.stop(deps.resourceGroup, groupName);
    return true;
  });
}
