import { HttpError } from '../errors/HttpError.js';

/** 400 for a request the app refuses: a stable code, a message, and the field at fault if one is. */
export function badRequest(code: string, message: string, field?: string): HttpError {
  return new HttpError(400, code, message, { retryable: false, ...(field ? { field } : {}) });
}
