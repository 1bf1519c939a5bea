import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * The operator's proxy that checked connections leave through. It is a secret as a whole (its
 * address included), so no message names any part of it.
 */
export interface UpstreamProxy {
  protocol: 'http:' | 'https:';
  host: string;
  port: number;
  /** `Basic …` from the URL's user:password, sent as Proxy-Authorization on CONNECT. */
  authorization?: string;
}

/** A proxy URL that cannot be used; the message never repeats the URL (it may hold a password). */
export class UpstreamProxyUrlError extends Error {
  override readonly name = 'UpstreamProxyUrlError';
}

/** The upstream proxy refused or failed a CONNECT; `status` is its answer, when it gave one. */
export class UpstreamProxyError extends Error {
  override readonly name = 'UpstreamProxyError';
  constructor(
    readonly status: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Parses `http://[user:password@]host[:port]` or `https://…`; anything else is refused. */
export function parseUpstreamProxy(text: string): UpstreamProxy {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new UpstreamProxyUrlError('the proxy URL is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UpstreamProxyUrlError(
      `the proxy URL must start with http:// or https:// (got a ${url.protocol} URL; SOCKS proxies are not supported)`,
    );
  if (!url.hostname) throw new UpstreamProxyUrlError('the proxy URL names no host');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash)
    throw new UpstreamProxyUrlError('the proxy URL must have no path, query or fragment');
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw new UpstreamProxyUrlError('the proxy URL has a malformed %-escape in its user name or password');
  }
  return {
    protocol: url.protocol,
    host,
    port,
    ...(user || password
      ? { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` }
      : {}),
  };
}

const MAX_HEAD_BYTES = 16 * 1024;

/**
 * Opens a tunnel to `address:port` through the upstream proxy with CONNECT. The target is the
 * address the egress guard already checked, never a name, so the proxy cannot resolve it to
 * something else. Resolves with the socket once the proxy answers 200; the caller owns it then.
 */
export function connectThroughProxy(
  proxy: UpstreamProxy,
  address: string,
  port: number,
  timeoutMs = 20_000,
): Promise<Socket> {
  const authority = `${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
  return new Promise<Socket>((resolve, reject) => {
    const socket: Socket =
      proxy.protocol === 'https:'
        ? tlsConnect({
            host: proxy.host,
            port: proxy.port,
            ...(isIP(proxy.host) ? {} : { servername: proxy.host }),
          })
        : netConnect({ host: proxy.host, port: proxy.port });
    let head = Buffer.alloc(0);
    const fail = (error: Error) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onError = (error: NodeJS.ErrnoException) =>
      fail(
        new UpstreamProxyError(
          undefined,
          `the upstream proxy could not be reached (${error.code ?? error.message})`,
        ),
      );
    const onTimeout = () =>
      fail(new UpstreamProxyError(undefined, `the upstream proxy did not answer in time`));
    const onClose = () => fail(new UpstreamProxyError(undefined, `the upstream proxy closed the connection`));
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES)
          fail(new UpstreamProxyError(undefined, 'the upstream proxy sent an oversized answer'));
        return;
      }
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1]);
      if (status !== 200)
        return fail(
          new UpstreamProxyError(
            Number.isFinite(status) ? status : undefined,
            `the upstream proxy refused the tunnel to ${authority} (${Number.isFinite(status) ? `HTTP ${status}` : 'not an HTTP answer'})`,
          ),
        );
      cleanup();
      // Paused until the caller pipes it, so no byte after the answer is lost.
      socket.pause();
      socket.setTimeout(0);
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('timeout', onTimeout);
      socket.off('close', onClose);
    };
    socket.setTimeout(timeoutMs);
    socket.on('error', onError);
    socket.on('timeout', onTimeout);
    socket.on('close', onClose);
    socket.on('data', onData);
    socket.once(proxy.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      socket.write(
        `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n` +
          (proxy.authorization ? `Proxy-Authorization: ${proxy.authorization}\r\n` : '') +
          '\r\n',
      );
    });
  });
}
