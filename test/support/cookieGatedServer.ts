import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CookieGatedServer {
  origin: string;
  /** URL of the one file it serves. */
  url: string;
  /** Each request and whether it carried the required cookie. */
  readonly requests: readonly { method: string; withCookie: boolean; status: number }[];
  close(): Promise<void>;
}

/**
 * A loopback media server like a site that needs a signed-in session: it serves `file` only to a
 * request carrying `cookie` (name=value), and answers 403 to any other.
 */
export async function startCookieGatedServer(options: {
  file: string;
  cookie: { name: string; value: string };
}): Promise<CookieGatedServer> {
  const body = readFileSync(options.file);
  const requests: { method: string; withCookie: boolean; status: number }[] = [];
  const server = createServer((req, res) => {
    const cookies = (req.headers.cookie ?? '').split(/;\s*/);
    const withCookie = cookies.includes(`${options.cookie.name}=${options.cookie.value}`);
    const status = withCookie ? 200 : 403;
    requests.push({ method: req.method ?? '', withCookie, status });
    if (!withCookie) {
      res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' });
      return res.end('sign in first\n');
    }
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: `${origin}/members/clip.mp4`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
