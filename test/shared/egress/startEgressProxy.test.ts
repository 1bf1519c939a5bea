import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EgressPolicy } from '../../../src/shared/egress/addressPolicy.js';
import type { HostResolver, ResolvedAddress } from '../../../src/shared/egress/resolveCheckedAddress.js';
import { startEgressProxy, type EgressProxy } from '../../../src/shared/egress/startEgressProxy.js';
import { startAllowedAndRefused, type AllowedAndRefused, type RecordingServer } from './recordingServer.js';

let servers: AllowedAndRefused;
let allowed: RecordingServer;
let refused: RecordingServer;
const proxies: EgressProxy[] = [];

beforeAll(async () => {
  servers = await startAllowedAndRefused();
  ({ allowed, refused } = servers);
});
afterAll(() => servers?.close());
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  servers.forgetRequests();
});

async function proxyWith(
  policy: EgressPolicy,
  extra: { resolve?: HostResolver; dial?: (a: ResolvedAddress, port: number) => Socket } = {},
) {
  const proxy = await startEgressProxy({ policy, ...extra });
  proxies.push(proxy);
  return proxy;
}
const onlyAllowed = (): EgressPolicy => ({
  allowPrivateSources: false,
  allowedPrivateSources: [`127.0.0.1:${allowed.port}`],
});

interface Answer {
  status: number;
  reason: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An absolute-form request through the proxy, as yt-dlp and ffmpeg send plain http. */
function getThrough(proxy: EgressProxy, target: string): Promise<Answer> {
  const { port } = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: target,
      headers: { host: new URL(target).host },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', headers: res.headers, body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** A CONNECT through the proxy, as https clients do; on success sends one plain GET through the tunnel. */
function connectThrough(
  proxy: EgressProxy,
  authority: string,
): Promise<{ status: number; reason: string; tunnelled?: string }> {
  const { port } = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'CONNECT', path: authority });
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '' });
      }
      let data = '';
      socket.on('data', (c: Buffer) => (data += c.toString()));
      socket.on('end', () => resolve({ status: 200, reason: res.statusMessage ?? '', tunnelled: data }));
      socket.write(`GET /through-tunnel HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`);
    });
    req.on('error', reject);
    req.end();
  });
}

const neverDial = () => {
  throw new Error('the proxy tried to connect to a refused address');
};

describe('the egress proxy forwards what the policy allows', () => {
  it('forwards an absolute-form http request to an allow-listed private source, keeping its Host', async () => {
    const proxy = await proxyWith(onlyAllowed());
    const answer = await getThrough(proxy, `${allowed.origin}/video.mp4?sig=abc`);
    expect(answer).toMatchObject({ status: 200, body: 'allowed\n' });
    expect(allowed.requests).toEqual([
      { method: 'GET', url: '/video.mp4?sig=abc', host: `127.0.0.1:${allowed.port}` },
    ]);
    expect(proxy.refusals).toEqual([]);
  });

  it('tunnels a CONNECT to an allow-listed source', async () => {
    const proxy = await proxyWith(onlyAllowed());
    const answer = await connectThrough(proxy, `127.0.0.1:${allowed.port}`);
    expect(answer.status).toBe(200);
    expect(answer.tunnelled).toContain('allowed');
    expect(allowed.requests.map((r) => r.url)).toEqual(['/through-tunnel']);
  });

  it('resolves a name once and connects to the address it checked', async () => {
    const resolve = vi.fn<HostResolver>(async () => [{ address: '127.0.0.1', family: 4 }]);
    const dialled: string[] = [];
    const proxy = await proxyWith(
      { allowPrivateSources: true },
      {
        resolve,
        dial: (address, port) => {
          dialled.push(`${address.address}:${port}`);
          return connect({ host: address.address, port });
        },
      },
    );
    const answer = await getThrough(proxy, `http://media.example.test:${allowed.port}/v.mp4`);
    expect(answer.status).toBe(200);
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(dialled).toEqual([`127.0.0.1:${allowed.port}`]);
    expect(allowed.requests[0]?.host).toBe(`media.example.test:${allowed.port}`);
  });
});

describe('the egress proxy when a target cannot be reached', () => {
  it('answers 502 for a name that does not resolve or a dial that fails, and keeps serving', async () => {
    const resolve: HostResolver = async (host) => {
      if (host === 'gone.example.test') throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const proxy = await proxyWith(
      { allowPrivateSources: true },
      {
        resolve,
        dial: (address, port) => {
          if (port === 1) throw new Error('dial failed');
          return connect({ host: address.address, port });
        },
      },
    );
    expect((await getThrough(proxy, 'http://gone.example.test/v.mp4')).status).toBe(502);
    expect((await connectThrough(proxy, 'gone.example.test:443')).status).toBe(502);
    expect((await getThrough(proxy, 'http://media.example.test:1/v.mp4')).status).toBe(502);
    expect((await connectThrough(proxy, 'media.example.test:1')).status).toBe(502);
    expect((await getThrough(proxy, `http://media.example.test:${allowed.port}/v.mp4`)).status).toBe(200);
    expect(proxy.refusals).toEqual([]);
  });
});

describe('the egress proxy refuses, before any connection, what the policy refuses', () => {
  it('refuses a name resolving to loopback (localhost) with 403 Source Address Blocked', async () => {
    const proxy = await proxyWith(onlyAllowed());
    const answer = await getThrough(proxy, `http://localhost:${refused.port}/admin`);
    expect(answer.status).toBe(403);
    expect(answer.reason).toBe('Source Address Blocked');
    expect(answer.headers['x-mediaferry-egress']).toBe('refused');
    expect(answer.body).toContain('localhost');
    expect(answer.body).not.toContain('127.0.0.1');
    expect(proxy.refusals).toEqual([{ host: 'localhost', port: refused.port, reason: 'PRIVATE_ADDRESS' }]);
    expect(refused.requests).toEqual([]);
  });

  it('refuses another port of an allow-listed host, over http and CONNECT', async () => {
    const proxy = await proxyWith(onlyAllowed());
    expect((await getThrough(proxy, `${refused.origin}/x`)).status).toBe(403);
    expect(await connectThrough(proxy, `127.0.0.1:${refused.port}`)).toEqual({
      status: 403,
      reason: 'Source Address Blocked',
    });
    expect(proxy.refusals).toHaveLength(2);
    expect(refused.requests).toEqual([]);
  });

  it('refuses schemes other than http and https', async () => {
    const proxy = await proxyWith({ allowPrivateSources: true });
    const answer = await getThrough(proxy, `ftp://127.0.0.1:${refused.port}/file`);
    expect(answer.status).toBe(403);
    expect(proxy.refusals[0]?.reason).toBe('UNSUPPORTED_SCHEME');
    expect(refused.requests).toEqual([]);
  });

  it('refuses a name with one public and one private answer, checking every address', async () => {
    const resolve: HostResolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ];
    const proxy = await proxyWith({ allowPrivateSources: false }, { resolve, dial: neverDial });
    expect((await getThrough(proxy, 'http://rebind.example.test/v.mp4')).status).toBe(403);
    expect(proxy.refusals).toEqual([{ host: 'rebind.example.test', port: 80, reason: 'PRIVATE_ADDRESS' }]);
  });

  it('refuses names resolving to metadata, wireserver and link-local addresses even with private sources allowed', async () => {
    const answers: Record<string, string> = {
      'imds.example.test': '169.254.169.254',
      'wire.example.test': '168.63.129.16',
      'mapped.example.test': '::ffff:169.254.169.254',
      'linklocal.example.test': 'fe80::1',
    };
    const resolve: HostResolver = async (host) => [
      { address: answers[host] as string, family: (answers[host] as string).includes(':') ? 6 : 4 },
    ];
    const proxy = await proxyWith({ allowPrivateSources: true }, { resolve, dial: neverDial });
    for (const host of Object.keys(answers)) {
      expect((await getThrough(proxy, `http://${host}/metadata/identity`)).status).toBe(403);
      expect((await connectThrough(proxy, `${host}:443`)).status).toBe(403);
    }
    expect(proxy.refusals.map((r) => r.reason)).toEqual(Array(8).fill('FORBIDDEN_ADDRESS'));
  });

  it('refuses literal metadata and wireserver addresses and metadata names without resolving them', async () => {
    const resolve = vi.fn<HostResolver>(async () => {
      throw new Error('no lookup expected');
    });
    const proxy = await proxyWith({ allowPrivateSources: true }, { resolve, dial: neverDial });
    expect((await getThrough(proxy, 'http://169.254.169.254/metadata/identity')).status).toBe(403);
    expect((await getThrough(proxy, 'http://[fd00:ec2::254]/latest/meta-data/')).status).toBe(403);
    expect((await connectThrough(proxy, '168.63.129.16:443')).status).toBe(403);
    expect((await connectThrough(proxy, '[::ffff:a9fe:a9fe]:80')).status).toBe(403);
    expect((await getThrough(proxy, 'http://metadata.google.internal/computeMetadata/v1/')).status).toBe(403);
    expect(resolve).not.toHaveBeenCalled();
    expect(proxy.refusals).toHaveLength(5);
  });
});
