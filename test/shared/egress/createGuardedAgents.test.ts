import http from 'node:http';
import https from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedAgents, createGuardedLookup } from '../../../src/shared/egress/createGuardedAgents.js';
import type { HostResolver } from '../../../src/shared/egress/resolveCheckedAddress.js';
import { startAllowedAndRefused, type AllowedAndRefused, type RecordingServer } from './recordingServer.js';

let servers: AllowedAndRefused;
let allowed: RecordingServer;
let refused: RecordingServer;

beforeAll(async () => {
  servers = await startAllowedAndRefused();
  ({ allowed, refused } = servers);
});
afterAll(() => servers?.close());
afterEach(() => servers.forgetRequests());

/** One GET with the given agent: the status, or the error's code when the request failed. */
function get(
  url: string,
  agent: http.Agent,
): Promise<{ status?: number; errorCode?: string; message?: string }> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve) => {
    const req = client.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', (error: Error & { code?: string }) =>
      resolve({ ...(error.code ? { errorCode: error.code } : {}), message: error.message }),
    );
  });
}

describe('guarded agents for the app’s own outbound calls (webhook delivery)', () => {
  const policy = () => ({ allowPrivateSources: false, allowedPrivateSources: [`127.0.0.1:${allowed.port}`] });

  it('delivers to an allowed target', async () => {
    const agents = createGuardedAgents(policy());
    expect(await get(`${allowed.origin}/hook`, agents.http)).toEqual({ status: 200 });
    expect(allowed.requests.map((r) => r.url)).toEqual(['/hook']);
  });

  it('refuses a name resolving to loopback, and a literal loopback address, without reaching it', async () => {
    const agents = createGuardedAgents(policy());
    const byName = await get(`http://localhost:${refused.port}/hook`, agents.http);
    const byAddress = await get(`${refused.origin}/hook`, agents.http);
    expect(byName.errorCode).toBe('SOURCE_ADDRESS_BLOCKED');
    expect(byName.message).toContain('localhost');
    expect(byAddress.errorCode).toBe('SOURCE_ADDRESS_BLOCKED');
    expect(refused.requests).toEqual([]);
  });

  it('refuses an https target before any TLS handshake', async () => {
    const agents = createGuardedAgents(policy());
    const answer = await get(`https://localhost:${refused.port}/hook`, agents.https);
    expect(answer.errorCode).toBe('SOURCE_ADDRESS_BLOCKED');
    expect(refused.requests).toEqual([]);
  });

  it('checks what a name resolves to, and connects to that address with the name as Host', async () => {
    const resolve: HostResolver = async () => [{ address: '127.0.0.1', family: 4 }];
    const strict = createGuardedAgents({ allowPrivateSources: false }, { resolve });
    expect((await get(`http://hooks.example.test:${refused.port}/x`, strict.http)).errorCode).toBe(
      'SOURCE_ADDRESS_BLOCKED',
    );
    expect(refused.requests).toEqual([]);
    const local = createGuardedAgents({ allowPrivateSources: true }, { resolve });
    expect(await get(`http://hooks.example.test:${allowed.port}/x`, local.http)).toEqual({ status: 200 });
    expect(allowed.requests[0]?.host).toBe(`hooks.example.test:${allowed.port}`);
  });
});

describe('the guarded lookup', () => {
  it('fails with SOURCE_ADDRESS_BLOCKED for a name answering a metadata address, whatever the settings', async () => {
    const resolve: HostResolver = async () => [{ address: '169.254.169.254', family: 4 }];
    const lookup = createGuardedLookup({ allowPrivateSources: true }, 80, resolve);
    const error = await new Promise<(Error & { code?: string }) | null>((done) =>
      lookup('imds.example.test', { all: true }, (err) => done(err)),
    );
    expect(error?.code).toBe('SOURCE_ADDRESS_BLOCKED');
    expect(error?.message).toContain('imds.example.test');
    expect(error?.message).not.toContain('169.254');
  });

  it('answers every checked address when asked for all of them', async () => {
    const resolve: HostResolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ];
    const lookup = createGuardedLookup({ allowPrivateSources: false }, 443, resolve);
    const addresses = await new Promise<unknown>((done) =>
      lookup('example.test', { all: true }, (_err, result) => done(result)),
    );
    expect(addresses).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
  });
});
