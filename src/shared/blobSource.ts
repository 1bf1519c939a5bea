import type { z } from 'zod';
import {
  checkedString,
  formatFieldPath,
  notifyEmailSchema,
  unkeyedJobRequestSchema,
  type JobRequest,
  type JobRequestPolicy,
  type RequestProblem,
} from './contracts.js';

/** The container uploads land in; a blob created there starts a job. */
export const INCOMING_CONTAINER = 'incoming';

/** Longest blob name Azure Storage accepts. */
const MAX_BLOB_NAME = 1024;

/**
 * Why `path` (`incoming/<blob name>`) is not a source blob a job may read, or undefined when it is:
 * it must sit in the incoming container and be a plain relative name (the storage SDK and some
 * proxies resolve `.` and `..` segments, and control characters do not survive headers and logs).
 */
export function sourceBlobProblem(path: string): string | undefined {
  const prefix = `${INCOMING_CONTAINER}/`;
  if (!path.startsWith(prefix)) return `the source blob must be in the ${INCOMING_CONTAINER} container`;
  const name = path.slice(prefix.length);
  if (name.length === 0 || name.length > MAX_BLOB_NAME)
    return `the blob name must be 1 to ${MAX_BLOB_NAME} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(name)) return 'the blob name holds a control character or a backslash';
  if (name.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'))
    return 'the blob name has an empty, "." or ".." segment';
  return undefined;
}

/**
 * A job whose source is a blob in `incoming` (an upload, or a blob dropped there): the job options
 * of a URL job, with `sourceBlob` (`incoming/<name>`) in place of `url`. Only the app builds these,
 * from its upload records and blob events; no HTTP request names a source blob.
 */
export function blobJobRequestSchema(policy: JobRequestPolicy) {
  return unkeyedJobRequestSchema(
    policy,
    { sourceBlob: checkedString(sourceBlobProblem, 'INVALID_SOURCE_BLOB') },
    { notifyEmail: notifyEmailSchema.optional() },
  );
}
export type BlobJobRequest = z.infer<ReturnType<typeof blobJobRequestSchema>>;

/** What a job runs on: a URL (yt-dlp) or a blob in `incoming`. */
export type JobSpec = JobRequest | BlobJobRequest;

export function isBlobJob(request: JobSpec): request is BlobJobRequest {
  return 'sourceBlob' in request && typeof request.sourceBlob === 'string';
}

/** The first problem of a zod failure as a stable code, a message and the field. */
export function firstProblem(error: z.ZodError): RequestProblem {
  const issue = error.issues[0];
  if (!issue) return { code: 'INVALID_REQUEST', message: 'The request is invalid.' };
  if (issue.code === 'unrecognized_keys')
    return {
      code: 'UNKNOWN_FIELD',
      message: `Unknown field(s): ${issue.keys.join(', ')}.`,
      ...(issue.keys[0] ? { field: issue.keys[0] } : {}),
    };
  const field = formatFieldPath(issue.path) || undefined;
  const custom = issue.code === 'custom' ? (issue.params as { code?: string } | undefined)?.code : undefined;
  return {
    code: custom ?? 'INVALID_FIELD',
    message: field ? `${field}: ${issue.message}` : issue.message,
    ...(field ? { field } : {}),
  };
}

export function parseBlobJobRequest(
  value: unknown,
  policy: JobRequestPolicy,
): { ok: true; request: BlobJobRequest } | { ok: false; problem: RequestProblem } {
  const result = blobJobRequestSchema(policy).safeParse(value);
  return result.success
    ? { ok: true, request: result.data }
    : { ok: false, problem: firstProblem(result.error) };
}
