import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the recorder received, with what it answered. */
export interface CallbackAttempt {
  /** Last path segment: `JobProgress` or `JobFinished`. */
  eventName: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
  status: number;
  at: number;
}

export interface CallbackRecorder {
  /** Base URL to give the worker as MF_CALLBACK_URL (the event name is appended to it). */
  baseUrl: string;
  port: number;
  /** Every request answered, accepted or not, in arrival order. */
  readonly attempts: readonly CallbackAttempt[];
  /** Accepted (202) events only. */
  accepted(eventName?: string): CallbackAttempt[];
  /**
   * Answers the next `count` requests (default: all, until `answerNormally`) with `status` instead
   * of 202; only requests for `eventName` when given.
   */
  answerWith(
    status: number,
    options?: { count?: number; headers?: Record<string, string>; eventName?: string },
  ): void;
  answerNormally(): void;
  /** Stops listening: connections are refused until `acceptConnections`. */
  refuseConnections(): Promise<void>;
  /** Listens again, on the same port. */
  acceptConnections(): Promise<void>;
  /** Refuses connections for `ms`, then listens again on the same port. */
  refuseConnectionsFor(ms: number): Promise<void>;
  /** Resolves with the first accepted event of that name; rejects after `timeoutMs`. */
  waitFor(eventName: string, timeoutMs: number): Promise<CallbackAttempt>;
  close(): Promise<void>;
}

/**
 * A stand-in for the app's job callback on 127.0.0.1: it checks the bearer token like the real one
 * (401 when wrong), records every event, and can misbehave on demand (503s, 410, refused connections)
 * to test a worker's delivery retries.
 */
export async function startCallbackRecorder(options: {
  token: string;
  basePath?: string;
}): Promise<CallbackRecorder> {
  const basePath = options.basePath ?? '/api/jobs/test-instance/events';
  const attempts: CallbackAttempt[] = [];
  const waiters: { eventName: string; resolve: (a: CallbackAttempt) => void }[] = [];
  let override:
    | { status: number; remaining: number; headers: Record<string, string>; eventName: string | undefined }
    | undefined;
  let closed = false;
  const sockets = new Set<Socket>();

  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  };

  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const eventName = path.split('/').at(-1) ?? '';
      let status = 202;
      let headers: Record<string, string> = {};
      if (override && override.remaining > 0 && (!override.eventName || override.eventName === eventName)) {
        status = override.status;
        headers = override.headers;
        override.remaining -= 1;
      } else if (req.method !== 'POST' || !path.startsWith(`${basePath}/`)) {
        status = 404;
      } else if (req.headers.authorization !== `Bearer ${options.token}`) {
        status = 401;
      }
      const attempt: CallbackAttempt = {
        eventName,
        path,
        authorization: req.headers.authorization,
        body,
        status,
        at: Date.now(),
      };
      attempts.push(attempt);
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify({ status }));
      if (status === 202)
        for (const waiter of waiters.filter((w) => w.eventName === eventName)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(attempt);
        }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  const listenAgain = () =>
    new Promise<void>((resolve) => {
      if (closed || server.listening) return resolve();
      server.listen(port, '127.0.0.1', resolve);
    });

  return {
    baseUrl: `http://127.0.0.1:${port}${basePath}`,
    port,
    attempts,
    accepted: (eventName) =>
      attempts.filter((a) => a.status === 202 && (!eventName || a.eventName === eventName)),
    answerWith: (status, { count = Number.POSITIVE_INFINITY, headers = {}, eventName } = {}) => {
      override = { status, remaining: count, headers, eventName };
    },
    answerNormally: () => {
      override = undefined;
    },
    refuseConnections: stopListening,
    acceptConnections: listenAgain,
    refuseConnectionsFor: async (ms) => {
      await stopListening();
      setTimeout(() => void listenAgain(), ms);
    },
    waitFor: (eventName, timeoutMs) => {
      const found = attempts.find((a) => a.status === 202 && a.eventName === eventName);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${eventName} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          eventName,
          resolve: (a) => {
            clearTimeout(timer);
            resolve(a);
          },
        });
      });
    },
    close: async () => {
      closed = true;
      await stopListening();
    },
  };
}
