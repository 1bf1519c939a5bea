import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP server that answers 200 with a fixed body and records every request it gets. */
export interface RecordingServer {
  port: number;
  origin: string;
  requests: { method: string; url: string; host: string | undefined }[];
  close(): Promise<void>;
}

export async function startRecordingServer(body = 'hello from the source\n'): Promise<RecordingServer> {
  const requests: RecordingServer['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host });
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Two recording servers, one a test's policy lets through and one it refuses; each answers its name. */
export interface AllowedAndRefused {
  allowed: RecordingServer;
  refused: RecordingServer;
  /** Forgets the requests both have recorded (between tests). */
  forgetRequests(): void;
  close(): Promise<void>;
}

export async function startAllowedAndRefused(): Promise<AllowedAndRefused> {
  const [allowed, refused] = await Promise.all([
    startRecordingServer('allowed\n'),
    startRecordingServer('refused\n'),
  ]);
  return {
    allowed,
    refused,
    forgetRequests() {
      allowed.requests.length = 0;
      refused.requests.length = 0;
    },
    close: async () => {
      await Promise.all([allowed.close(), refused.close()]);
    },
  };
}
