import { WORKER_CONTAINER_NAME } from '../aci/buildContainerGroupSpec.js';
import { classifyAciError } from '../errors/classifyAciError.js';
import { containerGroupName } from '../../shared/naming.js';
import { activityFailure, type ActivityFailure } from './activityOutcome.js';
import type { AciActivityDependencies } from '../aci/aciActivityDependencies.js';

export const LOG_TAIL_LINES = 20;

/** What the orchestrator learns from one look at a job's group. */
export interface JobContainerInspection {
  ok: true;
  found: boolean;
  /** True once the worker can no longer report: its container ended or the group failed or stopped. */
  terminated: boolean;
  provisioningState?: string;
  groupState?: string;
  containerState?: string;
  exitCode?: number;
  detail?: string;
  /** Set when the group can never run as specified, e.g. `InaccessibleImage` when the image pull failed. */
  failureCode?: string;
  /** Last lines of the worker's output, read only once it has terminated. */
  logTail: string[];
}

export type InspectJobContainerOutcome = JobContainerInspection | ActivityFailure;

// ACI reports a failed pull asynchronously, in the container's state and events, not in the PUT's answer.
const IMAGE_PULL_FAILURE = /ErrImagePull|ImagePullBackOff|Failed to pull image/i;
const ENDED_GROUP_STATES = new Set(['Succeeded', 'Failed', 'Stopped']);
const ENDED_PROVISIONING_STATES = new Set(['Failed', 'Canceled']);

export async function inspectJobContainer(
  input: { instanceId: string; attempt?: number },
  deps: AciActivityDependencies,
): Promise<InspectJobContainerOutcome> {
  const groupName = containerGroupName(input.instanceId, input.attempt);
  try {
    const group = await deps.aci.containerGroups.get(deps.resourceGroup, groupName);
    const container = group.containers.find((c) => c.name === WORKER_CONTAINER_NAME) ?? group.containers[0];
    const current = container?.instanceView?.currentState;
    const events = [...(container?.instanceView?.events ?? []), ...(group.instanceView?.events ?? [])];
    const lastEventMessage = events.at(-1)?.message;
    const terminated =
      current?.state === 'Terminated' ||
      ENDED_GROUP_STATES.has(group.instanceView?.state ?? '') ||
      ENDED_PROVISIONING_STATES.has(group.provisioningState ?? '');
    const pullFailed = [current?.detailStatus, ...events.map((e) => e.message)].some(
      (text) => text !== undefined && IMAGE_PULL_FAILURE.test(text),
    );
    return {
      ok: true,
      found: true,
      terminated: terminated || pullFailed,
      ...(pullFailed ? { failureCode: 'InaccessibleImage' } : {}),
      provisioningState: group.provisioningState,
      groupState: group.instanceView?.state,
      containerState: current?.state,
      exitCode: current?.exitCode,
      detail:
        (pullFailed ? events.find((e) => e.type === 'Warning')?.message : undefined) ||
        current?.detailStatus ||
        lastEventMessage ||
        undefined,
      logTail: terminated ? await readLogTail(deps, groupName, container?.name ?? WORKER_CONTAINER_NAME) : [],
    };
  } catch (error) {
    const failure = classifyAciError(error);
    if (failure.kind === 'notFound') return { ok: true, found: false, terminated: true, logTail: [] };
    if (failure.kind === 'retryable') throw failure;
    return activityFailure(failure);
  }
}

async function readLogTail(
  deps: AciActivityDependencies,
  groupName: string,
  containerName: string,
): Promise<string[]> {
  try {
    const logs = await deps.aci.containers.listLogs(deps.resourceGroup, groupName, containerName, {
      tail: LOG_TAIL_LINES,
    });
    return (logs.content ?? '')
      .split(/\r?\n/)
      .filter((line) => line.length > 0)
      .slice(-LOG_TAIL_LINES);
  } catch {
    // Logs are a diagnostic extra: a group that exited is reported even when its logs cannot be read.
    return [];
  }
}
