import { MediaferryError } from '../shared/errors/MediaferryError.js';
import { JOB_ERROR_CODES, type KnownJobErrorCode } from '../shared/errors/errorCodes.js';
import type { JobError } from '../shared/contracts.js';

/**
 * A failure of the job the worker runs, carrying the code the user sees. Retryability defaults to
 * the code's catalogue entry and may be narrowed where the worker knows better.
 */
export class WorkerError extends MediaferryError {
  override readonly name = 'WorkerError';
  readonly retryable: boolean;

  constructor(
    readonly code: KnownJobErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? JOB_ERROR_CODES[code].retryable;
  }

  toJobError(): JobError {
    return { code: this.code, message: this.message.slice(0, 2000), retryable: this.retryable };
  }

  /** Any thrown value as a WorkerError; unknown errors become INTERNAL with their message. */
  static from(error: unknown): WorkerError {
    if (error instanceof WorkerError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new WorkerError('INTERNAL', `Unexpected error in the worker: ${redactUrls(message)}`, {
      cause: error,
    });
  }
}

/**
 * Strips query strings and fragments from URLs in text meant for logs and messages: signed source
 * URLs and callback URLs carry their secrets there.
 */
export function redactUrls(text: string): string {
  return text.replace(/(https?:\/\/[^\s?#'"<>]+)[?#][^\s'"<>]*/gi, '$1?…');
}
