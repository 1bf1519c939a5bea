import { randomBytes } from 'node:crypto';
import { RestError, type BlobServiceClient, type BlockBlobClient } from '@azure/storage-blob';
import { SigningKeyUnavailableError } from '../errors/SigningKeyUnavailableError.js';

export const SIGNING_KEY_CONTAINER = 'mediaferry-system';
export const SIGNING_KEY_BLOB = 'callback-signing-key';
const GENERATED_KEY_BYTES = 32;

export interface SigningKeySourceOptions {
  /** CALLBACK_SIGNING_KEY; when set, storage is never touched. */
  configuredKey?: string | undefined;
  /** Host storage, only asked for when no key is configured. */
  blobService?: () => BlobServiceClient;
  /** Which blob of the system container holds the generated key; other secrets use their own. */
  blobName?: string;
}

/**
 * The key behind every callback token. A configured key wins; otherwise one is generated on first
 * use and kept in the host storage account so every instance and every redeploy signs alike.
 * Creation is race-safe: the first writer wins (If-None-Match: *) and everyone reads the winner back.
 */
export class CallbackSigningKeySource {
  private pending: Promise<Buffer> | undefined;
  private readonly location: string;

  constructor(private readonly options: SigningKeySourceOptions) {
    this.location = `${SIGNING_KEY_CONTAINER}/${options.blobName ?? SIGNING_KEY_BLOB}`;
  }

  key(): Promise<Buffer> {
    this.pending ??= this.load().catch((error: unknown) => {
      // Forget the failure so the next call tries storage again.
      this.pending = undefined;
      throw error instanceof SigningKeyUnavailableError
        ? error
        : new SigningKeyUnavailableError(this.location, error);
    });
    return this.pending;
  }

  private async load(): Promise<Buffer> {
    if (this.options.configuredKey) return Buffer.from(this.options.configuredKey, 'utf8');
    if (!this.options.blobService)
      throw new SigningKeyUnavailableError(this.location, new Error('no configured key and no host storage'));
    const container = this.options.blobService().getContainerClient(SIGNING_KEY_CONTAINER);
    const blob = container.getBlockBlobClient(this.options.blobName ?? SIGNING_KEY_BLOB);

    const existing = await readKey(blob, this.location);
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
    const stored = await readKey(blob, this.location);
    if (!stored)
      throw new SigningKeyUnavailableError(
        this.location,
        new Error('the key blob vanished after it was written'),
      );
    return stored;
  }
}

async function readKey(blob: BlockBlobClient, location: string): Promise<Buffer | undefined> {
  try {
    const text = (await blob.downloadToBuffer()).toString('utf8').trim();
    const key = Buffer.from(text, 'base64');
    if (key.length < GENERATED_KEY_BYTES)
      throw new SigningKeyUnavailableError(location, new Error('the stored key is shorter than 32 bytes'));
    return key;
  } catch (error) {
    if (error instanceof RestError && error.statusCode === 404) return undefined;
    throw error;
  }
}
