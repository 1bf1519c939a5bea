import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmulatorError } from './EmulatorError.js';

/**
 * Answers with `body` as JSON and a correct length; without a body, an empty answer. Extra headers
 * are added last, so they may override the defaults.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** A request body over the reader's limit; the body was drained so the connection stays usable. */
export class BodyTooLargeError extends EmulatorError {
  constructor(readonly limitBytes: number) {
    super(413, 'RequestBodyTooLarge', `Request bodies are limited to ${limitBytes} bytes.`);
  }
}

/** The whole request body; throws BodyTooLargeError (after draining the rest) above `limitBytes`. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
    });
    req.on('end', () =>
      size > limitBytes ? reject(new BodyTooLargeError(limitBytes)) : resolveBody(Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}

/**
 * Listens on 127.0.0.1 only (0 picks a free port) and resolves with the port; a port in use
 * rejects with an EmulatorError naming it, so the caller can pick another.
 */
export function listenOnLoopback(server: Server, port = 0): Promise<number> {
  return new Promise((resolveListen, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new EmulatorError(
              500,
              'PortInUse',
              `Port ${port} is in use; pass another port (0 picks a free one).`,
              true,
              { cause: error },
            )
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolveListen((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Stops listening and resolves once every connection is closed: idle ones at once, busy ones after
 * `graceMs` (0 closes them all at once, as a service that is being torn down does).
 */
export async function closeServer(server: Server, graceMs = 0): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  if (graceMs <= 0) {
    server.closeAllConnections();
    await closed;
    return;
  }
  server.closeIdleConnections();
  const grace = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(grace);
}
