import { afterAll, beforeAll } from 'vitest';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, type RunningAzurite } from '../../emulator/azurite/startAzurite.js';

/**
 * Starts Azurite before the enclosing suite's tests and stops it after them. The answer gives the
 * running Azurite (call it from a test or hook, once it runs).
 */
export function useAzurite(): () => RunningAzurite {
  let azurite: RunningAzurite | undefined;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(() => azurite?.stop());
  return () => {
    if (!azurite) throw new Error('Azurite is not running: use it inside a test or hook.');
    return azurite;
  };
}

/** As useAzurite; the answer makes a BlobServiceClient for it on each call. */
export function useAzuriteBlobService(): () => BlobServiceClient {
  const azurite = useAzurite();
  return () => BlobServiceClient.fromConnectionString(azurite().connectionString);
}
