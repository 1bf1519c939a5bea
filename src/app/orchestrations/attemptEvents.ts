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
