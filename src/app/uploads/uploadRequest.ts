import { z } from 'zod';
import {
  checkedString,
  notifyEmailSchema,
  unkeyedJobRequestSchema,
  type JobRequestPolicy,
} from '../../shared/contracts.js';
import { firstProblem } from '../../shared/blobSource.js';
import type { RequestProblem } from '../../shared/contracts.js';

/** Media types an upload may declare: audio and video only. */
export const UPLOAD_CONTENT_TYPE = /^(video|audio)\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

/**
 * Why `name` cannot be an upload's file name, or undefined: one path segment (no "/" or "\"), no
 * control characters, not "." or "..", at most 200 characters. It becomes the last segment of the
 * blob name, so it must not be able to name another place.
 */
export function uploadFilenameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 200) return 'must be 1 to 200 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'must not contain control characters';
  if (/[/\\]/.test(name)) return 'must be a file name, not a path (no "/" or "\\")';
  if (name === '.' || name === '..' || name.trim() !== name || name.endsWith('.'))
    return 'must not be "." or "..", start or end with a space, or end with a dot';
  return undefined;
}

/** `POST /api/uploads`: the file to come, and the options of the job it starts (as for a URL job). */
export function uploadRequestSchema(policy: JobRequestPolicy) {
  const file = {
    filename: checkedString(uploadFilenameProblem, 'INVALID_FILENAME'),
    contentType: checkedString(
      (value) =>
        UPLOAD_CONTENT_TYPE.test(value) ? undefined : 'only audio/* and video/* files are accepted',
      'UNSUPPORTED_CONTENT_TYPE',
    ),
    /** The file's size, when known: checked against UPLOAD_MAX_BYTES before any link is issued. */
    bytes: z.number().int().positive().optional(),
  };
  return unkeyedJobRequestSchema(policy, file, { notifyEmail: notifyEmailSchema.optional() });
}
export type UploadRequest = z.infer<ReturnType<typeof uploadRequestSchema>>;

export function parseUploadRequest(
  value: unknown,
  policy: JobRequestPolicy,
): { ok: true; request: UploadRequest } | { ok: false; problem: RequestProblem } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return {
      ok: false,
      problem: {
        code: 'INVALID_REQUEST',
        message: 'Expected a JSON object with "filename" and "contentType".',
      },
    };
  const result = uploadRequestSchema(policy).safeParse(value);
  if (result.success) return { ok: true, request: result.data };
  return { ok: false, problem: firstProblem(result.error) };
}
