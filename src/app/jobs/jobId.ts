import { HttpError } from '../errors/HttpError.js';

/**
 * Ids the starters give out: 32 hex digits, or a prefix and 32 hex digits — `idem-` for an
 * idempotency key, `upload-` for an upload's job, `blob-` for a blob dropped into incoming — and,
 * for a signed-in user's job, all of that after the owner prefix `o<16 hex>-` (src/app/auth/caller.ts).
 */
const JOB_ID = /^(?:o[0-9a-f]{16}-)?(?:(?:idem|upload|blob)-)?[0-9a-f]{32}$/;

/** The `{id}` route parameter, refused with a 400 before any backend call when it cannot be a job id. */
export function jobIdFrom(params: Record<string, string | undefined>): string {
  const id = params.id ?? '';
  if (!JOB_ID.test(id))
    throw new HttpError(
      400,
      'INVALID_JOB_ID',
      'A job id is 32 lowercase hex digits, optionally prefixed with "idem-", "upload-" or "blob-" and an owner prefix, as the submit or upload answer gives it.',
      { retryable: false, field: 'id' },
    );
  return id;
}

export function jobNotFound(id: string): HttpError {
  return new HttpError(404, 'JOB_NOT_FOUND', `No job with id ${id}.`, { retryable: false });
}
