import { classifyAciError } from '../errors/classifyAciError.js';
import { containerGroupName } from '../../shared/naming.js';
import { activityFailure } from './activityOutcome.js';
import type { AciActivityDependencies } from '../aci/aciActivityDependencies.js';
import type { CleanupOutcome } from './deleteJobContainer.js';

/**
 * Stops (keeps) the job's group so its logs and events stay readable for debugging; a stopped group
 * bills nothing for compute but still counts against quota until the janitor or a person deletes it.
 */
export async function stopJobContainer(
  input: { instanceId: string },
  deps: AciActivityDependencies,
): Promise<CleanupOutcome> {
  const groupName = containerGroupName(input.instanceId);
  try {
    await deps.aci.containerGroups.stop(deps.resourceGroup, groupName);
    return { ok: true, groupName, existed: true };
  } catch (error) {
    const failure = classifyAciError(error);
    if (failure.kind === 'notFound') return { ok: true, groupName, existed: false };
    if (failure.kind === 'retryable' || failure.kind === 'quota') throw failure;
    return activityFailure(failure);
  }
}
