import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { FINISHED_STATES, findInstanceStatus } from '../durable/findInstanceStatus.js';
import { defineActivity } from '../durable/typedActivities.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { CANCEL_JOB_EVENT } from '../jobs/cancelJobEvent.js';
import { appJobSignalStore, type JobSignalStore } from '../jobs/jobSignals.js';
import { runCreatedTime } from './attemptEvents.js';

export interface CancelPlaylistChildrenInput {
  childIds: string[];
}

export interface CancelPlaylistChildrenOutcome {
  /** Children the cancel was raised on. */
  canceled: string[];
  /** Children that had already finished, so nothing was raised. */
  finished: string[];
}

/**
 * Cancels each running child of a playlist job as POST /api/jobs/{id}/cancel does for one job: the
 * request is recorded first (a child continuing as new may drop the event; its next generation finds
 * the record), then raised. A child not found yet (its start still in flight) throws, so the call is
 * retried.
 */
export async function cancelPlaylistChildren(
  input: CancelPlaylistChildrenInput,
  client: Pick<DurableClient, 'getStatus' | 'raiseEvent'>,
  signals: Pick<JobSignalStore, 'recordCancel'> = appJobSignalStore(),
): Promise<CancelPlaylistChildrenOutcome> {
  const outcome: CancelPlaylistChildrenOutcome = { canceled: [], finished: [] };
  const missing: string[] = [];
  for (const id of input.childIds) {
    const status = await findInstanceStatus(client, id);
    if (!status) missing.push(id);
    else if (FINISHED_STATES.includes(status.runtimeStatus)) outcome.finished.push(id);
    else {
      const requestedAt = new Date().toISOString();
      await signals.recordCancel(id, { runCreatedAt: runCreatedTime(status).toISOString(), requestedAt });
      await client.raiseEvent(id, CANCEL_JOB_EVENT, { requestedAt, byParent: true });
      outcome.canceled.push(id);
    }
  }
  if (missing.length > 0)
    throw new Error(`Playlist items not started yet, to be canceled on the next try: ${missing.join(', ')}.`);
  return outcome;
}

function retryPolicy(firstMs: number, attempts: number, maxMs: number): df.RetryOptions {
  const options = new df.RetryOptions(firstMs, attempts);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = maxMs;
  return options;
}

/**
 * The playlist orchestration's own activities (registered in src/app/functions/playlistOrchestration.ts);
 * the listing container is created, inspected and removed with the job orchestration's activities.
 */
export const playlistActivities = {
  [FUNCTION_NAMES.cancelPlaylistChildren]: defineActivity<
    CancelPlaylistChildrenInput,
    CancelPlaylistChildrenOutcome
  >({
    run: (input, context: InvocationContext) => cancelPlaylistChildren(input, df.getClient(context)),
    durableClient: true,
    /** 5 attempts over about a minute: a child's start is never in flight for longer. */
    retry: retryPolicy(2_000, 5, 30_000),
  }),
};
