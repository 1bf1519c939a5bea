import { join } from 'node:path';
import { StorageRetryPolicyType } from '@azure/storage-blob';
import { INCOMING_CONTAINER } from '../shared/blobSource.js';
import type { DownloadedMedia } from './downloadMedia.js';
import { probeMedia } from './probeMedia.js';
import {
  blobServiceClient,
  describeStorageError,
  IDENTITY_ERRORS,
  type UploadTarget,
} from './uploadOutput.js';
import { WorkerError } from './WorkerError.js';
import type { WorkerStepOptions } from './workerStep.js';

export interface ReadSourceBlobOptions extends WorkerStepOptions {
  /** `incoming/<blob name>`, checked by loadWorkerSettings. */
  sourceBlob: string;
  /** The media account: endpoint and identity (or a development connection string). */
  account: Omit<UploadTarget, 'container' | 'blobName'>;
  maxBytes: number;
  workDir: string;
  ffprobePath: string;
}

/**
 * The upload path's "download": reads the source blob from the incoming container with the
 * worker's identity (read access on that container only), refusing it before reading when it is
 * larger than maxBytes, then lets ffprobe decide whether it is media at all, so a file that is not
 * fails NOT_MEDIA before anything is converted or written.
 */
export async function readSourceBlob(options: ReadSourceBlobOptions): Promise<DownloadedMedia> {
  const name = options.sourceBlob.slice(INCOMING_CONTAINER.length + 1);
  const service = blobServiceClient(
    { ...options.account, container: INCOMING_CONTAINER, blobName: name },
    {
      retryOptions: {
        maxTries: 4,
        retryDelayInMs: 1000,
        maxRetryDelayInMs: 15_000,
        retryPolicyType: StorageRetryPolicyType.EXPONENTIAL,
      },
    },
  );
  const blob = service.getContainerClient(INCOMING_CONTAINER).getBlobClient(name);
  const path = join(options.workDir, 'source.upload');
  let bytes: number;
  try {
    const properties = await blob.getProperties({ abortSignal: options.signal });
    bytes = properties.contentLength ?? 0;
    if (bytes > options.maxBytes)
      throw new WorkerError(
        'TOO_LARGE',
        `The uploaded file is ${bytes} bytes, more than the limit of ${options.maxBytes}.`,
      );
    options.onProgress({ phase: 'Downloading', percent: 0, bytes: 0, totalBytes: bytes });
    // The version whose arrival started the job, not one written over it since.
    await blob.downloadToFile(path, 0, undefined, {
      abortSignal: options.signal,
      ...(properties.etag ? { conditions: { ifMatch: properties.etag } } : {}),
      onProgress: ({ loadedBytes }) =>
        options.onProgress({
          phase: 'Downloading',
          bytes: loadedBytes,
          totalBytes: bytes,
          percent: bytes > 0 ? Math.round((loadedBytes / bytes) * 1000) / 10 : 100,
        }),
    });
  } catch (error) {
    if (options.signal.aborted) throw WorkerError.from(options.signal.reason);
    if (error instanceof WorkerError) throw error;
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404)
      throw new WorkerError(
        'SOURCE_BLOB_NOT_FOUND',
        `The uploaded blob ${options.sourceBlob} does not exist.`,
        {
          cause: error,
        },
      );
    const permanent =
      IDENTITY_ERRORS.includes((error as { name?: string }).name ?? '') ||
      (status !== undefined && [400, 401, 403, 409, 412].includes(status));
    throw new WorkerError(
      'DOWNLOAD_FAILED',
      `The uploaded blob ${options.sourceBlob} could not be read: ${describeStorageError(error)}`,
      { retryable: !permanent, cause: error },
    );
  }
  options.log(`read ${bytes} bytes from ${options.sourceBlob}`);

  let probe;
  try {
    probe = await probeMedia(options.ffprobePath, path, options.signal);
  } catch (error) {
    if (options.signal.aborted) throw WorkerError.from(options.signal.reason);
    throw notMedia(options.sourceBlob, (error as Error).message);
  }
  if (!probe.video && !probe.audio) throw notMedia(options.sourceBlob, 'it has no audio or video stream');
  const fileName = name.split('/').at(-1) ?? name;
  return {
    path,
    bytes,
    title: fileName,
    ...(probe.durationSeconds > 0 ? { durationSeconds: probe.durationSeconds } : {}),
    siteSubtitles: [],
  };
}

function notMedia(sourceBlob: string, why: string): WorkerError {
  return new WorkerError(
    'NOT_MEDIA',
    `The uploaded file ${sourceBlob} is not audio or video that can be processed (${why.slice(0, 300)}).`,
  );
}
