import type { HttpResponseInit } from '@azure/functions';
import type { HttpError } from '../errors/HttpError.js';

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' } as const;

/** A JSON response with the content type set, as every response of this app is. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponseInit {
  return { status, jsonBody: body, headers: { ...JSON_HEADERS, ...headers } };
}

/** The body shape every error of this app has; never a stack trace. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string; retryable: boolean; [extra: string]: unknown };
}

export function errorResponse(error: HttpError): HttpResponseInit {
  const body: ErrorBody = {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details.field === undefined ? {} : { field: error.details.field }),
      retryable: error.retryable,
      ...error.details.extra,
    },
  };
  return jsonResponse(error.status, body, error.details.headers);
}
