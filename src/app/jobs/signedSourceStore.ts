import type { BlobServiceClient } from '@azure/storage-blob';
import { redactSourceUrl } from '../../shared/redaction/redactSourceUrl.js';
import { hostBlobServiceClient } from '../callback/hostBlobServiceClient.js';
import { deleteSystemBlob, getSystemBlob, putSystemBlob } from '../callback/systemBlobs.js';

const PREFIX = 'signed-sources';

/** True when a source URL has parts that may carry credentials (`?sig=…`, `#…`) and must be kept out of history. */
export function hasSignedParts(url: string): boolean {
  return redactSourceUrl(url) !== url;
}

/**
 * Where the full URL of a signed source waits for its container: one blob per job in the host
 * storage account's system container, written by the starter with the app's identity. The
 * orchestration's input (which the Durable status API shows) holds only the redacted URL; the
 * container activity reads the full one from here and hands it to the worker as a secure value.
 */
export interface SignedSourceStore {
  save(jobId: string, url: string): Promise<void>;
  /** The full URL kept for a job, or undefined when none was kept. */
  load(jobId: string): Promise<string | undefined>;
  /** Deletes the kept URL once the job has ended; true when there was one. */
  forget(jobId: string): Promise<boolean>;
}

export class BlobSignedSourceStore implements SignedSourceStore {
  constructor(private readonly blobService: () => BlobServiceClient = () => hostBlobServiceClient()) {}

  save(jobId: string, url: string): Promise<void> {
    return putSystemBlob(this.blobService(), `${PREFIX}/${jobId}`, url, 'text/plain');
  }

  load(jobId: string): Promise<string | undefined> {
    return getSystemBlob(this.blobService(), `${PREFIX}/${jobId}`);
  }

  forget(jobId: string): Promise<boolean> {
    return deleteSystemBlob(this.blobService(), `${PREFIX}/${jobId}`);
  }
}

let shared: SignedSourceStore | undefined;
/** The app's store of signed source URLs in host storage. */
export function appSignedSourceStore(): SignedSourceStore {
  shared ??= new BlobSignedSourceStore();
  return shared;
}
