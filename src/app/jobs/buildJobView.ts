import type { DurableOrchestrationStatus } from 'durable-functions';
import {
  jobSucceededSchema,
  type JobCustomStatus,
  type JobError,
  type JobPhase,
} from '../../shared/contracts.js';
import {
  FINAL_JOB_STATUSES,
  playlistSummarySchema,
  type JobNotification,
  type JobStatus,
  type JobView,
  type PlaylistChild,
} from '../../shared/jobView.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import type { JobRequest } from '../../shared/contracts.js';
import type { BlobJobRequest } from '../../shared/blobSource.js';
import type { JobOrchestrationInput } from '../orchestrations/jobOrchestrator.js';
import type { ReadLink } from './MediaReadLinks.js';
import { CANCELED_CODE } from './cancelJobEvent.js';
import { currentAttempt, runCreatedTime } from '../orchestrations/attemptEvents.js';
import { withLatestProgress, type JobProgressRecord } from './jobProgressLog.js';
import { redactSourceUrl } from '../../shared/redaction/redactSourceUrl.js';

export interface JobViewSources {
  status: DurableOrchestrationStatus;
  statusQueryGetUri: string;
  readLink: (blobName: string) => Promise<ReadLink>;
  /** The job's latest recorded progress report, when there is one (see jobProgressLog.ts). */
  progress?: JobProgressRecord | undefined;
  /** The job's notification log; a view without one shows no notifications. */
  notifications?: (jobId: string) => Promise<JobNotification[]>;
  /** A running playlist job's items as they are now; without it a running playlist lists none. */
  runningChildren?: (playlistId: string, custom: JobCustomStatus | undefined) => Promise<PlaylistChild[]>;
}

/**
 * How a Durable runtime status reads as a job status. A job is Queued until its container group
 * exists; a terminated instance (an operator's terminate) reads as Canceled, like a user's cancel.
 */
export function jobStatusOf(
  runtimeStatus: string,
  phase: JobPhase,
  succeeded: boolean,
  errorCode?: string,
): JobStatus {
  // A canceled job's orchestration fails with CANCELED (it cannot terminate itself).
  if (errorCode === CANCELED_CODE && (runtimeStatus === 'Failed' || runtimeStatus === 'Completed'))
    return 'Canceled';
  switch (runtimeStatus) {
    case 'Pending':
      return 'Queued';
    case 'Completed':
      return succeeded ? 'Succeeded' : 'Failed';
    case 'Failed':
      return 'Failed';
    case 'Terminated':
    case 'Canceled':
      return 'Canceled';
    default:
      return phase === 'Queued' || phase === 'Provisioning' ? 'Queued' : 'Running';
  }
}

/** The failure a Failed orchestration carries: customStatus.error, or its `CODE: message` output. */
function errorOf(status: DurableOrchestrationStatus, custom: JobCustomStatus | undefined): JobError | null {
  if (custom?.error) return custom.error;
  if (status.runtimeStatus !== 'Failed') return null;
  const text = typeof status.output === 'string' ? status.output : 'The job failed.';
  const match = /^([A-Z][A-Z0-9_]{0,63}): ([\s\S]*)$/.exec(text);
  return {
    code: match?.[1] ?? 'INTERNAL',
    message: (match?.[2] ?? text).slice(0, 2000),
    retryable: false,
  };
}

/** The job view of one orchestration instance (read with its input), read links made fresh. */
export async function buildJobView(sources: JobViewSources): Promise<JobView> {
  const { status } = sources;
  const input = (status.input ?? undefined) as JobOrchestrationInput | undefined;
  const custom = withLatestProgress(
    (status.customStatus ?? undefined) as JobCustomStatus | undefined,
    sources.progress,
  );
  const result = jobSucceededSchema.safeParse(status.output);
  const succeeded = status.runtimeStatus === 'Completed' && result.success;
  const phase: JobPhase = custom?.phase ?? 'Queued';
  const failure = errorOf(status, custom);
  const jobStatus = jobStatusOf(status.runtimeStatus, phase, succeeded, failure?.code);

  const request: Partial<JobRequest> & Partial<BlobJobRequest> = input?.request ? { ...input.request } : {};
  if (request.url) request.url = redactSourceUrl(request.url);
  // A receiver's URL often carries its own token; the idempotency key is the caller's, not the job's.
  if (request.notifyUrl) request.notifyUrl = redactSourceUrl(request.notifyUrl);
  delete request.idempotencyKey;
  const outputs = succeeded
    ? await Promise.all(
        result.data.outputs.map(async (output) => {
          const link = await sources.readLink(output.blobName);
          return { ...output, readUrl: link.url, readUrlExpiresAt: link.expiresAt.toISOString() };
        }),
      )
    : [];
  const title = succeeded ? result.data.source?.title : undefined;
  const started = status.runtimeStatus !== 'Pending';
  const playlist =
    status.name === FUNCTION_NAMES.playlistOrchestrator
      ? await playlistParts(sources, custom, jobStatus, failure)
      : undefined;
  return {
    id: status.instanceId,
    status: jobStatus,
    phase,
    percent: jobStatus === 'Succeeded' ? 100 : (custom?.percent ?? null),
    // The job's creation, not the current generation's after a continue-as-new.
    createdAt: runCreatedTime(status).toISOString(),
    updatedAt: new Date(status.lastUpdatedTime).toISOString(),
    request,
    source: {
      ...(request.url ? { url: request.url } : {}),
      ...(request.sourceBlob ? { blob: request.sourceBlob } : {}),
      ...(title ? { title } : {}),
    },
    attempts: started ? currentAttempt(custom) : 0,
    outputs,
    media: succeeded ? result.data.media : null,
    error: jobStatus === 'Failed' || jobStatus === 'Canceled' ? failure : null,
    ...playlist,
    ...(input?.parentId ? { parentId: input.parentId } : {}),
    // Notifications exist only for final states; a running job costs no log read.
    notifications:
      sources.notifications && FINAL_JOB_STATUSES.includes(jobStatus)
        ? await sources.notifications(status.instanceId)
        : [],
    statusQueryGetUri: sources.statusQueryGetUri,
  };
}

/** A playlist job's status, error and items: from its summary once it has ended, else as they are now. */
async function playlistParts(
  sources: JobViewSources,
  custom: JobCustomStatus | undefined,
  runningStatus: JobStatus,
  runningError: JobError | null,
): Promise<Pick<JobView, 'status' | 'error' | 'children' | 'playlist'>> {
  const summary = playlistSummarySchema.safeParse(sources.status.output);
  if (!summary.success) {
    const children = sources.runningChildren
      ? await sources.runningChildren(sources.status.instanceId, custom)
      : [];
    return { status: runningStatus, error: runningError, children: children.map(redactChild) };
  }
  const { status, error, children, title, listed, duplicates } = summary.data;
  return {
    status,
    error: error ?? null,
    children: children.map(redactChild),
    playlist: {
      ...(title ? { title } : {}),
      listed,
      duplicates: duplicates.map((d) => ({ ...d, url: redactSourceUrl(d.url) })),
    },
  };
}

function redactChild(child: PlaylistChild): PlaylistChild {
  return child.url ? { ...child, url: redactSourceUrl(child.url) } : child;
}
