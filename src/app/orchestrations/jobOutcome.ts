import type { OrchestrationContext } from 'durable-functions';
import type { JobContainerInspection } from '../activities/inspectJobContainer.js';
import type { JobSettings } from '../activities/loadJobSettings.js';
import { CANCELED_CODE } from '../jobs/cancelJobEvent.js';
import { jobResultSchema, type JobError, type JobSucceeded } from '../../shared/contracts.js';
import { JOB_ERROR_CODES, type KnownJobErrorCode } from '../../shared/errors/errorCodes.js';
import { reportedOutputsProblem } from './checkReportedOutputs.js';

// How a job attempt ends: the worker's report judged, a container's exit described, failures as
// JobErrors within the contract, and whether a failure is worth another attempt.

const MAX_ERROR_MESSAGE = 2000;

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: JobError };

/** First wait before a retry; it doubles with each attempt, up to RETRY_BACKOFF_MAX_SECONDS. */
export const RETRY_BACKOFF_SECONDS = 30;
export const RETRY_BACKOFF_MAX_SECONDS = 300;

/** Seconds to wait after attempt `attempt` failed before the next one starts. */
export function retryBackoffSeconds(attempt: number): number {
  return Math.min(RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1), RETRY_BACKOFF_MAX_SECONDS);
}

/**
 * Whether a failed attempt is worth another: its code is one the error table calls retryable (the
 * container died without a report, capacity or quota, a transient create failure, a flaky source)
 * and the failure itself says so. Azure's own codes, bad input and a cancel never retry.
 */
export function shouldRetry(error: JobError): boolean {
  if (!error.retryable || !Object.hasOwn(JOB_ERROR_CODES, error.code)) return false;
  return JOB_ERROR_CODES[error.code as KnownJobErrorCode].retryable;
}

/** The outcome of a job (or, naming it, a playlist job) canceled before it finished. */
export function canceled(what = 'job'): { ok: false; error: JobError } {
  return { ok: false, error: jobError(CANCELED_CODE, `The ${what} was canceled before it finished.`, false) };
}

/** A failed outcome with a code from elsewhere (a worker, an activity), kept within the contract. */
export function failure(
  code: string,
  message: string,
  retryable: boolean,
  fallbackCode = 'INTERNAL',
): { ok: false; error: JobError } {
  return { ok: false, error: jobError(code, message, retryable, fallbackCode) };
}

export function judgeReport(
  context: OrchestrationContext,
  settings: JobSettings,
  payload: unknown,
): Outcome<JobSucceeded> {
  const parsed = jobResultSchema.safeParse(payload);
  if (!parsed.success)
    return failed('INTERNAL', 'The worker reported a result that is not a valid JobResult.');
  if (parsed.data.status === 'Succeeded') {
    const problem = reportedOutputsProblem(context.df.instanceId, parsed.data.outputs, settings);
    if (problem) return failed('OUTPUT_OUTSIDE_JOB', `The reported result was refused. ${problem}`);
    return { ok: true, value: parsed.data };
  }
  return { ok: false, error: parsed.data.error };
}

export function describeExit(inspection: JobContainerInspection): JobError {
  if (!inspection.found)
    return jobError(
      'CONTAINER_EXITED',
      'The container group disappeared before the job reported a result.',
      true,
    );
  if (inspection.failureCode)
    return jobError(
      inspection.failureCode,
      `The container could not start: ${inspection.detail ?? 'its image could not be pulled'}.`,
      false,
      'CONTAINER_CREATE_FAILED',
    );
  const neverRan =
    inspection.exitCode === undefined &&
    (inspection.provisioningState === 'Failed' || inspection.provisioningState === 'Canceled');
  if (neverRan)
    return jobError(
      'CONTAINER_CREATE_FAILED',
      `The container group failed to start (provisioning ${inspection.provisioningState}${
        inspection.detail ? `: ${inspection.detail}` : ''
      }).`,
      true,
    );
  const code = inspection.exitCode === undefined ? 'unknown' : String(inspection.exitCode);
  const head = `The container exited with code ${code} without reporting a result${
    inspection.detail ? ` (${inspection.detail})` : ''
  }.`;
  const logs = inspection.logTail.length > 0 ? ` Last log lines:\n${inspection.logTail.join('\n')}` : '';
  return jobError('CONTAINER_EXITED', head + logs, true);
}

export function failed(code: KnownJobErrorCode, message: string): { ok: false; error: JobError } {
  return { ok: false, error: jobError(code, message, JOB_ERROR_CODES[code].retryable) };
}

/** A JobError whose code fits the contract; a malformed foreign code falls back to `fallbackCode`. */
export function jobError(
  code: string,
  message: string,
  retryable: boolean,
  fallbackCode = 'INTERNAL',
): JobError {
  const safeCode = /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(code) ? code : fallbackCode;
  const text = message.trim() || 'No detail was given.';
  return {
    code: safeCode,
    message: text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE - 1)}…` : text,
    retryable,
  };
}

/**
 * First line of a failed activity's error text (the rest is a stack trace), without the
 * "Activity function '<name>' failed:" and "<ErrorType>:" prefixes the Durable host adds.
 */
export function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (
    text
      .split('\n')[0]
      ?.replace(/^Activity function '[^']*' failed:\s*/, '')
      .replace(/^(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$]*(?:Error|Exception):\s*/, '')
      .trim() || 'unknown error'
  );
}
