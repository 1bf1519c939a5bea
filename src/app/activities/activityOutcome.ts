import type { AciOperationError } from '../errors/AciOperationError.js';
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

/**
 * Runs one cleanup of a job's group (`cleanUp` resolves whether the group existed). A group that is
 * already gone counts as cleaned up; transient and quota failures are thrown so the call is retried.
 */
export async function cleanupOutcome(
  groupName: string,
  cleanUp: () => Promise<boolean>,
): Promise<CleanupOutcome> {
  try {
    return { ok: true, groupName, existed: await cleanUp() };
  } catch (error) {
    const failure = classifyAciError(error);
    if (failure.kind === 'notFound') return { ok: true, groupName, existed: false };
    if (failure.kind === 'retryable' || failure.kind === 'quota') throw failure;
    return activityFailure(failure);
  }
}
