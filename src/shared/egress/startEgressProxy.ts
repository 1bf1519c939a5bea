import http from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { normaliseHost, type EgressPolicy } from './addressPolicy.js';
import {
  resolveCheckedAddresses,
  systemResolver,
  type HostResolver,
  type ResolvedAddress,
} from './resolveCheckedAddress.js';
import { SourceAddressBlockedError } from './SourceAddressBlockedError.js';
import { connectThroughProxy, UpstreamProxyError, type UpstreamProxy } from './upstreamProxy.js';

/** Status line of a refusal: yt-dlp and ffmpeg print the reason phrase, so the worker can tell it apart. */
export const EGRESS_REFUSED_STATUS = { code: 403, reason: 'Source Address Blocked' } as const;
/** Header on every refusal, for clients that keep the headers rather than the status line. */
export const EGRESS_REFUSED_HEADER = 'x-mediaferry-egress';

export interface EgressRefusal {
  host: string;
  port: number;
  reason: SourceAddressBlockedError['reason'];
}

export interface EgressProxyOptions {
  policy: EgressPolicy;
  /** Name resolution, once per request; tests inject answers here. */
  resolve?: HostResolver;
  /** Opens the upstream TCP connection to an address already checked; tests may forbid it outright. */
  dial?: (address: ResolvedAddress, port: number) => Socket;
  log?: (line: string) => void;
  /**
   * The operator's proxy: every checked connection is then a CONNECT tunnel through it to the checked
   * address (never the name), instead of a direct connection. Its own address is configuration, not
   * a source, and is not held to the policy.
   */
  upstream?: UpstreamProxy;
}

export interface EgressProxy {
  /** `http://127.0.0.1:<port>`, for yt-dlp's --proxy and ffmpeg's http_proxy. */
  url: string;
  /** Every connection refused so far, in order. */
  readonly refusals: readonly EgressRefusal[];
  close(): Promise<void>;
}

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

function defaultDial(address: ResolvedAddress, port: number): Socket {
  return connect({ host: address.address, port, family: address.family });
}

/** Resolves once the dialled socket is connected; a dial that throws or fails rejects. */
function connected(dial: () => Socket): Promise<Socket> {
  return new Promise((resolveSocket, reject) => {
    const socket = dial();
    const onError = (error: Error) => reject(error);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolveSocket(socket);
    });
  });
}

/** `host:port` of a CONNECT target; undefined when malformed. */
function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]@]+):(\d{1,5})$/.exec(authority);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) return undefined;
  return { host: normaliseHost(match[1] as string), port };
}

/**
 * A forward proxy on 127.0.0.1 that the worker points yt-dlp (and the ffmpeg it runs) at, so every
 * connection they make (each redirect hop, manifest, segment, embedded URL) is checked after name
 * resolution. Handles CONNECT (https) and absolute-form http requests; each target is resolved
 * once, every address is checked, and the connection goes to the checked address. Refusals answer
 * `403 Source Address Blocked` and are recorded in `refusals`.
 */
export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const resolve = options.resolve ?? systemResolver;
  const dial = options.dial ?? defaultDial;
  const log = options.log ?? (() => undefined);
  const upstreamProxy = options.upstream;
  /** A connection to a checked address: direct, or tunnelled through the upstream proxy. */
  const open = (address: ResolvedAddress, port: number): Promise<Socket> =>
    upstreamProxy
      ? connectThroughProxy(upstreamProxy, address.address, port)
      : connected(() => dial(address, port));
  const openFailed = (host: string, port: number, error: unknown) =>
    log(
      error instanceof UpstreamProxyError
        ? `egress: ${host}:${port} failed: ${error.message}`
        : `egress: ${host}:${port} failed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  const refusals: EgressRefusal[] = [];
  const sockets = new Set<Duplex>();

  const refuse = (host: string, port: number, reason: EgressRefusal['reason']) => {
    refusals.push({ host, port, reason });
    const error = new SourceAddressBlockedError(host, port, reason);
    log(`egress refused: ${error.message}`);
    return error;
  };

  /** Resolves and checks; undefined (after recording the refusal) when refused; throws on DNS failure. */
  const checkedTarget = async (host: string, port: number): Promise<ResolvedAddress | undefined> => {
    try {
      const [first] = await resolveCheckedAddresses(host, port, options.policy, resolve);
      return first;
    } catch (error) {
      if (error instanceof SourceAddressBlockedError) {
        refuse(error.host, error.port, error.reason);
        return undefined;
      }
      throw error;
    }
  };

  const refusalText = (host: string) => `mediaferry egress policy: connections to ${host} are refused\n`;

  const server = http.createServer((req, res) => {
    const send = (status: number, reason: string, text: string, extra: Record<string, string> = {}) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(status, reason, {
        'content-type': 'text/plain',
        'content-length': String(Buffer.byteLength(text)),
        connection: 'close',
        ...extra,
      });
      res.end(text);
    };
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      return send(400, 'Bad Request', 'an absolute-form request target is required\n');
    }
    if (target.protocol !== 'http:') {
      // https goes through CONNECT; anything else (ftp:, file:, gopher:) is never fetched.
      const host = normaliseHost(target.hostname || target.protocol);
      refuse(host, Number(target.port) || 0, 'UNSUPPORTED_SCHEME');
      return send(EGRESS_REFUSED_STATUS.code, EGRESS_REFUSED_STATUS.reason, refusalText(host), {
        [EGRESS_REFUSED_HEADER]: 'refused',
      });
    }
    const host = normaliseHost(target.hostname);
    const port = Number(target.port) || 80;
    // A failure anywhere (DNS, a dial that throws) answers 502; it must never crash the worker.
    checkedTarget(host, port)
      .then((address) => {
        if (!address)
          return send(EGRESS_REFUSED_STATUS.code, EGRESS_REFUSED_STATUS.reason, refusalText(host), {
            [EGRESS_REFUSED_HEADER]: 'refused',
          });
        const headers: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(req.headers))
          if (!HOP_BY_HOP.includes(name) && value !== undefined) headers[name] = value;
        headers.host = target.host;
        return open(address, port).then(
          (socket) => {
            sockets.add(socket);
            socket.on('close', () => sockets.delete(socket));
            const upstream = http.request({
              method: req.method,
              path: `${target.pathname}${target.search}`,
              headers,
              setHost: false,
              createConnection: () => socket,
            });
            upstream.on('response', (answer) => {
              const out: http.OutgoingHttpHeaders = {};
              for (const [name, value] of Object.entries(answer.headers))
                if (!HOP_BY_HOP.includes(name) && value !== undefined) out[name] = value;
              res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
              answer.pipe(res);
            });
            upstream.on('error', (error: NodeJS.ErrnoException) => {
              openFailed(host, port, error);
              send(502, 'Bad Gateway', `could not reach ${host}\n`);
            });
            res.on('close', () => upstream.destroy());
            req.pipe(upstream);
            // A tunnel arrives paused; nothing is read from it before the request is sent.
            socket.resume();
          },
          (error: unknown) => {
            openFailed(host, port, error);
            send(502, 'Bad Gateway', `could not reach ${host}\n`);
          },
        );
      })
      .catch(() => send(502, 'Bad Gateway', `could not reach ${host}\n`));
  });

  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    const answer = (status: number, reason: string, extra = '') =>
      client.end(`HTTP/1.1 ${status} ${reason}\r\n${extra}content-length: 0\r\nconnection: close\r\n\r\n`);
    const authority = parseAuthority(req.url ?? '');
    if (!authority) return answer(400, 'Bad Request');
    checkedTarget(authority.host, authority.port)
      .then((address) => {
        if (!address) {
          answer(
            EGRESS_REFUSED_STATUS.code,
            EGRESS_REFUSED_STATUS.reason,
            `${EGRESS_REFUSED_HEADER}: refused\r\n`,
          );
          return;
        }
        return open(address, authority.port).then(
          (upstream) => {
            sockets.add(upstream);
            upstream.on('close', () => sockets.delete(upstream));
            upstream.on('error', () => client.destroy());
            client.on('close', () => upstream.destroy());
            client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
            if (head.length > 0) upstream.write(head);
            upstream.pipe(client);
            client.pipe(upstream);
          },
          (error: unknown) => {
            openFailed(authority.host, authority.port, error);
            answer(502, 'Bad Gateway');
          },
        );
      })
      .catch(() => answer(502, 'Bad Gateway'));
  });
  // WebSocket and other upgrades are not media downloads; without a listener Node closes the socket.
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    refusals,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
