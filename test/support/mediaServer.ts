import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

/**
 * How the server answers requests under a path prefix, instead of serving the file:
 * - `status`: answer with this status code and a short text body;
 * - `stall`: accept the request and never answer (the client's timeout must fire);
 * - `stallAfter`: send the headers and the first `bytes` bytes of the file, then go silent;
 * - `throttle`: serve the file at about `bytesPerSecond`.
 */
export type MediaRouteBehaviour =
  | { kind: 'status'; status: number }
  | { kind: 'stall' }
  | { kind: 'stallAfter'; bytes: number }
  | { kind: 'throttle'; bytesPerSecond: number };

export interface ServedRequest {
  method: string;
  path: string;
  range: string | undefined;
  status: number;
  /** Body bytes written so far (stops growing when the client goes away). */
  bytesSent: number;
  /** When the request arrived (ms since the epoch). */
  at: number;
}

export interface MediaServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /** Absolute URL of a path under the served folder (`hls/master.m3u8` → `http://…/hls/master.m3u8`). */
  url(path: string): string;
  /** Makes requests whose path starts with `prefix` behave as described (replaces earlier rules). */
  setBehaviour(prefix: string, behaviour: MediaRouteBehaviour): void;
  clearBehaviours(): void;
  /** Every request answered (or held) so far, in arrival order. */
  readonly requests: readonly ServedRequest[];
  /** Stops listening and drops every open connection, including stalled ones. */
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4s': 'video/iso.segment',
  '.webm': 'video/webm',
  '.ts': 'video/mp2t',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.html': 'text/html; charset=utf-8',
  '.xml': 'application/rss+xml',
};

/**
 * A static file server on 127.0.0.1 (port chosen by the OS) that behaves like a CDN where tests need
 * it to: byte ranges (206/416), HEAD, content types for media and manifests, and per-path faults
 * (404, stalls, slow responses) for failure tests.
 */
export async function startMediaServer(options: { root: string }): Promise<MediaServer> {
  const rules = new Map<string, MediaRouteBehaviour>();
  const requests: ServedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const entry: ServedRequest = {
      method: req.method ?? 'GET',
      path,
      range: req.headers.range,
      status: 0,
      bytesSent: 0,
      at: Date.now(),
    };
    requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    const behaviour = [...rules.entries()].find(([prefix]) => path.startsWith(prefix))?.[1];
    if (behaviour?.kind === 'stall') {
      entry.status = -1;
      return;
    }
    if (behaviour?.kind === 'status') return sendText(res, behaviour.status, `status ${behaviour.status}\n`);
    serveFile(req, res, options.root, path, behaviour, timers, (bytes) => (entry.bytesSent += bytes));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    url: (path) => `${origin}/${path.replace(/^\/+/, '')}`,
    setBehaviour: (prefix, behaviour) => rules.set(prefix.startsWith('/') ? prefix : `/${prefix}`, behaviour),
    clearBehaviours: () => rules.clear(),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  path: string,
  behaviour: MediaRouteBehaviour | undefined,
  timers: Set<NodeJS.Timeout>,
  countSent: (bytes: number) => void,
): void {
  const file = normalize(join(root, path));
  if (!file.startsWith(normalize(root) + sep)) return sendText(res, 403, 'forbidden\n');
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) return sendText(res, 404, 'not found\n');
    size = stat.size;
  } catch {
    return sendText(res, 404, 'not found\n');
  }

  let start = 0;
  let end = size - 1;
  let status = 200;
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (req.headers.range && range) {
    const [, from = '', to = ''] = range;
    if (from === '') {
      start = Math.max(0, size - Number(to));
    } else {
      start = Number(from);
      if (to !== '') end = Math.min(Number(to), size - 1);
    }
    if (start >= size || start > end) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` });
      return void res.end();
    }
    status = 206;
  }
  const headers: Record<string, string | number> = {
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': end - start + 1,
    'Accept-Ranges': 'bytes',
  };
  if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') return void res.end();

  if (behaviour?.kind === 'stallAfter') {
    const stream = createReadStream(file, { start, end: Math.min(end, start + behaviour.bytes - 1) });
    stream.on('data', (chunk) => {
      countSent(chunk.length);
      res.write(chunk);
    });
    return;
  }
  if (behaviour?.kind === 'throttle') {
    const chunkBytes = Math.max(1, Math.floor(behaviour.bytesPerSecond / 10));
    const stream = createReadStream(file, { start, end, highWaterMark: chunkBytes });
    stream.on('data', (chunk) => {
      stream.pause();
      countSent(chunk.length);
      res.write(chunk);
      const timer = setTimeout(() => {
        timers.delete(timer);
        stream.resume();
      }, 100);
      timers.add(timer);
    });
    stream.on('end', () => res.end());
    res.on('close', () => stream.destroy());
    return;
  }
  const stream = createReadStream(file, { start, end });
  stream.on('data', (chunk) => countSent(chunk.length));
  stream.pipe(res);
  res.on('close', () => stream.destroy());
}
