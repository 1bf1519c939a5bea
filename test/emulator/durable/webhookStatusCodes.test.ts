import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DurableHostProcess,
  requestJson,
  startDurableHostProcess,
  waitForStatus,
} from './support/durableHostProcess.js';

let host: DurableHostProcess;
let dataDir: string;
const api = (path: string) => `${host.origin}/runtime/webhooks/durabletask/${path}`;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'durable-status-codes-'));
  host = await startDurableHostProcess({ dataDir });
  await requestJson(api('orchestrators/waitForever/running-1'), { method: 'POST' });
  await requestJson(api('orchestrators/chaining/done-1'), { method: 'POST', body: ['X'] });
  await waitForStatus(api('instances/done-1'));
  await waitForStatus(api('instances/running-1'), (s) => s.runtimeStatus === 'Running');
});

afterAll(async () => {
  await host?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

// [description, "METHOD path", expected status, expected error code, body]
const table: Array<[string, string, number, string?, unknown?]> = [
  ['start with a body that is not JSON', 'POST orchestrators/chaining', 400, 'BadRequest', '{not json'],
  ['start an unknown orchestrator', 'POST orchestrators/noSuchOrchestrator', 400, 'OrchestratorNotFound'],
  [
    'start an activity as if it were an orchestrator',
    'POST orchestrators/sayHello',
    400,
    'OrchestratorNotFound',
  ],
  ['start with the id of a running instance', 'POST orchestrators/chaining/running-1', 409, 'InstanceExists'],
  ['status of an unknown instance', 'GET instances/nobody', 404, 'InstanceNotFound'],
  ['status of a finished instance', 'GET instances/done-1', 200],
  ['status of a running instance', 'GET instances/running-1', 202],
  [
    'raise an event to a finished instance',
    'POST instances/done-1/raiseEvent/Never',
    410,
    'InstanceFinished',
    1,
  ],
  [
    'raise an event to an unknown instance',
    'POST instances/nobody/raiseEvent/Never',
    404,
    'InstanceNotFound',
    1,
  ],
  [
    'raise an event with a body that is not JSON',
    'POST instances/running-1/raiseEvent/Other',
    400,
    'BadRequest',
    'x{',
  ],
  ['terminate a finished instance', 'POST instances/done-1/terminate?reason=x', 410, 'InstanceFinished'],
  ['terminate an unknown instance', 'POST instances/nobody/terminate?reason=x', 404, 'InstanceNotFound'],
  ['suspend an unknown instance', 'POST instances/nobody/suspend', 404, 'InstanceNotFound'],
  ['resume a finished instance', 'POST instances/done-1/resume', 410, 'InstanceFinished'],
  ['rewind of an instance that is not Failed', 'POST instances/done-1/rewind?reason=x', 412],
  ['purge a running instance (only finished ones are purged)', 'DELETE instances/running-1', 412],
  ['purge an unknown instance', 'DELETE instances/nobody', 404],
  ['list with an unknown runtimeStatus', 'GET instances?runtimeStatus=Sleeping', 400, 'BadRequest'],
  ['list with a bad createdTimeFrom', 'GET instances?createdTimeFrom=yesterday', 400, 'BadRequest'],
  ['list with top=0', 'GET instances?top=0', 400, 'BadRequest'],
  ['list everything', 'GET instances', 200],
  ['an unknown route', 'GET nothing-here', 404],
];

describe('the /runtime/webhooks/durabletask API answers with the documented status codes', () => {
  const answer = (request: string, body: unknown) => {
    const [method, path] = request.split(' ') as [string, string];
    return requestJson(api(path), { method, ...(body !== undefined ? { body } : {}) });
  };

  it.each(table.filter((row) => row[3] === undefined))(
    '%s → %s → %i',
    async (_description, request, status, _code, body) => {
      const response = await answer(request, body);
      expect(response.status, JSON.stringify(response.body)).toBe(status);
    },
  );

  it.each(table.filter((row) => row[3] !== undefined))(
    '%s → %s → %i with an error code and message',
    async (_description, request, status, code, body) => {
      const response = await answer(request, body);
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      expect(response.body).toMatchObject({ code, message: expect.any(String) as unknown });
    },
  );

  it('answers a running instance with Location and Retry-After, and a finished one without', async () => {
    const running = await requestJson(api('instances/running-1'));
    expect(running.headers.get('location')).toBe(api('instances/running-1'));
    expect(running.headers.get('retry-after')).toBe('5');
    expect(running.body).toMatchObject({ runtimeStatus: 'Running', input: null, output: null });
    const done = await requestJson(api('instances/done-1'));
    expect(done.headers.get('location')).toBeNull();
    expect(done.body).toMatchObject({ runtimeStatus: 'Completed', input: ['X'], output: ['Hello X!'] });
  });

  it('omits the input when showInput=false but keeps the key', async () => {
    const done = await requestJson(api('instances/done-1?showInput=false'));
    expect(done.body).toHaveProperty('input', null);
  });

  it('rejects a continuation token it did not issue', async () => {
    const response = await requestJson(api('instances'), { headers: { 'x-ms-continuation-token': '%%%' } });
    expect(response).toMatchObject({ status: 400, body: { code: 'BadRequest' } });
  });
});
