import type { DurableClient } from 'durable-functions';
import type { JobError, JobSucceeded } from '../../shared/contracts.js';
import type { JobSpec } from '../../shared/blobSource.js';
import { FINISHED_STATES } from '../durable/findInstanceStatus.js';
import { buildJobView, type JobViewSources } from '../jobs/buildJobView.js';
import { CANCELED_CODE } from '../jobs/cancelJobEvent.js';
import { findJob } from '../jobs/findJob.js';
import { jobUrlsFor } from '../jobs/jobUrls.js';
import { jobEventSchema, type JobEvent, type PlaylistSummary } from '../../shared/jobView.js';

/** What the job orchestration hands over when it reaches a final state. */
export interface StartJobNotificationsInput {
  jobId: string;
  request: JobSpec;
  submittedAt: string;
  finishedAt: string;
  outcome: { ok: true; value: JobSucceeded | PlaylistSummary } | { ok: false; error: JobError };
}

export type JobEventType = JobEvent['type'];

/** The event a final outcome announces; a job ended with CANCELED is `job.canceled`, as its view says. */
export function finalEventType(outcome: StartJobNotificationsInput['outcome']): JobEventType {
  if (outcome.ok) return 'job.succeeded';
  return outcome.error.code === CANCELED_CODE ? 'job.canceled' : 'job.failed';
}

/** The `webhook-id` of an event: stable per job and final state, so every retry carries the same one. */
export function webhookEventId(jobId: string, type: JobEventType): string {
  return `msg_${jobId}_${type.replace('job.', '')}`;
}

export interface FinalJobEventDependencies {
  client: Pick<DurableClient, 'getStatus'>;
  readLink: JobViewSources['readLink'];
  notifications: NonNullable<JobViewSources['notifications']>;
  /** Public base URL of the app, for the view's own status link. */
  appBaseUrl: string;
  /** How long to wait for the job's instance to finish (it starts notifications just before it does). */
  finalWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const FINAL_WAIT_MS = 30_000;
const FINAL_POLL_MS = 250;

/** The event, or why there is none: the job is still finishing, or it no longer exists (purged). */
export type FinalJobEventResult =
  { ok: true; event: JobEvent } | { ok: false; reason: 'not-final' | 'not-found' };

/**
 * The event for a job's final state, its `data` the same job view GET /api/jobs/{id} serves (fresh
 * read links, the notification log). Built at delivery time, outside the orchestrator, so every
 * attempt carries links that still work.
 */
export async function finalJobEvent(
  jobId: string,
  type: JobEventType,
  timestamp: string,
  deps: FinalJobEventDependencies,
): Promise<FinalJobEventResult> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const giveUpAt = Date.now() + (deps.finalWaitMs ?? FINAL_WAIT_MS);
  for (;;) {
    const status = await findJob(deps.client, jobId);
    if (!status) return { ok: false, reason: 'not-found' };
    if (FINISHED_STATES.includes(status.runtimeStatus)) {
      const view = await buildJobView({
        status,
        statusQueryGetUri: jobUrlsFor({ url: deps.appBaseUrl }, jobId).statusQueryGetUri,
        readLink: deps.readLink,
        notifications: deps.notifications,
      });
      return { ok: true, event: jobEventSchema.parse({ type, timestamp, data: view }) };
    }
    if (Date.now() >= giveUpAt) return { ok: false, reason: 'not-final' };
    await sleep(FINAL_POLL_MS);
  }
}
