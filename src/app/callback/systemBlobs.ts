import { RestError, type BlobServiceClient } from '@azure/storage-blob';
import type { z } from 'zod';
import { SIGNING_KEY_CONTAINER } from './callbackSigningKey.js';

/**
 * Small blobs the app keeps for itself in the host storage account's system container (progress
 * records, signed source URLs), written and read with the app's identity.
 */
export async function putSystemBlob(
  blobService: BlobServiceClient,
  name: string,
  body: string,
  contentType: string,
): Promise<void> {
  const container = blobService.getContainerClient(SIGNING_KEY_CONTAINER);
  const blob = container.getBlockBlobClient(name);
  const upload = () =>
    blob.upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: contentType } });
  try {
    await upload();
  } catch (error) {
    // The first write to a fresh storage account: make the system container, then write again.
    if (!(error instanceof RestError && error.statusCode === 404)) throw error;
    await container.createIfNotExists();
    await upload();
  }
}

/** A system blob's text, or undefined when there is no such blob. */
export async function getSystemBlob(
  blobService: BlobServiceClient,
  name: string,
): Promise<string | undefined> {
  const blob = blobService.getContainerClient(SIGNING_KEY_CONTAINER).getBlobClient(name);
  try {
    return (await blob.downloadToBuffer()).toString('utf8');
  } catch (error) {
    if (error instanceof RestError && error.statusCode === 404) return undefined;
    throw error;
  }
}

/**
 * A system blob's JSON record as `schema` reads it; undefined when there is none or it is not one
 * (an unreadable record counts as absent, never as a failure of the job).
 */
export function parseSystemRecord<T>(schema: z.ZodType<T>, text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Deletes a system blob; true when there was one. */
export async function deleteSystemBlob(blobService: BlobServiceClient, name: string): Promise<boolean> {
  const blob = blobService.getContainerClient(SIGNING_KEY_CONTAINER).getBlobClient(name);
  return (await blob.deleteIfExists()).succeeded;
}
