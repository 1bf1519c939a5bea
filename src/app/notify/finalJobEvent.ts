import type { JobError, JobSucceeded } from '../../shared/contracts.js';
import { isBlobJob, type JobSpec } from '../../shared/blobSource.js';
import { jobEventSchema, type JobEvent, type JobView } from '../../shared/jobView.js';

/** What the job orchestration knows when it reaches a final state. */
export interface FinalJobState {
  jobId: string;
  request: JobSpec;
  submittedAt: string;
  finishedAt: string;
  /** Public base URL of the app, for the job view's own status link. */
  statusBaseUrl: string;
  outcome: { ok: true; value: JobSucceeded } | { ok: false; error: JobError; canceled?: boolean };
}

/** What the job orchestration hands over; the app's own base URL is added by the activity, outside replay. */
export type StartJobNotificationsInput = Omit<FinalJobState, 'statusBaseUrl'>;

/**
 * The webhook event for a final state. The job view is built from the orchestration's own outcome;
 * outputs carry their blob URL as the read link until the job resource supplies signed ones.
 */
export function finalJobEvent(state: FinalJobState): JobEvent {
  const { outcome } = state;
  const status = outcome.ok ? 'Succeeded' : outcome.canceled ? 'Canceled' : 'Failed';
  const view: JobView = {
    id: state.jobId,
    status,
    phase: 'Done',
    percent: outcome.ok ? 100 : null,
    createdAt: state.submittedAt,
    updatedAt: state.finishedAt,
    request: redactedRequest(state.request),
    source: {
      ...(isBlobJob(state.request)
        ? { blob: state.request.sourceBlob }
        : { url: redactUrl(state.request.url) }),
      ...(outcome.ok && outcome.value.source?.title ? { title: outcome.value.source.title } : {}),
    },
    attempts: 1,
    outputs: outcome.ok
      ? outcome.value.outputs.map((output) => ({
          ...output,
          readUrl: output.url,
          readUrlExpiresAt: state.finishedAt,
        }))
      : [],
    media: outcome.ok ? outcome.value.media : null,
    error: outcome.ok ? null : outcome.error,
    notifications: [],
    statusQueryGetUri: `${state.statusBaseUrl.replace(/\/+$/, '')}/api/jobs/${encodeURIComponent(state.jobId)}`,
  };
  return jobEventSchema.parse({
    type: status === 'Succeeded' ? 'job.succeeded' : status === 'Canceled' ? 'job.canceled' : 'job.failed',
    timestamp: state.finishedAt,
    data: view,
  });
}

/** The `webhook-id` of an event: stable per job and final state, so every retry carries the same one. */
export function webhookEventId(jobId: string, type: JobEvent['type']): string {
  return `msg_${jobId}_${type.replace('job.', '')}`;
}

function redactedRequest(request: JobSpec): Record<string, unknown> {
  if (isBlobJob(request))
    return { ...request, ...(request.notifyUrl ? { notifyUrl: redactUrl(request.notifyUrl) } : {}) };
  const { idempotencyKey: _secretish, ...rest } = request;
  return {
    ...rest,
    url: redactUrl(request.url),
    ...(rest.notifyUrl ? { notifyUrl: redactUrl(rest.notifyUrl) } : {}),
  };
}

/** Query strings and fragments often carry tokens; the view never repeats them. */
function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.search = '';
    url.hash = '';
    return url.href;
  } catch {
    return raw;
  }
}
