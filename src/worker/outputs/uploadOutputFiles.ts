import { join } from 'node:path';
import { RestError, StorageRetryPolicyType, type ContainerClient } from '@azure/storage-blob';
import type { JobOutput, JobProgress } from '../../shared/contracts.js';
import { sha256File } from '../sha256File.js';
import {
  IDENTITY_ERRORS,
  asciiMetadataValue,
  blobServiceClient,
  describeStorageError,
  type UploadTarget,
} from '../uploadOutput.js';
import { WorkerError } from '../WorkerError.js';
import { cacheControlFor, contentTypeFor } from './outputBlobLayout.js';
import type { ProducedOutput } from './produceOutputs.js';

export interface UploadOutputFilesOptions {
  outDir: string;
  /** Blob name prefix every file goes under (`<prefix>/hls/master.m3u8`). */
  prefix: string;
  outputs: readonly ProducedOutput[];
  target: Omit<UploadTarget, 'blobName'>;
  metadata: { sourceUrl: string; instanceId: string };
  signal: AbortSignal;
  onProgress: (progress: JobProgress) => void;
  /** Files uploaded at once; each large file also uploads its blocks in parallel. */
  concurrency?: number;
  retry?: { maxTries: number; retryDelayInMs: number; maxRetryDelayInMs: number };
}

interface FileUpload {
  path: string;
  blobName: string;
  bytes: number;
  sha256: string;
}

async function uploadOne(
  container: ContainerClient,
  file: FileUpload,
  options: UploadOutputFilesOptions,
  onBytes: (loaded: number) => void,
): Promise<'created' | 'existing'> {
  const blob = container.getBlockBlobClient(file.blobName);
  try {
    await blob.uploadFile(join(options.outDir, file.path), {
      abortSignal: options.signal,
      blockSize: 8 * 1024 * 1024,
      concurrency: 4,
      // Create-only: an output is never silently replaced by another job's file.
      conditions: { ifNoneMatch: '*' },
      blobHTTPHeaders: {
        blobContentType: contentTypeFor(file.path),
        blobCacheControl: cacheControlFor(file.path),
      },
      metadata: {
        sourceurl: asciiMetadataValue(options.metadata.sourceUrl),
        instanceid: asciiMetadataValue(options.metadata.instanceId),
        sha256: file.sha256,
      },
      onProgress: ({ loadedBytes }) => onBytes(loadedBytes),
    });
    return 'created';
  } catch (error) {
    // A rerun of the same job finds its own identical file from the first attempt: that is done.
    if (error instanceof RestError && (error.statusCode === 409 || error.statusCode === 412)) {
      const existing = await blob.getProperties({ abortSignal: options.signal }).catch(() => undefined);
      if (existing?.metadata?.sha256 === file.sha256) {
        onBytes(file.bytes);
        return 'existing';
      }
      throw new WorkerError(
        'OUTPUT_EXISTS',
        `A blob named ${options.target.container}/${file.blobName} already exists with other content; outputs are never overwritten, so submit the job with another outputName.`,
        { retryable: false, cause: error },
      );
    }
    throw error;
  }
}

/**
 * Uploads every file of every output under the job's prefix, a bounded number at a time, each with
 * its content type and cache policy, and returns one result entry per output. If any file fails,
 * the files this attempt created are deleted and the job fails with UPLOAD_FAILED: no output is
 * reported half-written.
 */
export async function uploadOutputFiles(options: UploadOutputFilesOptions): Promise<JobOutput[]> {
  const retry = options.retry ?? { maxTries: 5, retryDelayInMs: 1000, maxRetryDelayInMs: 30_000 };
  const service = blobServiceClient(
    { ...options.target, blobName: options.prefix },
    {
      retryOptions: {
        ...retry,
        retryPolicyType: StorageRetryPolicyType.EXPONENTIAL,
        tryTimeoutInMs: 120_000,
      },
    },
  );
  const container = service.getContainerClient(options.target.container);

  const uploads: FileUpload[] = [];
  const seen = new Set<string>();
  for (const output of options.outputs)
    for (const file of output.files) {
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      uploads.push({
        path: file.path,
        blobName: `${options.prefix}/${file.path}`,
        bytes: file.bytes,
        sha256: await sha256File(join(options.outDir, file.path)),
      });
    }
  const totalBytes = uploads.reduce((sum, u) => sum + u.bytes, 0);
  const loaded = new Map<string, number>();
  const report = () => {
    const bytes = [...loaded.values()].reduce((sum, n) => sum + n, 0);
    options.onProgress({
      phase: 'Uploading',
      bytes,
      totalBytes,
      percent: totalBytes > 0 ? Math.round((bytes / totalBytes) * 1000) / 10 : 100,
    });
  };

  const created: string[] = [];
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < uploads.length) {
      const file = uploads[next++]!;
      try {
        const outcome = await uploadOne(container, file, options, (n) => {
          loaded.set(file.path, n);
          report();
        });
        if (outcome === 'created') created.push(file.blobName);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, uploads.length) }, worker));

  if (failure !== undefined) {
    // Best effort: a retry of the job starts clean, and readers never find a partial ladder.
    await Promise.allSettled(created.map((name) => container.deleteBlob(name)));
    if (options.signal.aborted) throw WorkerError.from(options.signal.reason);
    if (failure instanceof WorkerError) throw failure;
    const status = (failure as { statusCode?: number }).statusCode;
    const permanent =
      IDENTITY_ERRORS.includes((failure as { name?: string }).name ?? '') ||
      (status !== undefined && [400, 401, 403, 404].includes(status));
    throw new WorkerError(
      'UPLOAD_FAILED',
      `The outputs could not be written to ${options.target.container}/${options.prefix}/: ${describeStorageError(failure)}`,
      { retryable: !permanent, cause: failure },
    );
  }

  const byPath = new Map(uploads.map((u) => [u.path, u]));
  return options.outputs.map((output) => {
    const main = byPath.get(output.main)!;
    const track = output.kind === 'storyboard' ? output.files[1] : undefined;
    return {
      kind: output.kind,
      blobName: main.blobName,
      url: container.getBlobClient(main.blobName).url,
      contentType: contentTypeFor(output.main),
      bytes: output.files.reduce((sum, f) => sum + f.bytes, 0),
      sha256: main.sha256,
      files: output.files.length,
      ...output.facts,
      ...(track ? { trackBlobName: `${options.prefix}/${track.path}` } : {}),
    };
  });
}
