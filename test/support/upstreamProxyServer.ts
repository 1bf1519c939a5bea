import http from 'node:http';
import https from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** One CONNECT the proxy received. */
export interface ProxiedConnect {
  authority: string;
  /** The Proxy-Authorization matched the expected credentials (or none were required). */
  authorized: boolean;
  status: number;
}

export interface UpstreamProxyServer {
  /** `http(s)://user:password@127.0.0.1:<port>` when credentials are required, else without them. */
  url: string;
  port: number;
  readonly connects: readonly ProxiedConnect[];
  close(): Promise<void>;
}

/**
 * A forward proxy on 127.0.0.1 standing in for an operator's proxy: CONNECT only, optional Basic
 * credentials (407 without them), and tunnels only to 127.0.0.1 (403 otherwise, so a test can never
 * send traffic anywhere else). Records every CONNECT it gets.
 */
export async function startUpstreamProxyServer(
  options: { credentials?: { user: string; password: string }; tls?: { cert: string; key: string } } = {},
): Promise<UpstreamProxyServer> {
  const connects: ProxiedConnect[] = [];
  const open = new Set<Duplex>();
  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString('base64')}`
    : undefined;
  const refuse = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(405, { connection: 'close' });
    res.end();
  };
  // An https proxy: the client speaks TLS to the proxy itself, then CONNECT inside it.
  const server: http.Server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, refuse)
    : http.createServer(refuse);
  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    const authority = req.url ?? '';
    const authorized = expected === undefined || req.headers['proxy-authorization'] === expected;
    const answer = (status: number, reason: string, extra = '') => {
      connects.push({ authority, authorized, status });
      client.end(`HTTP/1.1 ${status} ${reason}\r\n${extra}content-length: 0\r\nconnection: close\r\n\r\n`);
    };
    if (!authorized)
      return answer(407, 'Proxy Authentication Required', 'proxy-authenticate: Basic realm="test"\r\n');
    const match = /^127\.0\.0\.1:(\d+)$/.exec(authority);
    if (!match) return answer(403, 'Forbidden');
    const target: Socket = connect({ host: '127.0.0.1', port: Number(match[1]) });
    open.add(target);
    target.on('close', () => open.delete(target));
    target.on('error', () => client.destroy());
    target.once('connect', () => {
      connects.push({ authority, authorized, status: 200 });
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) target.write(head);
      target.pipe(client);
      client.pipe(target);
    });
    client.on('close', () => target.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const userInfo = options.credentials
    ? `${encodeURIComponent(options.credentials.user)}:${encodeURIComponent(options.credentials.password)}@`
    : '';
  return {
    url: `${options.tls ? 'https' : 'http'}://${userInfo}127.0.0.1:${port}`,
    port,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
