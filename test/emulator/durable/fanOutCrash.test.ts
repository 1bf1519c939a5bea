import Database from 'better-sqlite3';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requestJson, waitForStatus } from './support/durableHostProcess.js';
import { durableApi as api, useCrashHosts } from './support/crashHosts.js';
import type { InstanceStatusBody } from '../../../emulator/durable/instanceStatusBody.js';

const COUNT = 600;
const hosts = useCrashHosts('durable-fan-out-crash-');
const { dataDir } = hosts;
const logFile = join(dataDir, 'executions.log');

/** How often each activity input n ran, from the lines the activity appends. */
function executions(): Map<number, number> {
  const runs = new Map<number, number>();
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return runs;
  }
  for (const line of text.split('\n')) if (line) runs.set(Number(line), (runs.get(Number(line)) ?? 0) + 1);
  return runs;
}

/** The n of every TaskCompleted the durable store holds (history and inbox): the completed steps. */
function completedInStore(): Set<number> {
  const file = readdirSync(dataDir).find((f) => f.startsWith('durable-') && f.endsWith('.sqlite'))!;
  const db = new Database(join(dataDir, file));
  try {
    const rows = db
      .prepare(
        "SELECT event FROM history WHERE instance_id = 'fan-out' UNION ALL SELECT event FROM inbox WHERE instance_id = 'fan-out'",
      )
      .all() as { event: string }[];
    const done = new Set<number>();
    for (const { event } of rows) {
      const parsed = JSON.parse(event) as { EventType: number; Result?: string };
      if (parsed.EventType === 5) done.add(Number(JSON.parse(parsed.Result!)) / 2);
    }
    return done;
  } finally {
    db.close();
  }
}

/** The n of every TaskCompleted in a status answer's history. */
function completedIn(status: InstanceStatusBody): Map<number, number> {
  const done = new Map<number, number>();
  for (const event of status.historyEvents ?? []) {
    if (event.EventType === 'TaskCompleted')
      done.set((event.Result as number) / 2, event.TaskScheduledId as number);
  }
  return done;
}

describe('kill -9 during a fan-out to hundreds of activities', () => {
  it('loses no completed step and runs no completed activity again', { timeout: 180_000 }, async () => {
    const first = await hosts.start();
    const started = await requestJson(api(first.origin, 'orchestrators/countedFanOut/fan-out'), {
      method: 'POST',
      body: { count: COUNT, logFile, workMs: 1 },
    });
    expect(started.status).toBe(202);

    // Kill at full load: as soon as a reply has reported results, with most activities still to run.
    let reported = new Map<number, number>();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const status = (
        await requestJson(api(first.origin, 'instances/fan-out?showHistory=true&showHistoryOutput=true'))
      ).body as InstanceStatusBody;
      expect(['Pending', 'Running']).toContain(status.runtimeStatus);
      reported = completedIn(status);
      if (reported.size > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await first.killNow();
    expect(first.signal()).toBe('SIGKILL');
    const ranBeforeKill = executions();
    expect(reported.size).toBeGreaterThan(0);
    expect(ranBeforeKill.size).toBeLessThan(COUNT);

    // Every result a reply reported is on disk, and so is every result the store committed.
    const durable = completedInStore();
    expect(durable.size).toBeLessThan(COUNT);
    for (const n of reported.keys()) expect(durable.has(n), `reported result of ${n} is on disk`).toBe(true);
    for (const n of durable) expect(ranBeforeKill.get(n), `activity ${n} ran before the kill`).toBe(1);

    const second = await hosts.start();
    const done = await waitForStatus(api(second.origin, 'instances/fan-out'), undefined, 120_000);
    expect(done).toMatchObject({ runtimeStatus: 'Completed', output: COUNT * (COUNT + 1) });

    // No completed step lost: each reported result is in the final history under the same task.
    const final = (
      await requestJson(api(second.origin, 'instances/fan-out?showHistory=true&showHistoryOutput=true'))
    ).body as InstanceStatusBody;
    const finalCompleted = completedIn(final);
    expect(finalCompleted.size).toBe(COUNT);
    expect(final.historyEvents!.filter((e) => e.EventType === 'TaskCompleted')).toHaveLength(COUNT);
    for (const [n, taskId] of reported) expect(finalCompleted.get(n)).toBe(taskId);

    // Every activity ran; those whose result was committed before the kill ran exactly once;
    // only those still in flight at the kill may have run again.
    const runs = executions();
    expect(runs.size).toBe(COUNT);
    for (const n of durable) expect(runs.get(n), `completed activity ${n} ran again`).toBe(1);
    for (const [n, times] of runs) {
      expect(times).toBeLessThanOrEqual(2);
      if (times === 2) expect(durable.has(n)).toBe(false);
    }
    await second.stop();
  });
});
