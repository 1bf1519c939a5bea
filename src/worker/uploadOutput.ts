import { ManagedIdentityCredential } from '@azure/identity';
import { BlobServiceClient, StorageRetryPolicyType, type StoragePipelineOptions } from '@azure/storage-blob';
import type { JobOutput, JobProgress } from '../shared/contracts.js';
import { WorkerError } from './WorkerError.js';

export interface UploadTarget {
  /** e.g. https://account.blob.core.windows.net; unused with a connection string. */
  blobEndpoint?: string;
  container: string;
  blobName: string;
  /** User-assigned identity's client id; omitted means the system-assigned identity. */
  identityClientId?: string;
  /** Development only: shared-key connection string (e.g. Azurite) instead of the identity. */
  connectionString?: string;
}

export interface UploadOptions {
  file: string;
  bytes: number;
  sha256: string;
  metadata: { sourceUrl: string; instanceId: string };
  target: UploadTarget;
  signal: AbortSignal;
  onProgress: (progress: JobProgress) => void;
  /** Storage retry policy; tests shorten it. */
  retry?: { maxTries: number; retryDelayInMs: number; maxRetryDelayInMs: number };
}

export const OUTPUT_CONTENT_TYPE = 'video/mp4';
const BLOCK_BYTES = 8 * 1024 * 1024;
/** @azure/identity's failures: the identity is missing, not attached, or unknown — configuration. */
export const IDENTITY_ERRORS = ['AuthenticationError', 'CredentialUnavailableError'];

/** Blob metadata values must be ASCII: percent-encode anything else (decode with decodeURIComponent). */
export function asciiMetadataValue(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function blobServiceClient(target: UploadTarget, pipeline: StoragePipelineOptions): BlobServiceClient {
  if (target.connectionString)
    return BlobServiceClient.fromConnectionString(target.connectionString, pipeline);
  if (!target.blobEndpoint) throw new WorkerError('BAD_CONFIG', 'No blob endpoint and no connection string.');
  const credential = new ManagedIdentityCredential(
    target.identityClientId ? { clientId: target.identityClientId } : {},
  );
  return new BlobServiceClient(target.blobEndpoint, credential, pipeline);
}

export function describeStorageError(error: unknown): string {
  const e = error as {
    statusCode?: number;
    code?: string;
    details?: { errorCode?: string };
    message?: string;
  };
  const code = e.details?.errorCode ?? e.code;
  const first = (e.message ?? String(error)).split('\n')[0] ?? '';
  return [e.statusCode ? `HTTP ${e.statusCode}` : undefined, code, first]
    .filter(Boolean)
    .join(' ')
    .slice(0, 500);
}

/**
 * Uploads the finished MP4 as a block blob, blocks in parallel, with the storage SDK's retries.
 * The blob becomes visible only when the block list commits, so a failed upload leaves no blob.
 * The commit is conditional (If-None-Match: *): it fails OUTPUT_EXISTS rather than replace a blob.
 */
export async function uploadOutput(options: UploadOptions): Promise<JobOutput> {
  const retry = options.retry ?? { maxTries: 5, retryDelayInMs: 1000, maxRetryDelayInMs: 30_000 };
  const pipeline: StoragePipelineOptions = {
    retryOptions: { ...retry, retryPolicyType: StorageRetryPolicyType.EXPONENTIAL, tryTimeoutInMs: 120_000 },
  };
  const service = blobServiceClient(options.target, pipeline);
  const blob = service
    .getContainerClient(options.target.container)
    .getBlockBlobClient(options.target.blobName);
  try {
    await blob.uploadFile(options.file, {
      abortSignal: options.signal,
      // Create-only: an existing blob, whoever wrote it, is never overwritten.
      conditions: { ifNoneMatch: '*' },
      blockSize: BLOCK_BYTES,
      concurrency: 4,
      blobHTTPHeaders: { blobContentType: OUTPUT_CONTENT_TYPE },
      metadata: {
        sourceurl: asciiMetadataValue(options.metadata.sourceUrl),
        instanceid: asciiMetadataValue(options.metadata.instanceId),
        sha256: options.sha256,
      },
      onProgress: ({ loadedBytes }) =>
        options.onProgress({
          phase: 'Uploading',
          bytes: loadedBytes,
          totalBytes: options.bytes,
          percent: options.bytes > 0 ? Math.round((loadedBytes / options.bytes) * 1000) / 10 : 100,
        }),
    });
  } catch (error) {
    if (options.signal.aborted) throw WorkerError.from(options.signal.reason);
    if (error instanceof WorkerError) throw error;
    const status = (error as { statusCode?: number }).statusCode;
    const storageCode = (error as { details?: { errorCode?: string } }).details?.errorCode;
    if (storageCode === 'BlobAlreadyExists' || storageCode === 'ConditionNotMet')
      throw new WorkerError(
        'OUTPUT_EXISTS',
        `A blob named ${options.target.container}/${options.target.blobName} already exists; outputs are never overwritten, so submit the job with another outputName.`,
        { cause: error },
      );
    // Authorisation, identity and missing-container errors will not heal by themselves.
    const permanent =
      IDENTITY_ERRORS.includes((error as { name?: string }).name ?? '') ||
      (status !== undefined && [400, 401, 403, 404, 409].includes(status));
    throw new WorkerError(
      'UPLOAD_FAILED',
      `The result could not be written to ${options.target.container}/${options.target.blobName}: ${describeStorageError(error)}`,
      { retryable: !permanent, cause: error },
    );
  }
  return {
    blobName: options.target.blobName,
    url: blob.url,
    contentType: OUTPUT_CONTENT_TYPE,
    bytes: options.bytes,
    sha256: options.sha256,
  };
}
