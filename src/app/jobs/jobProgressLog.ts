import type { BlobServiceClient } from '@azure/storage-blob';
import { z } from 'zod';
import { hostBlobServiceClient } from '../callback/hostBlobServiceClient.js';
import { getSystemBlob, parseSystemRecord, putSystemBlob } from '../callback/systemBlobs.js';
import { jobProgressSchema, type JobCustomStatus } from '../../shared/contracts.js';
import { FINISHED_STATES } from '../durable/findInstanceStatus.js';
import { currentAttempt, runCreatedTime } from '../orchestrations/attemptEvents.js';

const PREFIX = 'progress';

/** A job's latest progress report, as the callback received it. */
export const jobProgressRecordSchema = z.strictObject({
  /** The attempt whose worker sent it. */
  attempt: z.number().int().positive(),
  progress: jobProgressSchema,
  receivedAt: z.string(),
});
export type JobProgressRecord = z.infer<typeof jobProgressRecordSchema>;

/**
 * Where a job's frequent progress lives instead of the orchestration history: one small blob per
 * job in the host storage account's system container, overwritten by each report (written with the
 * app's identity). The orchestration hears only of phase changes and the final report, so its
 * history does not grow with the job's length; the job view and the status route read the percent here.
 */
export interface JobProgressLog {
  record(jobId: string, record: JobProgressRecord): Promise<void>;
  /** The latest report, or undefined when none was recorded (or it cannot be read as one). */
  latest(jobId: string): Promise<JobProgressRecord | undefined>;
}

export class BlobJobProgressLog implements JobProgressLog {
  constructor(private readonly blobService: () => BlobServiceClient = () => hostBlobServiceClient()) {}

  record(jobId: string, record: JobProgressRecord): Promise<void> {
    const body = JSON.stringify(jobProgressRecordSchema.parse(record));
    return putSystemBlob(this.blobService(), blobName(jobId), body, 'application/json');
  }

  async latest(jobId: string): Promise<JobProgressRecord | undefined> {
    return parseSystemRecord(
      jobProgressRecordSchema,
      await getSystemBlob(this.blobService(), blobName(jobId)),
    );
  }
}

let shared: JobProgressLog | undefined;
/** The app's progress log in host storage. */
export function appJobProgressLog(): JobProgressLog {
  shared ??= new BlobJobProgressLog();
  return shared;
}

/**
 * The customStatus a reader shows: the orchestration's own, with the phase, percent and detail of
 * the recorded report while that report belongs to the attempt the orchestration says is current
 * and the job is in the worker's hands (not queued, cleaning up or done).
 */
export function withLatestProgress(
  custom: JobCustomStatus | undefined,
  record: JobProgressRecord | undefined,
): JobCustomStatus | undefined {
  if (!record || record.attempt !== currentAttempt(custom)) return custom;
  if (custom && !LIVE_PHASES.has(custom.phase)) return custom;
  const { percent: _percent, detail: _detail, ...rest } = custom ?? { phase: 'Provisioning' };
  const live = record.progress;
  return {
    ...rest,
    phase: live.phase,
    ...(live.percent !== undefined ? { percent: live.percent } : {}),
    ...(live.detail !== undefined ? { detail: live.detail } : {}),
  };
}

const LIVE_PHASES: ReadonlySet<string> = new Set(['Provisioning', 'Downloading', 'Processing', 'Uploading']);

/**
 * The latest recorded report of an unfinished run; undefined when the run has finished, when none
 * was recorded since the run was created (a report of an earlier run under the same id), or when the
 * log cannot be read.
 */
export async function latestProgressOf(
  log: JobProgressLog,
  jobId: string,
  run: { runtimeStatus: string; createdTime: Date | string; customStatus?: unknown },
): Promise<JobProgressRecord | undefined> {
  if (FINISHED_STATES.includes(run.runtimeStatus)) return undefined;
  // Best effort: without the log the orchestration's customStatus still tells the phase.
  const record = await log.latest(jobId).catch(() => undefined);
  if (!record || Date.parse(record.receivedAt) < runCreatedTime(run).getTime()) return undefined;
  return record;
}

function blobName(jobId: string): string {
  return `${PREFIX}/${encodeURIComponent(jobId)}.json`;
}
