import { z } from 'zod';

/** `201` of `POST /api/uploads`: where to put the file, until when, and the job it will start. */
export const uploadAnswerSchema = z.strictObject({
  uploadId: z.string().regex(/^[a-f0-9]{32}$/),
  /** A create/write-only user-delegation SAS URL for exactly `blobName`. */
  uploadUrl: z.string().url(),
  expiresAt: z.iso.datetime(),
  jobId: z.string(),
  /** `incoming/<uploadId>/<filename>`, as the job view's `source.blob` will name it. */
  blobName: z.string(),
});
export type UploadAnswer = z.infer<typeof uploadAnswerSchema>;
