import type { BlobServiceClient } from '@azure/storage-blob';
import { z } from 'zod';
import { hostBlobServiceClient } from '../callback/hostBlobServiceClient.js';
import { getSystemBlob, parseSystemRecord, putSystemBlob } from '../callback/systemBlobs.js';

/**
 * What ends a job, kept where a lost event cannot lose it: the worker's final report (recorded by
 * the callback) and a cancel request (recorded by the cancel route), each written before its event
 * is raised. An orchestration that continues as new may drop an event raised while it does so; the
 * next generation reads these records before it waits, so the report or the cancel still counts.
 *
 * Each record names its run (the creation time the callback token is bound to), so a record of an
 * earlier run under the same id is never taken for the current one; a report also names its attempt.
 */
const finishedRecordSchema = z.strictObject({
  runCreatedAt: z.string(),
  attempt: z.number().int().positive(),
  /** The report as the callback accepted it (the orchestrator judges it as it judges the event). */
  result: z.unknown(),
  receivedAt: z.string(),
});
const cancelRecordSchema = z.strictObject({
  runCreatedAt: z.string(),
  requestedAt: z.string(),
});
/** Written when a run that continued as new ends: its last input still names it (see `runEnded`). */
const endedRecordSchema = z.strictObject({
  runCreatedAt: z.string(),
  endedAt: z.string(),
});
export type JobEndedRecord = z.infer<typeof endedRecordSchema>;
export type JobFinishedRecord = z.infer<typeof finishedRecordSchema>;
export type JobCancelRecord = z.infer<typeof cancelRecordSchema>;

/** What a generation finds recorded for its run and attempt. */
export interface JobSignals {
  /** The current attempt's final report, when one was recorded. */
  finished?: unknown;
  cancelRequested: boolean;
  /**
   * The run has already ended: this "generation" is a Durable restart of a finished job, started with
   * the input of its last generation, and must begin afresh instead of waiting for the old attempt.
   */
  runEnded?: boolean;
}

export interface JobSignalStore {
  recordFinished(jobId: string, record: JobFinishedRecord): Promise<void>;
  recordCancel(jobId: string, record: JobCancelRecord): Promise<void>;
  recordEnded(jobId: string, record: JobEndedRecord): Promise<void>;
  read(jobId: string, run: { runCreatedAt: string; attempt: number }): Promise<JobSignals>;
}

export class BlobJobSignalStore implements JobSignalStore {
  constructor(private readonly blobService: () => BlobServiceClient = () => hostBlobServiceClient()) {}

  recordFinished(jobId: string, record: JobFinishedRecord): Promise<void> {
    const body = JSON.stringify(finishedRecordSchema.parse(record));
    return putSystemBlob(this.blobService(), blobName('finished', jobId), body, 'application/json');
  }

  recordCancel(jobId: string, record: JobCancelRecord): Promise<void> {
    const body = JSON.stringify(cancelRecordSchema.parse(record));
    return putSystemBlob(this.blobService(), blobName('cancel', jobId), body, 'application/json');
  }

  recordEnded(jobId: string, record: JobEndedRecord): Promise<void> {
    const body = JSON.stringify(endedRecordSchema.parse(record));
    return putSystemBlob(this.blobService(), blobName('ended', jobId), body, 'application/json');
  }

  async read(jobId: string, run: { runCreatedAt: string; attempt: number }): Promise<JobSignals> {
    const [finishedText, cancelText, endedText] = await Promise.all([
      getSystemBlob(this.blobService(), blobName('finished', jobId)),
      getSystemBlob(this.blobService(), blobName('cancel', jobId)),
      getSystemBlob(this.blobService(), blobName('ended', jobId)),
    ]);
    const finished = parseSystemRecord(finishedRecordSchema, finishedText);
    const cancel = parseSystemRecord(cancelRecordSchema, cancelText);
    const ended = parseSystemRecord(endedRecordSchema, endedText);
    const sameRun = (recorded: string) => sameInstant(recorded, run.runCreatedAt);
    if (ended && sameRun(ended.runCreatedAt)) return { cancelRequested: false, runEnded: true };
    return {
      ...(finished && sameRun(finished.runCreatedAt) && finished.attempt === run.attempt
        ? { finished: finished.result }
        : {}),
      cancelRequested: cancel !== undefined && sameRun(cancel.runCreatedAt),
    };
  }
}

let shared: JobSignalStore | undefined;
/** The app's signal records in host storage. */
export function appJobSignalStore(): JobSignalStore {
  shared ??= new BlobJobSignalStore();
  return shared;
}

function sameInstant(a: string, b: string): boolean {
  const left = Date.parse(a);
  return Number.isFinite(left) && left === Date.parse(b);
}

function blobName(kind: 'finished' | 'cancel' | 'ended', jobId: string): string {
  return `${kind}/${encodeURIComponent(jobId)}.json`;
}
