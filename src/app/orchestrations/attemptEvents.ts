import type { JobEventName } from '../../shared/contracts.js';

/**
 * The orchestration event a worker's report is raised as. The first attempt keeps the plain names;
 * later attempts get their own (`JobFinishedAttempt2`), so a report of an earlier attempt that was
 * already raised, and waits unread in the instance, is never taken for the current attempt's.
 */
export function attemptEventName(name: JobEventName, attempt: number): string {
  return attempt > 1 ? `${name}Attempt${attempt}` : name;
}

/** The attempt a job's customStatus says is current (1 when it says none). */
export function currentAttempt(customStatus: unknown): number {
  const attempt = (customStatus as { attempt?: unknown } | null | undefined)?.attempt;
  return typeof attempt === 'number' && Number.isInteger(attempt) && attempt > 1 ? attempt : 1;
}

/**
 * When the job's run was created: the time its customStatus carries once the orchestration has
 * continued as new (a backend may then report the current generation's creation time), else the
 * backend's createdTime. The callback token, the progress log and the job view all use this one.
 */
export function runCreatedTime(status: { customStatus?: unknown; createdTime: Date | string }): Date {
  const carried = (status.customStatus as { createdAt?: unknown } | null | undefined)?.createdAt;
  if (typeof carried === 'string' && Number.isFinite(Date.parse(carried))) return new Date(carried);
  return new Date(status.createdTime);
}
