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
