import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DurableHostProcess,
  requestJson,
  startDurableHostProcess,
  waitForStatus,
} from '../../durable/support/durableHostProcess.js';

const ENTITIES_APP_DIR = join(import.meta.dirname, '..', '..', 'apps', 'durable-entities');
const dataDir = mkdtempSync(join(tmpdir(), 'durable-entities-'));
let host: DurableHostProcess;

const api = (path: string) => `${host.origin}/runtime/webhooks/durabletask/${path}`;
const app = (path: string) => `${host.origin}/api/${path}`;

/** Starts an orchestration through the app's starter (the real DurableClient) and waits for its end. */
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
});
