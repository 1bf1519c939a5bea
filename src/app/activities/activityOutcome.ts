import type { AciOperationError } from '../errors/AciOperationError.js';
import { containerGroupName } from '../../shared/naming.js';
import { classifyAciError } from '../errors/classifyAciError.js';

/**
 * A failure the orchestrator must decide on. Durable activity errors reach the orchestrator only as
 * text, so non-retryable failures are returned as data; only retryable ones are thrown (to be retried).
 */
export interface ActivityFailure {
  ok: false;
  kind: 'quota' | 'spot' | 'terminal';
  code: string;
  message: string;
}

export function activityFailure(error: AciOperationError): ActivityFailure {
  const kind = error.kind === 'quota' || error.kind === 'spot' ? error.kind : 'terminal';
  return { ok: false, kind, code: error.code, message: error.detail };
}

export type CleanupOutcome = { ok: true; groupName: string; existed: boolean } | ActivityFailure;

/** The job attempt whose container group a cleanup activity acts on. */
export interface JobGroupInput {
  instanceId: string;
  attempt?: number;
}

/**
 * Runs one cleanup of a job attempt's group (`cleanUp` gets the group's name and resolves whether the
 * group existed). A group that is already gone counts as cleaned up; transient and quota failures are
 * thrown so the call is retried.
 */
export async function cleanupOutcome(
  input: JobGroupInput,
  cleanUp: (groupName: string) => Promise<boolean>,
): Promise<CleanupOutcome> {
  const groupName = containerGroupName(input.instanceId, input.attempt);
  try {
    return { ok: true, groupName, existed: await cleanUp(groupName) };
  } catch (error) {
    const failure = classifyAciError(error);
    if (failure.kind === 'notFound') return { ok: true, groupName, existed: false };
    if (failure.kind === 'retryable' || failure.kind === 'quota') throw failure;
    return activityFailure(failure);
  }
}
