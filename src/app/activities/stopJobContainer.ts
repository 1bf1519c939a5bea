import { cleanupOutcome, type CleanupOutcome, type JobGroupInput } from './activityOutcome.js';
import type { AciActivityDependencies } from '../aci/aciActivityDependencies.js';

/**
 * Stops (keeps) the job's group so its logs and events stay readable for debugging; a stopped group
 * bills nothing for compute but still counts against quota until the janitor or a person deletes it.
 */
export function stopJobContainer(
  input: JobGroupInput,
  deps: AciActivityDependencies,
): Promise<CleanupOutcome> {
  return cleanupOutcome(input, async (groupName) => {
    await deps.aci.containerGroups.stop(deps.resourceGroup, groupName);
    return true;
  });
}
