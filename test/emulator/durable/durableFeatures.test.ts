import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DurableHostProcess,
  requestJson,
  startDurableHostProcess,
  waitForStatus,
} from './support/durableHostProcess.js';
import type { InstanceStatusBody } from '../../../emulator/durable/instanceStatusBody.js';

interface CheckStatusPayload {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  purgeHistoryDeleteUri: string;
  restartPostUri: string;
  suspendPostUri: string;
  resumePostUri: string;
}

let host: DurableHostProcess;
let dataDir: string;
const webhook = () => `${host.origin}/runtime/webhooks/durabletask`;

/** Starts through the app's HTTP starter, which uses the real DurableClient (startNew + createCheckStatusResponse). */
async function startViaClient(orchestrator: string, input?: unknown, instanceId?: string) {
  const query = instanceId ? `?instanceId=${encodeURIComponent(instanceId)}` : '';
  const response = await requestJson(`${host.origin}/api/orchestrators/${orchestrator}${query}`, {
    method: 'POST',
    ...(input !== undefined ? { body: input } : {}),
  });
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return { ...response, payload: response.body as CheckStatusPayload };
}

async function startViaWebhook(orchestrator: string, input?: unknown, instanceId?: string) {
  const response = await requestJson(
    `${webhook()}/orchestrators/${orchestrator}${instanceId ? `/${instanceId}` : ''}`,
    {
      method: 'POST',
      ...(input !== undefined ? { body: input } : {}),
    },
  );
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return response.body as CheckStatusPayload;
}

const eventUrl = (payload: CheckStatusPayload, name: string) =>
  payload.sendEventPostUri.replace('{eventName}', name);
const withReason = (url: string, reason: string) => url.replace('{text}', encodeURIComponent(reason));
const historyOf = async (payload: CheckStatusPayload) =>
  (
    (await requestJson(`${payload.statusQueryGetUri}&showHistory=true&showHistoryOutput=true`))
      .body as InstanceStatusBody
  ).historyEvents ?? [];
const countOf = (events: Array<Record<string, unknown>>, type: string) =>
  events.filter((e) => e.EventType === type).length;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'durable-features-'));
  host = await startDurableHostProcess({ dataDir });
});

afterAll(async () => {
  await host?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local durable engine, driven through the real durable-functions replay engine', () => {
  it('chains activities and answers 202 with Location and Retry-After until done, then 200 with the output', async () => {
    const started = await startViaClient('chaining', ['Tokyo', 'Seattle']);
    expect(started.headers.get('location')).toBe(started.payload.statusQueryGetUri);
    expect(started.headers.get('retry-after')).toBe('10');
    const firstPoll = await requestJson(started.payload.statusQueryGetUri);
    if (firstPoll.status === 202) {
      expect(firstPoll.headers.get('location')).toContain(`/instances/${started.payload.id}`);
      expect(firstPoll.headers.get('retry-after')).toBe('5');
    } else {
      expect(firstPoll.status).toBe(200);
    }
    const done = await waitForStatus(started.payload.statusQueryGetUri);
    expect(done).toMatchObject({
      name: 'chaining',
      runtimeStatus: 'Completed',
      input: ['Tokyo', 'Seattle'],
      output: ['Hello Tokyo!', 'Hello Seattle!'],
    });
    expect((await requestJson(started.payload.statusQueryGetUri)).status).toBe(200);
  });

  it('answers a poll of a running instance 202 with Location and Retry-After', async () => {
    // This orchestration waits for its "Go" event, so it is still running when polled.
    const started = await startViaClient('customStatus');
    await waitForStatus(started.payload.statusQueryGetUri, (s) => s.runtimeStatus === 'Running');
    const poll = await requestJson(started.payload.statusQueryGetUri);
    expect(poll.status).toBe(202);
    expect(poll.headers.get('location')).toContain(`/instances/${started.payload.id}`);
    // The extension's status answer for a running instance says 5 (10 is the start answer's).
    expect(poll.headers.get('retry-after')).toBe('5');
    expect(
      (await requestJson(eventUrl(started.payload, 'Go'), { method: 'POST', body: '"go"' })).status,
    ).toBe(202);
    expect((await waitForStatus(started.payload.statusQueryGetUri)).runtimeStatus).toBe('Completed');
  });

  it('fans out to twenty activities and fans in their results', async () => {
    const payload = await startViaWebhook('fanOutFanIn', 20);
    const done = await waitForStatus(payload.statusQueryGetUri);
    expect(done.output).toBe(420);
  });

  it('human interaction: an approval event wins the race against the timeout', async () => {
    const payload = await startViaWebhook('humanInteraction', { timeoutMs: 60_000 });
    await waitForStatus(payload.statusQueryGetUri, (s) => s.runtimeStatus === 'Running');
    const raised = await requestJson(eventUrl(payload, 'Approval'), {
      method: 'POST',
      body: { by: 'Grace' },
    });
    expect(raised.status).toBe(202);
    const done = await waitForStatus(payload.statusQueryGetUri);
    expect(done.output).toBe('approved by Grace');
  });

  it('human interaction: the timer fires when no approval arrives', async () => {
    const started = Date.now();
    const payload = await startViaWebhook('humanInteraction', { timeoutMs: 400 });
    const done = await waitForStatus(payload.statusQueryGetUri);
    expect(done.output).toBe('timed out');
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('monitor: continueAsNew restarts with fresh history until the check count is reached', async () => {
    const payload = await startViaWebhook('monitor', { count: 1, max: 4, intervalMs: 30 });
    const done = await waitForStatus(payload.statusQueryGetUri);
    expect(done.output).toBe('checked 4 times');
    expect(done.customStatus).toEqual({ checks: 4 });
    expect(done.input).toEqual({ count: 4, max: 4, intervalMs: 30 });
    const history = await historyOf(payload);
    expect(countOf(history, 'ExecutionStarted')).toBe(1);
  });

  it('a sub-orchestration that continues as new gives its parent the last generation’s output or failure', async () => {
    const payload = await startViaWebhook('generationsParent', { last: 4 });
    const done = await waitForStatus(payload.statusQueryGetUri);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toEqual({
      output: { finishedIn: 4, input: { generation: 4, last: 4 } },
      failure: expect.stringContaining('generation 4 failed'),
    });
    const history = await historyOf(payload);
    // One child start and one completion each: no generation but the last one answered the parent.
    expect(countOf(history, 'SubOrchestrationInstanceCreated')).toBe(2);
    expect(countOf(history, 'SubOrchestrationInstanceCompleted')).toBe(1);
    expect(countOf(history, 'SubOrchestrationInstanceFailed')).toBe(1);
    const child = (await requestJson(`${webhook()}/instances/${payload.id}-child?showHistory=true`))
      .body as InstanceStatusBody;
    expect(child.runtimeStatus).toBe('Completed');
    expect(child.customStatus).toEqual({ generation: 4 });
    // The child's history is its last generation's; its createdTime is that generation's start.
    expect(countOf(child.historyEvents ?? [], 'ExecutionStarted')).toBe(1);
    expect(countOf(child.historyEvents ?? [], 'TimerFired')).toBe(1);
    expect(Date.parse(child.createdTime)).toBeGreaterThan(Date.parse(done.createdTime));
  });

  it('retries a failed activity and succeeds on the third attempt, with a timer after each failure', async () => {
    const payload = await startViaWebhook('retrying', { key: randomUUID(), failTimes: 2, maxAttempts: 4 });
    const done = await waitForStatus(payload.statusQueryGetUri);
    expect(done.output).toEqual({ succeededOnAttempt: 3 });
    const history = await historyOf(payload);
    expect(countOf(history, 'TaskScheduled')).toBe(3);
    expect(countOf(history, 'TaskFailed')).toBe(2);
    expect(countOf(history, 'TimerCreated')).toBe(2);
    expect(countOf(history, 'TimerFired')).toBe(2);
  });

  it('gives up after the last attempt and surfaces the last failure to the orchestrator', async () => {
    const payload = await startViaWebhook('retrying', { key: randomUUID(), failTimes: 10, maxAttempts: 3 });
    const done = await waitForStatus(payload.statusQueryGetUri);
    expect((done.output as { gaveUp: string }).gaveUp).toContain('flaky attempt 3 failed');
    const history = await historyOf(payload);
    expect(countOf(history, 'TaskFailed')).toBe(3);
    expect(countOf(history, 'TimerFired')).toBe(3);
  });

  it('runs sub-orchestrations and propagates a failing child as a catchable error', async () => {
    const payload = await startViaWebhook('parent');
    const done = await waitForStatus(payload.statusQueryGetUri);
    expect(done.runtimeStatus).toBe('Completed');
    const output = done.output as { greetings: string[]; childFailure: string };
    expect(output.greetings).toEqual(['Hello Ada!', 'Hello Linus!']);
    expect(output.childFailure).toContain('card declined for 7');
    const child = await requestJson(`${webhook()}/instances/${payload.id}-child`);
    expect(child.status).toBe(200);
    expect((child.body as InstanceStatusBody).output).toEqual(['Hello Ada!', 'Hello Linus!']);
  });

  it('fails an orchestration whose activity throws, with the error in output and failure details', async () => {
    const payload = await startViaWebhook('paymentFails', { amount: 42 });
    const done = await waitForStatus(payload.statusQueryGetUri);
    expect(done.runtimeStatus).toBe('Failed');
    expect(String(done.output)).toContain("Orchestrator function 'paymentFails' failed");
    expect(String(done.output)).toContain('card declined for 42');
    const history = await historyOf(payload);
    const failed = history.find((e) => e.EventType === 'TaskFailed')!;
    expect(failed.Reason).toContain('card declined for 42');
    expect(failed.FailureDetails).toMatchObject({ ErrorType: 'PaymentDeclinedError' });
  });

  it('hands the activity error type to the orchestrator through failureDetails', async () => {
    const payload = await startViaWebhook('paymentCaught');
    const done = await waitForStatus(payload.statusQueryGetUri);
    expect(done.output).toEqual({
      message: expect.stringContaining('card declined for 42') as unknown,
      errorType: 'PaymentDeclinedError',
    });
  });

  it('terminates a waiting orchestration; events for it are then refused with 410', async () => {
    const payload = await startViaWebhook('waitForever');
    await waitForStatus(payload.statusQueryGetUri, (s) => s.customStatus === 'waiting');
    const terminated = await requestJson(withReason(payload.terminatePostUri, 'no longer needed'), {
      method: 'POST',
    });
    expect(terminated.status).toBe(202);
    const done = await waitForStatus(payload.statusQueryGetUri);
    expect(done).toMatchObject({ runtimeStatus: 'Terminated', output: 'no longer needed' });
    expect((await requestJson(eventUrl(payload, 'Never'), { method: 'POST', body: 1 })).status).toBe(410);
    expect(
      (await requestJson(withReason(payload.terminatePostUri, 'again'), { method: 'POST' })).status,
    ).toBe(410);
  });

  it('suspends (events wait) and resumes (events are delivered)', async () => {
    const payload = await startViaWebhook('customStatus');
    await waitForStatus(payload.statusQueryGetUri, (s) => s.runtimeStatus === 'Running');
    expect((await requestJson(withReason(payload.suspendPostUri, 'pause'), { method: 'POST' })).status).toBe(
      202,
    );
    expect((await requestJson(eventUrl(payload, 'Go'), { method: 'POST', body: '"green"' })).status).toBe(
      202,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const suspended = (await requestJson(payload.statusQueryGetUri)).body as InstanceStatusBody;
    expect(suspended.runtimeStatus).toBe('Suspended');
    expect(suspended.customStatus).toEqual({ phase: 'Waiting' });
    expect((await requestJson(withReason(payload.resumePostUri, 'go on'), { method: 'POST' })).status).toBe(
      202,
    );
    const done = await waitForStatus(payload.statusQueryGetUri);
    expect(done).toMatchObject({
      runtimeStatus: 'Completed',
      output: 'green',
      customStatus: { phase: 'Done', detail: 'green' },
    });
  });

  it('delivers an event raised before the orchestrator waits for it', async () => {
    const payload = await startViaWebhook('earlyEvent');
    const raised = await requestJson(eventUrl(payload, 'Early'), { method: 'POST', body: { early: true } });
    expect(raised.status).toBe(202);
    const done = await waitForStatus(payload.statusQueryGetUri);
    expect(done.output).toEqual({ first: 'first', early: { early: true } });
  });

  it('fails with a non-determinism error when replay schedules a different activity than history', async () => {
    const branchFile = join(dataDir, `branch-${randomUUID()}.txt`);
    writeFileSync(branchFile, 'A');
    const payload = await startViaWebhook('branchesOnFile', { path: branchFile });
    await waitForStatus(payload.statusQueryGetUri, () => false, 0).catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while (countOf(await historyOf(payload), 'TaskCompleted') === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    writeFileSync(branchFile, 'B');
    await requestJson(eventUrl(payload, 'Continue'), { method: 'POST', body: null });
    const done = await waitForStatus(payload.statusQueryGetUri);
    expect(done.runtimeStatus).toBe('Failed');
    expect(String(done.output)).toMatch(
      /Non-deterministic workflow detected.*CallActivity\('sayHello'\).*CallActivity\('double'\)/,
    );
  });

  it('purges a finished instance once: 200 with instancesDeleted, then 404', async () => {
    const payload = await startViaWebhook('chaining', ['Purge']);
    await waitForStatus(payload.statusQueryGetUri);
    const purged = await requestJson(payload.purgeHistoryDeleteUri, { method: 'DELETE' });
    expect(purged).toMatchObject({ status: 200, body: { instancesDeleted: 1 } });
    expect((await requestJson(payload.purgeHistoryDeleteUri, { method: 'DELETE' })).status).toBe(404);
    expect((await requestJson(payload.statusQueryGetUri)).status).toBe(404);
  });

  it('lists instances by prefix, status and creation time, paging with x-ms-continuation-token', async () => {
    const prefix = `page-${randomUUID().slice(0, 8)}-`;
    const ids = ['a', 'b', 'c', 'd', 'e'].map((s) => `${prefix}${s}`);
    for (const id of ids) await startViaWebhook('chaining', ['Page'], id);
    for (const id of ids) await waitForStatus(`${webhook()}/instances/${id}`);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof requestJson>> = await requestJson(
        `${webhook()}/instances?instanceIdPrefix=${prefix}&top=2&showInput=true`,
        token ? { headers: { 'x-ms-continuation-token': token } } : {},
      );
      expect(page.status).toBe(200);
      const rows = page.body as InstanceStatusBody[];
      expect(rows.length).toBeLessThanOrEqual(2);
      for (const row of rows) expect(row.input).toEqual(['Page']);
      seen.push(...rows.map((r) => r.instanceId));
      token = page.headers.get('x-ms-continuation-token');
      pages++;
    } while (token && pages < 10);
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
    const running = await requestJson(
      `${webhook()}/instances?instanceIdPrefix=${prefix}&runtimeStatus=Running,Pending`,
    );
    expect(running.body).toEqual([]);
    const future = new Date(Date.now() + 60_000).toISOString();
    const later = await requestJson(
      `${webhook()}/instances?instanceIdPrefix=${prefix}&createdTimeFrom=${future}`,
    );
    expect(later.body).toEqual([]);
    const purged = await requestJson(
      `${webhook()}/instances?runtimeStatus=Completed&createdTimeFrom=${future}`,
      {
        method: 'DELETE',
      },
    );
    expect(purged.status).toBe(404);
  });

  it('restarts a finished instance with the same input under a new id', async () => {
    const payload = await startViaWebhook('chaining', ['Again']);
    await waitForStatus(payload.statusQueryGetUri);
    const restarted = await requestJson(payload.restartPostUri, { method: 'POST' });
    expect(restarted.status).toBe(202);
    const next = restarted.body as CheckStatusPayload;
    expect(next.id).not.toBe(payload.id);
    expect((await waitForStatus(next.statusQueryGetUri)).output).toEqual(['Hello Again!']);
  });

  it('serves the DurableClient calls of a function: getStatus, raiseEvent, getStatusBy, purge', async () => {
    const { payload } = await startViaClient('customStatus');
    const clientUrl = (op: string, id = payload.id) => `${host.origin}/api/client/${op}/${id}`;
    await waitForStatus(payload.statusQueryGetUri, (s) => s.runtimeStatus === 'Running');
    const status = await requestJson(clientUrl('status'), { method: 'POST' });
    expect(status.body).toMatchObject({
      instanceId: payload.id,
      runtimeStatus: 'Running',
      customStatus: { phase: 'Waiting' },
    });
    const raised = await requestJson(clientUrl('raiseEvent'), {
      method: 'POST',
      body: { eventName: 'Go', eventData: 'via client' },
    });
    expect(raised.status).toBe(202);
    await waitForStatus(payload.statusQueryGetUri);
    const listed = await requestJson(`${host.origin}/api/client/list`, {
      method: 'POST',
      body: { runtimeStatus: ['Completed'], createdTimeFrom: new Date(Date.now() - 60_000).toISOString() },
    });
    expect(
      (listed.body as InstanceStatusBody[]).some(
        (s) => s.instanceId === payload.id && s.output === 'via client',
      ),
    ).toBe(true);
    const purged = await requestJson(clientUrl('purge'), { method: 'POST' });
    expect(purged.body).toEqual({ instancesDeleted: 1 });
    const afterPurge = await requestJson(clientUrl('status'), { method: 'POST' });
    expect(afterPurge.status).toBe(500);
  });

  it('answers 412 for rewind of a completed instance and 404 for an entity that does not exist', async () => {
    const payload = await startViaWebhook('chaining', ['R']);
    await waitForStatus(payload.statusQueryGetUri);
    const rewind = await requestJson(payload.statusQueryGetUri.replace('?', '/rewind?'), { method: 'POST' });
    expect(rewind).toMatchObject({ status: 412 });
    const entity = await requestJson(`${webhook()}/entities/counter/one`);
    expect(entity).toMatchObject({ status: 404, body: { code: 'EntityNotFound' } });
  });
});
