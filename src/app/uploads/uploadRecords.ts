import type { BlobServiceClient } from '@azure/storage-blob';
import { z } from 'zod';
import { hostBlobServiceClient } from '../callback/hostBlobServiceClient.js';

/** Container in the host storage account that keeps one record per upload. */
export const UPLOAD_RECORDS_CONTAINER = 'mediaferry-uploads';

/** What POST /api/uploads registered: the blob to come and the job options it starts with. */
export const uploadRecordSchema = z.object({
  uploadId: z.string().regex(/^[a-f0-9]{32}$/),
  /** The blob name inside `incoming`. */
  blobName: z.string().min(1),
  contentType: z.string(),
  bytes: z.number().int().positive().optional(),
  /** The job's options as submitted (validated again when the job starts). */
  options: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  /** The signed-in user who registered the upload; their job carries their owner prefix. */
  owner: z.object({ key: z.string().regex(/^[0-9a-f]{16}$/), name: z.string().min(1) }).optional(),
});
export type UploadRecord = z.infer<typeof uploadRecordSchema>;

/** Upload records in the host's own storage account (the app's identity already reads and writes it). */
export class UploadRecords {
  constructor(private readonly service: () => BlobServiceClient = () => hostBlobServiceClient()) {}

  private blob(uploadId: string) {
    return this.service().getContainerClient(UPLOAD_RECORDS_CONTAINER).getBlockBlobClient(`${uploadId}.json`);
  }

  /** Writes the record create-only: an upload id names one upload, ever. */
  async save(record: UploadRecord): Promise<void> {
    const body = JSON.stringify(record);
    await this.service().getContainerClient(UPLOAD_RECORDS_CONTAINER).createIfNotExists();
    await this.blob(record.uploadId).upload(body, Buffer.byteLength(body), {
      conditions: { ifNoneMatch: '*' },
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  }

  /** The record of an upload id, or undefined when none was registered (a dropped blob). */
  async find(uploadId: string): Promise<UploadRecord | undefined> {
    try {
      const buffer = await this.blob(uploadId).downloadToBuffer();
      const parsed = uploadRecordSchema.safeParse(JSON.parse(buffer.toString('utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }
}
