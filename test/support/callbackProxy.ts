import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ForwardedCallback {
  instanceId: string;
  eventName: string;
  /** When the proxy received the worker's request (ms since the epoch). */
  receivedAt: number;
  /** Status of each delivery to the app (two when duplicated); 0 when the app could not be reached. */
  statuses: number[];
}

export interface CallbackProxy {
  /** Use as CALLBACK_BASE_URL. */
  origin: string;
  /** Where requests go; set once the host's port is known. */
  target: string;
  /** Deliver every JobFinished twice, at the same time, as a network retry might. */
  duplicateFinished: boolean;
  /** Called with each report and its body once the app has answered it. */
  onForwarded?: (record: ForwardedCallback, body: Buffer) => void | Promise<void>;
  readonly forwarded: ForwardedCallback[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A loopback proxy between job workers and the app's callback endpoint that records when each
 * report arrived and what the app answered, and can duplicate final reports.
 */
export async function startCallbackProxy(): Promise<CallbackProxy> {
  const forwarded: ForwardedCallback[] = [];
  const proxy: CallbackProxy = {
    origin: '',
    target: '',
    duplicateFinished: false,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    void (async () => {
      const receivedAt = Date.now();
      const body = await readBody(req);
      const match = /\/api\/jobs\/([^/]+)\/events\/([^/?]+)/.exec(req.url ?? '');
      const record: ForwardedCallback = {
        instanceId: decodeURIComponent(match?.[1] ?? ''),
        eventName: match?.[2] ?? '',
        receivedAt,
        statuses: [],
      };
      forwarded.push(record);
      const deliver = async () => {
        try {
          const response = await fetch(`${proxy.target}${req.url ?? '/'}`, {
            method: req.method ?? 'POST',
            headers: {
              'content-type': req.headers['content-type'] ?? 'application/json',
              authorization: req.headers.authorization ?? '',
            },
            body,
            signal: AbortSignal.timeout(20_000),
          });
          const text = await response.text();
          record.statuses.push(response.status);
          return { status: response.status, text, retryAfter: response.headers.get('retry-after') };
        } catch {
          record.statuses.push(0);
          return { status: 502, text: '{"error":{"code":"BAD_GATEWAY"}}', retryAfter: null };
        }
      };
      const copies = proxy.duplicateFinished && record.eventName === 'JobFinished' ? 2 : 1;
      const answers = await Promise.all(Array.from({ length: copies }, deliver));
      await proxy.onForwarded?.(record, body);
      const first = answers[0]!;
      res.writeHead(first.status, {
        'content-type': 'application/json',
        ...(first.retryAfter ? { 'retry-after': first.retryAfter } : {}),
      });
      res.end(first.text);
    })().catch(() => {
      res.writeHead(502).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
