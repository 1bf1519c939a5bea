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
