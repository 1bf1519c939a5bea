import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCallbackToken } from '../../src/app/callback/callbackToken.js';
import { definedEnv, startHostInTempDir, type TempDirHost } from '../support/startHost.js';
import { repoRoot } from '../support/repoRoot.js';
import { validAppSettings } from './support/appSettings.js';

const appDir = repoRoot;
const SIGNING_KEY = 'host-test-signing-key-0123456789abcdefgh';

/**
 * The real app in the local Functions host with its durable engine. ARM answers nothing (requests
 * hang until the test ends), so started jobs stay Running in their create step while we talk to them.
 */
describe('the starter and the callback in the local Functions host', () => {
  let host: TempDirHost;
  let silentArm: Server;

  beforeAll(async () => {
    silentArm = createServer(() => undefined);
    await new Promise<void>((r) => silentArm.listen(0, '127.0.0.1', r));
    const armPort = (silentArm.address() as AddressInfo).port;
    const settings = validAppSettings({
      ARM_ENDPOINT: `http://127.0.0.1:${armPort}`,
      CALLBACK_SIGNING_KEY: SIGNING_KEY,
      CALLBACK_BASE_URL: 'http://127.0.0.1:7071',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    });
    host = await startHostInTempDir({ appDir, env: definedEnv(settings) });
  });

  afterAll(async () => {
    await host?.close();
    silentArm?.closeAllConnections();
    await new Promise<void>((r) => (silentArm ? silentArm.close(() => r()) : r()));
  });

  const start = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${host.origin}/api/orchestrator_httpstart`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });

  it('starts a job from a bare URL posted like curl -d and serves its status URL', async () => {
    const response = await start('https://media.example.com/clip.mp4');
    expect(response.status).toBe(202);
    const text = await response.text();
    const body = JSON.parse(text) as { id: string; statusQueryGetUri: string };
    expect(response.headers.get('location')).toBe(body.statusQueryGetUri);
    expect(body.statusQueryGetUri).toBe(`${host.origin}/api/jobs/${body.id}/status`);
    // No Durable management URL or key in the answer's body or headers.
    const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
    expect(`${text}\n${headers}`).not.toMatch(/runtime\/webhooks|durabletask|code=|taskHub/i);

    const status = await fetch(body.statusQueryGetUri);
    expect(status.status).toBe(202);
    expect(status.headers.get('retry-after')).toBe('10');
    expect(status.headers.get('location')).toBe(body.statusQueryGetUri);
    const statusText = await status.text();
    expect(JSON.parse(statusText)).toMatchObject({
      instanceId: body.id,
      name: 'jobOrchestrator',
      runtimeStatus: expect.stringMatching(/^(Pending|Running)$/),
    });
    expect(statusText).not.toMatch(/runtime\/webhooks|durabletask/i);
  });

  it('refuses a metadata SSRF target with 400 SOURCE_ADDRESS_BLOCKED as JSON', async () => {
    const response = await start('http://169.254.169.254/metadata/identity');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ error: { code: 'SOURCE_ADDRESS_BLOCKED' } });
  });

  it('answers a repeated idempotency key with the same job', async () => {
    const first = (await (
      await start('https://media.example.com/a.mp4', { 'idempotency-key': 'host-k' })
    ).json()) as {
      id: string;
    };
    const again = await start('https://media.example.com/a.mp4', { 'idempotency-key': 'host-k' });
    expect(again.status).toBe(202);
    expect(((await again.json()) as { id: string }).id).toBe(first.id);
  });

  it('takes a progress event with the job token and refuses one without it', async () => {
    const { id } = (await (await start('https://media.example.com/b.mp4')).json()) as { id: string };
    const url = `${host.origin}/api/jobs/${id}/events/JobProgress`;
    const payload = JSON.stringify({ phase: 'Downloading', percent: 10 });
    const refused = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
      body: payload,
    });
    expect(refused.status).toBe(401);
    const accepted = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${tokenOf(id, await createdTimeOf(id))}`,
      },
      body: payload,
    });
    expect(accepted.status).toBe(202);
  });

  it('answers 401 to a token for a job the engine does not know', async () => {
    const id = 'never-started-job';
    const response = await fetch(`${host.origin}/api/jobs/${id}/events/JobProgress`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${tokenOf(id, new Date().toISOString())}`,
      },
      body: JSON.stringify({ phase: 'Downloading' }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });

  it("refuses an earlier container's token once the instance was restarted under the same id", async () => {
    const { id } = (await (await start('https://media.example.com/restart.mp4')).json()) as { id: string };
    const firstRun = await createdTimeOf(id);
    const earlierToken = tokenOf(id, firstRun);
    const url = `${host.origin}/api/jobs/${id}/events/JobProgress`;
    const progress = (token: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ phase: 'Downloading', percent: 5 }),
      });
    expect((await progress(earlierToken)).status).toBe(202);

    const instance = `${host.origin}/runtime/webhooks/durabletask/instances/${id}`;
    expect((await fetch(`${instance}/terminate?reason=restart-test`, { method: 'POST' })).status).toBe(202);
    await waitForStatus(id, (s) => s.runtimeStatus === 'Terminated');
    const restarted = await fetch(`${instance}/restart?restartWithNewInstanceId=false`, { method: 'POST' });
    expect(restarted.status).toBeLessThan(300);
    const secondRun = await waitForStatus(
      id,
      (s) => s.runtimeStatus === 'Running' && s.createdTime !== firstRun,
    );

    const refused = await progress(earlierToken);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect((await progress(tokenOf(id, secondRun.createdTime))).status).toBe(202);
  }, 60_000);

  const tokenOf = (instanceId: string, createdTime: string) =>
    signCallbackToken(Buffer.from(SIGNING_KEY), { instanceId, createdTime });

  interface InstanceStatus {
    runtimeStatus: string;
    createdTime: string;
  }
  async function waitForStatus(id: string, done: (s: InstanceStatus) => boolean): Promise<InstanceStatus> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const response = await fetch(`${host.origin}/runtime/webhooks/durabletask/instances/${id}`);
      const status = (await response.json()) as InstanceStatus;
      if (done(status)) return status;
      if (Date.now() > deadline) throw new Error(`instance ${id} stayed ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const createdTimeOf = async (id: string) => (await waitForStatus(id, () => true)).createdTime;
});

describe('the app in the local Functions host with invalid settings', () => {
  let host: TempDirHost;

  beforeAll(async () => {
    const settings = validAppSettings({ WORKER_IMAGE: undefined, ACI_PRIORITY: 'Cheapest' });
    host = await startHostInTempDir({ appDir, env: definedEnv(settings) });
  });

  afterAll(() => host?.close());

  it('keeps running, logs the bad settings at start-up and answers the starter with 500 BAD_CONFIG', async () => {
    expect(host.output()).toMatch(/mediaferry cannot run jobs: .*WORKER_IMAGE.*ACI_PRIORITY/);
    const response = await fetch(`${host.origin}/api/orchestrator_httpstart`, {
      method: 'POST',
      body: 'https://media.example.com/x.mp4',
    });
    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: { code: string; settings: string[] } };
    expect(body.error.code).toBe('BAD_CONFIG');
    expect(body.error.settings.sort()).toEqual(['ACI_PRIORITY', 'WORKER_IMAGE']);
  });
});
