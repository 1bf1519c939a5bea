import { RestError, type BlobServiceClient } from '@azure/storage-blob';
import { z } from 'zod';
import { SIGNING_KEY_CONTAINER } from '../callback/callbackSigningKey.js';
import { hostBlobServiceClient } from '../callback/hostBlobServiceClient.js';
import { jobProgressSchema, type JobProgress } from '../../shared/contracts.js';

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

  async record(jobId: string, record: JobProgressRecord): Promise<void> {
    const container = this.blobService().getContainerClient(SIGNING_KEY_CONTAINER);
    const body = JSON.stringify(jobProgressRecordSchema.parse(record));
    const blob = container.getBlockBlobClient(blobName(jobId));
    const upload = () =>
      blob.upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    try {
      await upload();
    } catch (error) {
      // The first record of a fresh storage account: make the system container, then write again.
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
      await container.createIfNotExists();
      await upload();
    }
  }

  async latest(jobId: string): Promise<JobProgressRecord | undefined> {
    const blob = this.blobService().getContainerClient(SIGNING_KEY_CONTAINER).getBlobClient(blobName(jobId));
    let text: string;
    try {
      text = (await blob.downloadToBuffer()).toString('utf8');
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
    try {
      const parsed = jobProgressRecordSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }
}

let shared: JobProgressLog | undefined;
/** The app's progress log in host storage. */
export function appJobProgressLog(): JobProgressLog {
  shared ??= new BlobJobProgressLog();
  return shared;
}

/**
 * What a reader shows as the job's progress: the recorded report while it belongs to the attempt
 * the orchestration says is current and the job is still in the worker's phases; otherwise nothing,
 * and the orchestration's own customStatus stands.
 */
export function currentProgress(
  record: JobProgressRecord | undefined,
  attempt: number,
  orchestrationPhase: string | undefined,
): JobProgress | undefined {
  if (!record || record.attempt !== attempt) return undefined;
  if (orchestrationPhase === 'CleaningUp' || orchestrationPhase === 'Done' || orchestrationPhase === 'Queued')
    return undefined;
  return record.progress;
}

function blobName(jobId: string): string {
  return `${PREFIX}/${encodeURIComponent(jobId)}.json`;
}
