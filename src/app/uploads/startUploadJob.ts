import type { AppConfig } from '../config.js';
import { findInstanceStatus } from '../durable/findInstanceStatus.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import type { JobStarterClient } from '../functions/orchestratorHttpStart.js';
import type { JobOrchestrationInput } from '../orchestrations/jobOrchestrator.js';
import { INCOMING_CONTAINER, parseBlobJobRequest, sourceBlobProblem } from '../../shared/blobSource.js';
import { outputBlobName } from '../../shared/naming.js';
import type { UploadRecord } from './uploadRecords.js';
import { droppedBlobJobId, uploadIdOf, uploadJobId } from './uploadJobIds.js';

/** A blob that arrived in `incoming`, as the blob trigger describes it. */
export interface ArrivedBlob {
  /** `incoming/<name>` (the trigger's BlobTrigger). */
  path: string;
  etag: string;
}

export interface StartUploadJobDependencies {
  config: Pick<
    AppConfig,
    'allowPrivateSources' | 'allowedPrivateSources' | 'uploadMaxBytes' | 'maxBytesLimit'
  >;
  findRecord: (uploadId: string) => Promise<UploadRecord | undefined>;
  log: (message: string) => void;
  now?: () => Date;
}

export type StartUploadJobOutcome =
  { started: true; jobId: string } | { started: false; jobId?: string; reason: string };

/**
 * Starts the one job of an arrived blob: with the options its upload registered, or the default job
 * (one MP4) for a blob dropped there some other way. The job id is derived from the blob, so a
 * redelivered event, or a second delivery after a host restart, finds the job and starts nothing.
 */
export async function startUploadJob(
  blob: ArrivedBlob,
  client: JobStarterClient,
  deps: StartUploadJobDependencies,
): Promise<StartUploadJobOutcome> {
  const problem = sourceBlobProblem(blob.path);
  if (problem) {
    deps.log(`Blob ${JSON.stringify(blob.path)} starts no job: ${problem}.`);
    return { started: false, reason: problem };
  }
  const name = blob.path.slice(INCOMING_CONTAINER.length + 1);
  const uploadId = uploadIdOf(name);
  const record = uploadId ? await deps.findRecord(uploadId) : undefined;
  const registered = record && record.blobName === name ? record : undefined;
  const jobId = registered
    ? uploadJobId(registered.uploadId, registered.owner)
    : droppedBlobJobId(blob.path, blob.etag);

  const existing = await findInstanceStatus(client, jobId);
  if (existing) {
    deps.log(`Job ${jobId} for ${blob.path} already exists; nothing started.`);
    return { started: false, jobId, reason: 'the job already exists' };
  }
  const options = registered?.options ?? {};
  const { config } = deps;
  // The file may be no larger than the upload limit (checked by the worker before it reads a byte).
  const ceiling = Math.min(config.uploadMaxBytes, config.maxBytesLimit);
  const requested = typeof options['maxBytes'] === 'number' ? options['maxBytes'] : ceiling;
  const parsed = parseBlobJobRequest(
    { ...options, sourceBlob: blob.path, maxBytes: Math.min(requested, ceiling) },
    { allowPrivateSources: config.allowPrivateSources, allowedPrivateSources: config.allowedPrivateSources },
  );
  if (!parsed.ok) {
    deps.log(`Blob ${blob.path} starts no job: ${parsed.problem.code}: ${parsed.problem.message}`);
    return { started: false, jobId, reason: parsed.problem.message };
  }
  const input: JobOrchestrationInput = {
    request: parsed.request,
    outputBlobName: outputBlobName(jobId, parsed.request.outputName),
    submittedAt: (deps.now?.() ?? new Date()).toISOString(),
    ...(registered?.owner ? { owner: registered.owner } : {}),
  };
  try {
    await client.startNew(FUNCTION_NAMES.jobOrchestrator, { instanceId: jobId, input });
  } catch (error) {
    // Two deliveries raced: the loser finds the winner's job.
    if (await findInstanceStatus(client, jobId))
      return { started: false, jobId, reason: 'the job already exists' };
    throw error;
  }
  deps.log(
    `Started job ${jobId} for ${registered ? `upload ${registered.uploadId}` : 'a dropped blob'} ${blob.path}.`,
  );
  return { started: true, jobId };
}
