import { HttpError } from '../errors/HttpError.js';

/** 405 with the methods a route does serve, so a wrong method is told apart from an unknown route. */
export function methodNotAllowed(method: string, allowed: readonly string[]): HttpError {
  return new HttpError(
    405,
    'METHOD_NOT_ALLOWED',
    `${method} is not served here; use ${allowed.join(' or ')}.`,
    { retryable: false, headers: { Allow: allowed.join(', ') } },
  );
}
