import { RestError, type BlobServiceClient } from '@azure/storage-blob';
import { redactSourceUrl } from '../../shared/redaction/redactSourceUrl.js';
import { SIGNING_KEY_CONTAINER } from '../callback/callbackSigningKey.js';
import { hostBlobServiceClient } from '../callback/hostBlobServiceClient.js';

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
}

export class BlobSignedSourceStore implements SignedSourceStore {
  constructor(private readonly blobService: () => BlobServiceClient = () => hostBlobServiceClient()) {}

  async save(jobId: string, url: string): Promise<void> {
    const container = this.blobService().getContainerClient(SIGNING_KEY_CONTAINER);
    const blob = container.getBlockBlobClient(`${PREFIX}/${jobId}`);
    const upload = () =>
      blob.upload(url, Buffer.byteLength(url), { blobHTTPHeaders: { blobContentType: 'text/plain' } });
    try {
      await upload();
    } catch (error) {
      // The first job of a fresh storage account: make the system container, then write again.
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
      await container.createIfNotExists();
      await upload();
    }
  }

  async load(jobId: string): Promise<string | undefined> {
    const blob = this.blobService()
      .getContainerClient(SIGNING_KEY_CONTAINER)
      .getBlobClient(`${PREFIX}/${jobId}`);
    try {
      return (await blob.downloadToBuffer()).toString('utf8');
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }
}

let shared: SignedSourceStore | undefined;
/** The app's store of signed source URLs in host storage. */
export function appSignedSourceStore(): SignedSourceStore {
  shared ??= new BlobSignedSourceStore();
  return shared;
}
