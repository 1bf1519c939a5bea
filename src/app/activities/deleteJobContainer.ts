import { classifyAciError } from '../errors/classifyAciError.js';
import { containerGroupName } from '../../shared/naming.js';
import { activityFailure, type ActivityFailure } from './activityOutcome.js';
import type { AciActivityDependencies } from '../aci/aciActivityDependencies.js';

export type CleanupOutcome = { ok: true; groupName: string; existed: boolean } | ActivityFailure;

/** Deletes the job's group and waits until ARM reports it gone; a group that is already gone counts as done. */
export async function deleteJobContainer(
  input: { instanceId: string },
  deps: AciActivityDependencies,
): Promise<CleanupOutcome> {
  const groupName = containerGroupName(input.instanceId);
  try {
    // ARM answers a delete of a missing group with 204 and no body, and an existing one with the group.
    const deleted = await deps.aci.containerGroups.beginDeleteAndWait(deps.resourceGroup, groupName);
    return { ok: true, groupName, existed: Boolean(deleted?.name) };
  } catch (error) {
    const failure = classifyAciError(error);
    if (failure.kind === 'notFound') return { ok: true, groupName, existed: false };
    if (failure.kind === 'retryable' || failure.kind === 'quota') throw failure;
    return activityFailure(failure);
  }
}
