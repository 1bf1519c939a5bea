import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DurableHostProcess,
  requestJson,
  startDurableHostProcess,
  waitForStatus,
  CONTRACT_APP_DIR,
} from './support/durableHostProcess.js';

// Each expectation below follows the Durable extension's HttpApiHandler (and DurableClient) in
// Azure/azure-functions-durable-extension, or the durable-functions JavaScript client's handling
// of the answer, as cited beside it.

let host: DurableHostProcess;
let dataDir: string;
const api = (path: string) => `${host.origin}/runtime/webhooks/durabletask/${path}`;
const clientCall = async (operation: string, instanceId = '', body?: unknown) =>
  (
    await requestJson(`${host.origin}/api/client/${operation}/${instanceId}`, {
      method: 'POST',
      body: body ?? {},
    })
  ).body as { ok: boolean; message?: string; result?: unknown };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'durable-contract-'));
  host = await startDurableHostProcess({ appDir: CONTRACT_APP_DIR, dataDir });
  await requestJson(api('orchestrators/waitForever/running-1'), { method: 'POST' });
  await requestJson(api('orchestrators/echo/done-1'), { method: 'POST', body: { value: 'kept' } });
  await requestJson(api('orchestrators/alwaysFails/failed-1'), { method: 'POST' });
  await waitForStatus(api('instances/done-1'));
  await waitForStatus(api('instances/failed-1'));
  await waitForStatus(api('instances/running-1'), (s) => s.runtimeStatus === 'Running');
});

afterAll(async () => {
  await host?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('purge', () => {
  it('by filter requires createdTimeFrom and answers the extension plain message (HandleDeleteHistoryWithFiltersRequestAsync)', async () => {
    const response = await requestJson(api('instances?runtimeStatus=Completed'), { method: 'DELETE' });
    expect(response.status).toBe(400);
    expect(response.body).toBe("Please provide value for 'createdTimeFrom' parameter.");
    expect((await requestJson(api('instances/done-1'))).status).toBe(200);
  });

  it('by filter purges the finished instances created in the window; 404 when there are none', async () => {
    await requestJson(api('orchestrators/echo/filter-1'), { method: 'POST', body: { value: 1 } });
    await waitForStatus(api('instances/filter-1'));
    const from = new Date(Date.now() - 60_000).toISOString();
    const purged = await requestJson(api(`instances?createdTimeFrom=${from}&runtimeStatus=Completed`), {
      method: 'DELETE',
    });
    expect(purged.status).toBe(200);
    expect((purged.body as { instancesDeleted: number }).instancesDeleted).toBeGreaterThanOrEqual(1);
    expect((await requestJson(api('instances/filter-1'))).status).toBe(404);
    // Recreate done-1 for the other tests.
    await requestJson(api('orchestrators/echo/done-1'), { method: 'POST', body: { value: 'kept' } });
    await waitForStatus(api('instances/done-1'));
    const future = new Date(Date.now() + 60_000).toISOString();
    const none = await requestJson(api(`instances?createdTimeFrom=${future}`), { method: 'DELETE' });
    expect(none.status).toBe(404);
  });

  it('of an instance that has not finished is 412 and deletes nothing; the client reports it', async () => {
    const response = await requestJson(api('instances/running-1'), { method: 'DELETE' });
    expect(response.status).toBe(412);
    expect(response.headers.get('x-ms-error-code')).toBe('InstanceNotFinished');
    expect(response.body).toMatch(/running-1.*Running.*only a completed, failed or terminated instance/);
    const viaClient = await clientCall('purge', 'running-1');
    expect(viaClient.ok).toBe(false);
    expect(viaClient.message).toMatch(/412.*only a completed, failed or terminated instance/);
    expect((await requestJson(api('instances/running-1'))).status).toBe(202);
  });
});

describe('listing', () => {
  it('returns inputs by default, as OrchestrationStatusQueryCondition.ShowInput = true', async () => {
    const listed = await requestJson(api('instances?instanceIdPrefix=done-1'));
    expect(listed.body).toEqual([
      expect.objectContaining({ instanceId: 'done-1', input: { value: 'kept' } }),
    ]);
    const hidden = await requestJson(api('instances?instanceIdPrefix=done-1&showInput=false'));
    expect(hidden.body).toEqual([expect.objectContaining({ instanceId: 'done-1', input: null })]);
    const viaClient = await clientCall('list');
    const done = (viaClient.result as Array<{ instanceId: string; input: unknown }>).find(
      (s) => s.instanceId === 'done-1',
    );
    expect(done?.input).toEqual({ value: 'kept' });
  });
});

describe('rewind', () => {
  it('of an unknown instance: 404 with a message the client shows as is', async () => {
    const response = await requestJson(api('instances/nobody/rewind?reason=x'), { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await clientCall('rewind', 'nobody')).toEqual({
      ok: false,
      message: "No instance with ID 'nobody' found.",
    });
  });

  it('of an instance that is not Failed: 412 (the client maps it to "only supported on failed")', async () => {
    for (const id of ['running-1', 'done-1']) {
      const response = await requestJson(api(`instances/${id}/rewind?reason=x`), { method: 'POST' });
      expect(response.status).toBe(412);
      const viaClient = await clientCall('rewind', id);
      expect(viaClient.message).toMatch(/only supported on failed orchestration instances/);
    }
  });

  it('of a Failed instance: 501 with a readable message, never "[object Object]"', async () => {
    const response = await requestJson(api('instances/failed-1/rewind?reason=x'), { method: 'POST' });
    expect(response.status).toBe(501);
    const viaClient = await clientCall('rewind', 'failed-1');
    expect(viaClient.ok).toBe(false);
    expect(viaClient.message).toMatch(/not supported by the local durable engine/);
    expect(viaClient.message).not.toContain('[object Object]');
  });
});

describe('restart and raiseEvent', () => {
  it('restart of an unknown id is 400 (DurableClient.RestartAsync throws ArgumentException)', async () => {
    const response = await requestJson(api('instances/nobody/restart'), { method: 'POST' });
    expect(response.status).toBe(400);
    expect(response.body).toMatch(/InstanceId does not match a valid orchestration instance/);
  });

  it('raiseEvent needs application/json content (HandleRaiseEventRequestAsync)', async () => {
    const response = await fetch(api('instances/running-1/raiseEvent/Other'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '"hello"',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toBe('Only application/json request content is supported');
    // Through the client (which sends JSON) the event is accepted.
    expect(await clientCall('raiseEvent', 'running-1', { eventName: 'Other', eventData: 1 })).toEqual({
      ok: true,
    });
  });
});

describe('status and start', () => {
  it('a running instance answers 202 with Retry-After: 5, as HandleGetStatusRequestAsync does', async () => {
    const running = await requestJson(api('instances/running-1'));
    expect(running.status).toBe(202);
    expect(running.headers.get('retry-after')).toBe('5');
  });

  it('start with timeout and pollingInterval answers 200 with the output when it finishes in time', async () => {
    const response = await requestJson(api('orchestrators/echo/sync-1?timeout=10&pollingInterval=0.05'), {
      method: 'POST',
      body: { value: { answer: 42 }, delayMs: 100 },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ answer: 42 });
  });

  it('start with a timeout shorter than the run answers the 202 check-status response', async () => {
    const response = await requestJson(api('orchestrators/echo/sync-2?timeout=0.2&pollingInterval=0.05'), {
      method: 'POST',
      body: { value: 'late', delayMs: 2_000 },
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('retry-after')).toBe('10');
    expect(response.body).toMatchObject({ id: 'sync-2', statusQueryGetUri: expect.any(String) as unknown });
  });

  it('start of a failing orchestration with a timeout answers 200 with the Failed status', async () => {
    const response = await requestJson(
      api('orchestrators/alwaysFails/sync-3?timeout=10&pollingInterval=0.05'),
      {
        method: 'POST',
      },
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ instanceId: 'sync-3', runtimeStatus: 'Failed' });
  });

  it('a pollingInterval longer than the timeout is 400', async () => {
    const response = await requestJson(api('orchestrators/echo?timeout=1&pollingInterval=2'), {
      method: 'POST',
    });
    expect(response.status).toBe(400);
  });

  it('the official samples-js HTTP sync starter answers 200 with the output', async () => {
    const response = await requestJson(
      `${host.origin}/api/orchestrators/wait/echo?timeout=10&retryInterval=0.1`,
      {
        method: 'POST',
        body: { value: 'synced', delayMs: 50 },
      },
    );
    expect(response.status).toBe(200);
    expect(response.body).toBe('synced');
  });
});
