import type { HttpRequest } from '@azure/functions';
import { HttpError } from '../errors/HttpError.js';

/**
 * Reads a request body as UTF-8 text, refusing more than `maxBytes` (413) without buffering the
 * rest. A declared Content-Length over the cap is refused before reading anything.
 */
export async function readLimitedBody(request: HttpRequest, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    new HttpError(413, 'REQUEST_TOO_LARGE', `The request body is larger than ${maxBytes} bytes.`, {
      retryable: false,
    });
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!request.body) return '';

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer);
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    return text.decode(Buffer.concat(chunks));
  } catch {
    throw new HttpError(400, 'INVALID_ENCODING', 'The request body is not valid UTF-8 text.', {
      retryable: false,
    });
  }
}

/** The media type of a request without parameters, lower-cased; '' when there is none. */
export function mediaTypeOf(request: HttpRequest): string {
  const header = request.headers.get('content-type') ?? '';
  return (header.split(';')[0] ?? '').trim().toLowerCase();
}

/** `text` parsed as JSON; text that is not JSON is a 400 INVALID_JSON saying that `what` is not. */
export function parseJsonText(text: string, what = 'The body'): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'INVALID_JSON', `${what} is not valid JSON.`, { retryable: false });
  }
}

/** The request body (at most `maxBytes`, as for readLimitedBody) parsed as JSON. */
export async function readJsonBody(request: HttpRequest, maxBytes: number, what?: string): Promise<unknown> {
  return parseJsonText(await readLimitedBody(request, maxBytes), what);
}

/** The 415 answer to a body of a media type the route does not take; `message` says what to send. */
export function unsupportedMediaType(message: string): HttpError {
  return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', message, { retryable: false });
}
