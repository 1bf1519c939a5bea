import { randomBytes } from 'node:crypto';
import { RestError, type BlobServiceClient, type BlockBlobClient } from '@azure/storage-blob';
import { SigningKeyUnavailableError } from '../errors/SigningKeyUnavailableError.js';

export const SIGNING_KEY_CONTAINER = 'mediaferry-system';
export const SIGNING_KEY_BLOB = 'callback-signing-key';
const GENERATED_KEY_BYTES = 32;
const KEY_LOCATION = `${SIGNING_KEY_CONTAINER}/${SIGNING_KEY_BLOB}`;

export interface SigningKeySourceOptions {
  /** CALLBACK_SIGNING_KEY; when set, storage is never touched. */
  configuredKey?: string | undefined;
  /** Host storage, only asked for when no key is configured. */
  blobService?: () => BlobServiceClient;
}

/**
 * The key behind every callback token. A configured key wins; otherwise one is generated on first
 * use and kept in the host storage account so every instance and every redeploy signs alike.
 * Creation is race-safe: the first writer wins (If-None-Match: *) and everyone reads the winner back.
 */
export class CallbackSigningKeySource {
  private pending: Promise<Buffer> | undefined;

  constructor(private readonly options: SigningKeySourceOptions) {}

  key(): Promise<Buffer> {
    this.pending ??= this.load().catch((error: unknown) => {
      // Forget the failure so the next call tries storage again.
      this.pending = undefined;
      throw error instanceof SigningKeyUnavailableError
        ? error
        : new SigningKeyUnavailableError(KEY_LOCATION, error);
    });
    return this.pending;
  }

  private async load(): Promise<Buffer> {
    if (this.options.configuredKey) return Buffer.from(this.options.configuredKey, 'utf8');
    if (!this.options.blobService)
      throw new SigningKeyUnavailableError(
        KEY_LOCATION,
        new Error('no CALLBACK_SIGNING_KEY and no host storage'),
      );
    const container = this.options.blobService().getContainerClient(SIGNING_KEY_CONTAINER);
    const blob = container.getBlockBlobClient(SIGNING_KEY_BLOB);

    const existing = await readKey(blob);
    if (existing) return existing;

    await container.createIfNotExists();
    const candidate = randomBytes(GENERATED_KEY_BYTES).toString('base64');
    try {
      await blob.upload(candidate, Buffer.byteLength(candidate), {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'text/plain' },
      });
    } catch (error) {
      // Another instance created it first (409 BlobAlreadyExists, or 412 on some services): use theirs.
      if (!(error instanceof RestError && (error.statusCode === 409 || error.statusCode === 412)))
        throw error;
    }
    const stored = await readKey(blob);
    if (!stored)
      throw new SigningKeyUnavailableError(
        KEY_LOCATION,
        new Error('the key blob vanished after it was written'),
      );
    return stored;
  }
}

async function readKey(blob: BlockBlobClient): Promise<Buffer | undefined> {
  try {
    const text = (await blob.downloadToBuffer()).toString('utf8').trim();
    const key = Buffer.from(text, 'base64');
    if (key.length < GENERATED_KEY_BYTES)
      throw new SigningKeyUnavailableError(
        KEY_LOCATION,
        new Error('the stored key is shorter than 32 bytes'),
      );
    return key;
  } catch (error) {
    if (error instanceof RestError && error.statusCode === 404) return undefined;
    throw error;
  }
}
