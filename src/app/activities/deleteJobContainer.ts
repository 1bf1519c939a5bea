import { containerGroupName } from '../../shared/naming.js';
import { cleanupOutcome, type CleanupOutcome } from './activityOutcome.js';
import type { AciActivityDependencies } from '../aci/aciActivityDependencies.js';

/** Deletes the job's group and waits until ARM reports it gone; a group that is already gone counts as done. */
export function deleteJobContainer(
  input: { instanceId: string; attempt?: number },
  deps: AciActivityDependencies,
): Promise<CleanupOutcome> {
  const groupName = containerGroupName(input.instanceId, input.attempt);
  return cleanupOutcome(groupName, async () => {
    // ARM answers a delete of a missing group with 204 and no body, and an existing one with the group.
    const deleted = await deps.aci.containerGroups.beginDeleteAndWait(deps.resourceGroup, groupName);
    return Boolean(deleted?.name);
  });
}
