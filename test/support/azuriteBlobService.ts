import { afterAll, beforeAll } from 'vitest';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, type RunningAzurite } from '../../emulator/azurite/startAzurite.js';

/**
 * Starts Azurite before the enclosing suite's tests and stops it after them. The answer makes a
 * BlobServiceClient for it on each call (call it from a test or hook, once Azurite runs).
 */
export function useAzuriteBlobService(): () => BlobServiceClient {
  let azurite: RunningAzurite | undefined;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(() => azurite?.stop());
  return () => {
    if (!azurite) throw new Error('Azurite is not running: use the blob service inside a test or hook.');
    return BlobServiceClient.fromConnectionString(azurite.connectionString);
  };
}
