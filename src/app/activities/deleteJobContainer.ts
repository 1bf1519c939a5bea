import { cleanupOutcome, type CleanupOutcome, type JobGroupInput } from './activityOutcome.js';
import type { AciActivityDependencies } from '../aci/aciActivityDependencies.js';

/** Deletes the job's group and waits until ARM reports it gone; a group that is already gone counts as done. */
export function deleteJobContainer(
  input: JobGroupInput,
  deps: AciActivityDependencies,
): Promise<CleanupOutcome> {
  return cleanupOutcome(input, async (groupName) => {
    // ARM answers a delete of a missing group with 204 and no body, and an existing one with the group.
    const deleted = await deps.aci.containerGroups.beginDeleteAndWait(deps.resourceGroup, groupName);
    return Boolean(deleted?.name);
  });
}
