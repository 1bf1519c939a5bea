import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EgressPolicy } from '../../../src/shared/egress/addressPolicy.js';
import type { HostResolver } from '../../../src/shared/egress/resolveCheckedAddress.js';
import { startEgressProxy, type EgressProxy } from '../../../src/shared/egress/startEgressProxy.js';
import { parseUpstreamProxy, UpstreamProxyUrlError } from '../../../src/shared/egress/upstreamProxy.js';
import { ensureLocalCertificate } from '../../../emulator/certs/localCertificate.js';
import { startUpstreamProxyServer, type UpstreamProxyServer } from '../../support/upstreamProxyServer.js';
import { startAllowedAndRefused, type AllowedAndRefused, type RecordingServer } from './recordingServer.js';

const PASSWORD = 's3cret-proxy-pass';
let servers: AllowedAndRefused;
let allowed: RecordingServer;
let refused: RecordingServer;
let upstream: UpstreamProxyServer;
const guards: EgressProxy[] = [];

beforeAll(async () => {
  [servers, upstream] = await Promise.all([
    startAllowedAndRefused(),
    startUpstreamProxyServer({ credentials: { user: 'mf', password: PASSWORD } }),
  ]);
  ({ allowed, refused } = servers);
});
afterAll(async () => {
  await Promise.all([servers?.close(), upstream?.close()]);
});
afterEach(async () => {
  await Promise.all(guards.splice(0).map((g) => g.close()));
});

const onlyAllowed = (): EgressPolicy => ({
  allowPrivateSources: false,
  allowedPrivateSources: [`127.0.0.1:${allowed.port}`],
});

async function guardVia(proxyUrl: string, extra: { resolve?: HostResolver; policy?: EgressPolicy } = {}) {
  const lines: string[] = [];
  const guard = await startEgressProxy({
    policy: extra.policy ?? onlyAllowed(),
    upstream: parseUpstreamProxy(proxyUrl),
    log: (line) => lines.push(line),
    ...(extra.resolve ? { resolve: extra.resolve } : {}),
  });
  guards.push(guard);
  return { guard, lines };
}

function getThrough(guard: EgressProxy, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: new URL(guard.url).port,
      path: target,
      headers: { host: new URL(target).host },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connectThrough(
  guard: EgressProxy,
  authority: string,
): Promise<{ status: number; tunnelled?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: new URL(guard.url).port,
      method: 'CONNECT',
      path: authority,
    });
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return resolve({ status: res.statusCode ?? 0 });
      }
      let data = '';
      socket.on('data', (c: Buffer) => (data += c.toString()));
      socket.on('end', () => resolve({ status: 200, tunnelled: data }));
      socket.write(`GET /through-upstream HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the egress guard with an upstream proxy', () => {
  it('sends a checked plain-http request through the upstream proxy, with its credentials', async () => {
    const before = upstream.connects.length;
    const { guard } = await guardVia(upstream.url);
    const answer = await getThrough(guard, `${allowed.origin}/clip.mp4`);
    expect(answer).toEqual({ status: 200, body: 'allowed\n' });
    expect(upstream.connects.slice(before)).toEqual([
      { authority: `127.0.0.1:${allowed.port}`, authorized: true, status: 200 },
    ]);
    expect(allowed.requests.at(-1)).toMatchObject({ url: '/clip.mp4', host: `127.0.0.1:${allowed.port}` });
  });

  it('tunnels a CONNECT through the upstream proxy', async () => {
    const before = upstream.connects.length;
    const { guard } = await guardVia(upstream.url);
    const answer = await connectThrough(guard, `127.0.0.1:${allowed.port}`);
    expect(answer.status).toBe(200);
    expect(answer.tunnelled).toContain('allowed');
    expect(upstream.connects.slice(before).map((c) => c.status)).toEqual([200]);
  });

  it('asks the upstream for the address it checked, never the name, so the proxy cannot resolve it elsewhere', async () => {
    const before = upstream.connects.length;
    const resolve: HostResolver = async () => [{ address: '127.0.0.1', family: 4 }];
    const { guard } = await guardVia(upstream.url, { resolve, policy: { allowPrivateSources: true } });
    const answer = await connectThrough(guard, `media.example.test:${allowed.port}`);
    expect(answer.status).toBe(200);
    expect(upstream.connects.slice(before).map((c) => c.authority)).toEqual([`127.0.0.1:${allowed.port}`]);
  });

  it('reaches an https proxy over TLS (the test certificate is trusted as a corporate CA would be)', async () => {
    const tlsProxy = await startUpstreamProxyServer({
      tls: ensureLocalCertificate(process.env.MEDIAFERRY_TEST_CERT_DIR as string),
    });
    try {
      expect(tlsProxy.url.startsWith('https://')).toBe(true);
      const { guard } = await guardVia(tlsProxy.url);
      const answer = await getThrough(guard, `${allowed.origin}/over-tls`);
      expect(answer).toEqual({ status: 200, body: 'allowed\n' });
      expect(tlsProxy.connects.map((c) => c.authority)).toEqual([`127.0.0.1:${allowed.port}`]);
    } finally {
      await tlsProxy.close();
    }
  });

  it('still refuses what the policy refuses: the upstream proxy never hears of it', async () => {
    const before = upstream.connects.length;
    const { guard } = await guardVia(upstream.url);
    expect((await getThrough(guard, `${refused.origin}/internal`)).status).toBe(403);
    expect((await connectThrough(guard, `127.0.0.1:${refused.port}`)).status).toBe(403);
    expect((await connectThrough(guard, '169.254.169.254:80')).status).toBe(403);
    expect(guard.refusals.map((r) => r.port)).toEqual([refused.port, refused.port, 80]);
    expect(upstream.connects.length).toBe(before);
    expect(refused.requests).toEqual([]);
  });

  it('answers 502 when the upstream refuses its credentials, and logs neither the password nor the URL', async () => {
    const wrong = upstream.url.replace(PASSWORD, 'wrong-password');
    const { guard, lines } = await guardVia(wrong);
    expect((await getThrough(guard, `${allowed.origin}/clip.mp4`)).status).toBe(502);
    expect((await connectThrough(guard, `127.0.0.1:${allowed.port}`)).status).toBe(502);
    expect(lines.join('\n')).toContain('HTTP 407');
    expect(lines.join('\n')).not.toContain('wrong-password');
    expect(lines.join('\n')).not.toContain('mf:');
    expect(lines.join('\n')).not.toContain(`127.0.0.1:${upstream.port}`);
  });
});

describe('parseUpstreamProxy', () => {
  it('takes http and https proxy URLs, with percent-encoded credentials for Proxy-Authorization', () => {
    const parsed = parseUpstreamProxy('http://user%40x:p%3Ass@proxy.example.net:3128');
    expect(parsed).toMatchObject({ protocol: 'http:', host: 'proxy.example.net', port: 3128 });
    expect(Buffer.from(parsed.authorization!.slice(6), 'base64').toString()).toBe('user@x:p:ss');
    expect(parseUpstreamProxy('https://proxy.example.net')).toMatchObject({ protocol: 'https:', port: 443 });
  });

  it('refuses other schemes, paths and non-URLs without repeating the URL', () => {
    for (const text of [
      'socks5://u:hunter2@proxy:1080',
      'http://u:hunter2@proxy:3128/path',
      'hunter2',
      'http://u:hunter2%zz@proxy:3128',
    ]) {
      let error: unknown;
      try {
        parseUpstreamProxy(text);
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(UpstreamProxyUrlError);
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});
