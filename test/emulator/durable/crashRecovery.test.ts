import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requestJson, waitForStatus } from './support/durableHostProcess.js';
import { durableApi as api, useCrashHosts } from './support/crashHosts.js';
import type { InstanceStatusBody } from '../../../emulator/durable/instanceStatusBody.js';

const hosts = useCrashHosts('durable-crash-');

/** No history event that carries a task id or a result may appear twice after recovery. */
function expectNoDuplicateHistory(history: Array<Record<string, unknown>>): void {
  const keys = history
    .filter((e) => typeof e.EventId === 'number' && (e.EventId as number) >= 0)
    .map((e) => `${String(e.EventType)}#${String(e.EventId)}`);
  const resultKeys = history
    .filter((e) => e.TaskScheduledId !== undefined || e.TimerId !== undefined)
    .map((e) => `${String(e.EventType)}#${String(e.TaskScheduledId ?? e.TimerId)}`);
  const raised = history.filter((e) => e.EventType === 'EventRaised').map((e) => `raised#${String(e.Name)}`);
  for (const list of [keys, resultKeys, raised])
    expect(new Set(list).size, JSON.stringify(history)).toBe(list.length);
  expect(history.filter((e) => e.EventType === 'ExecutionStarted')).toHaveLength(1);
  expect(history.filter((e) => e.EventType === 'ExecutionCompleted')).toHaveLength(1);
}

describe('the durable engine survives kill -9 of the host', () => {
  it('completes orchestrations that had an activity in flight, a timer pending and an event awaited', async () => {
    const logFile = join(hosts.dataDir, 'activity-runs.log');
    const first = await hosts.start();
    await requestJson(api(first.origin, 'orchestrators/crashActivity/crash-activity'), {
      method: 'POST',
      body: { ms: 3_000, logFile },
    });
    await requestJson(api(first.origin, 'orchestrators/crashTimer/crash-timer'), {
      method: 'POST',
      body: { ms: 2_500 },
    });
    await requestJson(api(first.origin, 'orchestrators/crashEvent/crash-event'), { method: 'POST' });
    await requestJson(api(first.origin, 'orchestrators/fanOutFanIn/crash-fanout'), {
      method: 'POST',
      body: 30,
    });

    // Wait until the activity is running (it logs first), the timer is set and the event is awaited.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const started = (() => {
        try {
          return readFileSync(logFile, 'utf8').includes('activity');
        } catch {
          return false;
        }
      })();
      const statuses = await Promise.all(
        ['crash-timer', 'crash-event'].map(
          async (id) => (await requestJson(api(first.origin, `instances/${id}`))).body as InstanceStatusBody,
        ),
      );
      if (started && statuses.every((s) => s.runtimeStatus === 'Running')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await first.killNow();
    expect(first.signal()).toBe('SIGKILL');

    const second = await hosts.start();
    const raised = await requestJson(api(second.origin, 'instances/crash-event/raiseEvent/Go'), {
      method: 'POST',
      body: '"after restart"',
    });
    expect(raised.status).toBe(202);

    const expected: Record<string, unknown> = {
      'crash-activity': ['activity', 'Hello after crash!'],
      'crash-timer': 'Hello timer!',
      'crash-event': 'Hello after restart!',
      'crash-fanout': 930,
    };
    for (const [id, output] of Object.entries(expected)) {
      const done = await waitForStatus(api(second.origin, `instances/${id}`), undefined, 30_000);
      expect(done, id).toMatchObject({ runtimeStatus: 'Completed', output });
      const history = (
        (await requestJson(api(second.origin, `instances/${id}?showHistory=true&showHistoryOutput=true`)))
          .body as InstanceStatusBody
      ).historyEvents!;
      expectNoDuplicateHistory(history);
    }
    // At-least-once: the activity that was in flight at the crash ran again after the restart.
    expect(readFileSync(logFile, 'utf8').trim().split('\n')).toEqual(['activity', 'activity']);
    await second.stop();
  });
});
