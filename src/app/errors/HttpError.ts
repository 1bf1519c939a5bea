import { MediaferryError } from '../../shared/errors/MediaferryError.js';

/**
 * A request the app refuses, with the status and stable code the caller sees. Handlers throw these
 * and one place turns them into `{ "error": { code, message, field? } }` responses.
 */
export class HttpError extends MediaferryError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: {
      field?: string;
      /** Whether sending the same request again later could succeed. */
      retryable?: boolean;
      headers?: Record<string, string>;
      /** Extra members of the error body (e.g. the settings a BAD_CONFIG names). */
      extra?: Record<string, unknown>;
    } = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  get retryable(): boolean {
    return this.details.retryable ?? this.status >= 500;
  }
}
