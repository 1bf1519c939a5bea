import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DurableHostProcess,
  requestJson,
  startDurableHostProcess,
  waitForStatus,
  ENTITIES_APP_DIR,
} from './support/durableHostProcess.js';

const dataDir = mkdtempSync(join(tmpdir(), 'durable-entities-'));
let host: DurableHostProcess;

const api = (path: string) => `${host.origin}/runtime/webhooks/durabletask/${path}`;
const app = (path: string) => `${host.origin}/api/${path}`;

/** Starts an orchestration through the app's starter (the real DurableClient). */
async function startOrchestration(name: string, instanceId: string, input: unknown): Promise<void> {
  const started = await requestJson(app(`orchestrators/${name}/${instanceId}`), {
    method: 'POST',
    body: JSON.stringify(input),
  });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
}

async function waitForOutput(instanceId: string): Promise<unknown> {
  const done = await waitForStatus(api(`instances/${instanceId}`), undefined, 30_000);
  expect(done.runtimeStatus, JSON.stringify(done)).toBe('Completed');
  return done.output;
}

/** Starts an orchestration through the app's starter and waits for its end. */
async function runOrchestration(name: string, instanceId: string, input: unknown): Promise<unknown> {
  const started = await requestJson(app(`orchestrators/${name}/${instanceId}`), {
    method: 'POST',
    body: JSON.stringify(input),
  });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const done = await waitForStatus(api(`instances/${instanceId}`), undefined, 30_000);
  expect(done.runtimeStatus, JSON.stringify(done)).toBe('Completed');
  return done.output;
}

/** Reads an entity through the app (the client's readEntityState) until `until` holds. */
async function readEntity(
  name: string,
  key: string,
  until: (body: { entityExists: boolean; entityState?: unknown }) => boolean = () => true,
): Promise<{ entityExists: boolean; entityState?: unknown }> {
  const deadline = Date.now() + 20_000;
  let last: unknown;
  while (Date.now() < deadline) {
    const { status, body } = await requestJson(app(`entities/${name}/${key}`));
    expect(status).toBe(200);
    last = body;
    if (until(body as { entityExists: boolean })) return body as { entityExists: boolean };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`entity ${name}/${key} did not reach the expected state; last: ${JSON.stringify(last)}`);
}

beforeAll(async () => {
  host = await startDurableHostProcess({ appDir: ENTITIES_APP_DIR, dataDir });
});

afterAll(async () => {
  await host?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('durable entities on the local host', () => {
  it('runs the counter sample: client signals, orchestration calls and signals, client reads', async () => {
    expect(await readEntity('counterEntity', 'c1')).toEqual({ entityExists: false });
    for (let i = 0; i < 5; i++) {
      const signalled = await requestJson(app('entities/counterEntity/c1/add'), { method: 'POST', body: 2 });
      expect(signalled.status).toBe(202);
    }
    await readEntity('counterEntity', 'c1', (b) => b.entityState === 10);
    expect(await runOrchestration('counterOrchestration', 'counter-1', 'c1')).toBe(10);
    // The orchestration's signal (add 1) lands after its call returned.
    await readEntity('counterEntity', 'c1', (b) => b.entityState === 11);
    const read = await requestJson(api('entities/counterEntity/c1'));
    expect(read).toMatchObject({ status: 200, body: 11 });
  });

  it('runs bank-account transfers in critical sections to exact balances, with audits that see the full total', async () => {
    const accounts = ['alice', 'bob', 'carol'];
    for (const key of accounts) {
      await requestJson(app(`entities/account/${key}/deposit`), { method: 'POST', body: 1000 });
    }
    for (const key of accounts) await readEntity('account', key, (b) => b.entityState === 1000);

    // 30 transfers around the ring, all affordable, racing each other and three audits.
    const transfers = Array.from({ length: 30 }, (_, i) => ({
      from: accounts[i % 3]!,
      to: accounts[(i + 1) % 3]!,
      amount: i + 1,
    }));
    const ids: string[] = [];
    for (const [i, t] of transfers.entries()) {
      await startOrchestration('transfer', `transfer-${i}`, t);
      ids.push(`transfer-${i}`);
      if (i % 10 === 5) {
        await startOrchestration('auditTotal', `audit-${i}`, accounts);
        ids.push(`audit-${i}`);
      }
    }
    const outputs = await Promise.all(ids.map(waitForOutput));
    expect(outputs.filter((_, i) => ids[i]!.startsWith('transfer-'))).toEqual(transfers.map(() => true));
    expect(outputs.filter((_, i) => ids[i]!.startsWith('audit-'))).toEqual([3000, 3000, 3000]);

    const expected = new Map(accounts.map((key) => [key, 1000]));
    for (const t of transfers) {
      expected.set(t.from, expected.get(t.from)! - t.amount);
      expected.set(t.to, expected.get(t.to)! + t.amount);
    }
    for (const key of accounts) {
      expect((await readEntity('account', key)).entityState, key).toBe(expected.get(key));
    }

    // A transfer the source cannot afford changes nothing.
    expect(
      await runOrchestration('transfer', 'transfer-too-much', { from: 'alice', to: 'bob', amount: 1e6 }),
    ).toBe(false);
    expect((await readEntity('account', 'alice')).entityState).toBe(expected.get('alice'));
  });

  it('holds signals from others while an orchestration holds the lock, and applies them after release', async () => {
    await requestJson(app('entities/account/frank/deposit'), { method: 'POST', body: 1 });
    await readEntity('account', 'frank', (b) => b.entityState === 1);
    await requestJson(app('orchestrators/holdLock/hold-1'), { method: 'POST', body: ['frank'] });
    await waitForStatus(api('instances/hold-1?showHistory=true'), (s) =>
      (s.historyEvents ?? []).some((e) => e.EventType === 'EventRaised'),
    );
    await requestJson(app('entities/account/frank/deposit'), { method: 'POST', body: 10 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await readEntity('account', 'frank')).entityState).toBe(1);

    const raised = await requestJson(api('instances/hold-1/raiseEvent/release'), {
      method: 'POST',
      body: {},
    });
    expect(raised.status).toBe(202);
    const done = await waitForStatus(api('instances/hold-1'));
    expect(done).toMatchObject({ runtimeStatus: 'Completed', output: 1 });
    await readEntity('account', 'frank', (b) => b.entityState === 11);
  });

  it('frees the locks of an orchestration terminated inside its critical section', async () => {
    await requestJson(app('orchestrators/holdLock/hold-2'), { method: 'POST', body: ['gina', 'hank'] });
    await waitForStatus(api('instances/hold-2?showHistory=true'), (s) =>
      (s.historyEvents ?? []).some((e) => e.EventType === 'EventRaised'),
    );
    await requestJson(app('entities/account/hank/deposit'), { method: 'POST', body: 3 });
    const terminated = await requestJson(api('instances/hold-2/terminate?reason=stop'), { method: 'POST' });
    expect(terminated.status).toBe(202);
    await readEntity('account', 'hank', (b) => b.entityState === 3);
  });

  it('fails a call whose operation throws, in the calling orchestration, and keeps the state', async () => {
    await requestJson(app('entities/account/dave/deposit'), { method: 'POST', body: 5 });
    await readEntity('account', 'dave', (b) => b.entityState === 5);
    expect(await runOrchestration('overdraw', 'overdraw-1', { key: 'dave', amount: 50 })).toBe(
      'refused: true',
    );
    expect((await readEntity('account', 'dave')).entityState).toBe(5);
  });

  it('serves the entities HTTP API: signal, read, list, delete, and refusals', async () => {
    const signalled = await requestJson(api('entities/account/erin?op=deposit'), {
      method: 'POST',
      body: 42,
    });
    expect(signalled.status).toBe(202);
    await readEntity('account', 'erin', (b) => b.entityState === 42);
    expect(await requestJson(api('entities/Account/erin'))).toMatchObject({ status: 200, body: 42 });

    const listed = await requestJson(api('entities/account?fetchState=true'));
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ entityId: { name: 'account', key: 'erin' }, state: 42 }),
      ]),
    );
    const page = await requestJson(api('entities?top=1'));
    expect((page.body as unknown[]).length).toBe(1);
    expect(page.headers.get('x-ms-continuation-token')).toBeTruthy();

    await requestJson(api('entities/account/erin?op=delete'), { method: 'POST' });
    await readEntity('account', 'erin', (b) => !b.entityExists);
    expect((await requestJson(api('entities/account/erin'))).status).toBe(404);

    const unknown = await requestJson(api('entities/noSuchEntity/k?op=add'), { method: 'POST', body: 1 });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'EntityFunctionNotFound' });
  });
});
