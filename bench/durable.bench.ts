// Throughput of the local durable engine through a real host process: N chaining orchestrations × M
// sequential activities, then one fan-out to F activities, twice on each host (right after its start,
// and again once it runs warm); with the store's group commit off (each transaction committed on its
// own) and on, side by side, against the store's raw commit rate here.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableStore } from '../emulator/durable/durableStore.js';
import { HistoryEventType, historyEvent } from '../emulator/durable/historyEvent.js';
import {
  type DurableHostProcess,
  startDurableHostProcess,
} from '../test/emulator/durable/support/durableHostProcess.js';
import { lightJsonClient } from './benchHttp.js';

const ORCHESTRATIONS = Number(process.env.DURABLE_BENCH_ORCHESTRATIONS ?? 300);
const ACTIVITIES = Number(process.env.DURABLE_BENCH_ACTIVITIES ?? 5);
const FAN_OUT = Number(process.env.DURABLE_BENCH_FAN_OUT ?? 1000);
/** Starts in flight at once, as many clients would send them. */
const START_CONCURRENCY = 32;
const TARGET_PER_SECOND = 2000;

/** One pass of the workload on a host: the chaining run, then the fan-out. */
interface PassResult {
  chainSeconds: number;
  fanOutSeconds: number;
  latenciesMs: number[];
}

/** A host's first pass (right after its start, code not yet optimised) and its second. */
interface RunResult {
  passes: [PassResult, PassResult];
  peakRssMiB: number;
}

/** Single-row commits per second, and rows per second in transactions of 100, on the store itself. */
function storeCeiling(): { commitsPerSecond: number; batchedRowsPerSecond: number } {
  const dir = mkdtempSync(join(tmpdir(), 'durable-ceiling-'));
  const store = new DurableStore(dir, 'Ceiling', { groupCommit: false });
  const event = historyEvent(
    HistoryEventType.TaskCompleted,
    { TaskScheduledId: 0, Result: '"x"' },
    -1,
    new Date(),
  );
  try {
    const measure = (rowsPerCommit: number): number => {
      let rows = 0;
      const started = performance.now();
      while (performance.now() - started < 1_500) {
        store.transaction(() => {
          for (let i = 0; i < rowsPerCommit; i++) store.addToInbox('ceiling', event);
        });
        rows += rowsPerCommit;
      }
      return rows / ((performance.now() - started) / 1000);
    };
    return { commitsPerSecond: measure(1), batchedRowsPerSecond: measure(100) };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function inParallel<T>(items: T[], limit: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await each(items[next++]!);
    }),
  );
}

/** Schedule-to-outcome time of every activity in an instance's history. */
function activityLatencies(history: Array<Record<string, unknown>>): number[] {
  const scheduled = new Map<number, number>();
  const latencies: number[] = [];
  for (const event of history) {
    if (event.EventType === 'TaskScheduled')
      scheduled.set(event.EventId as number, Date.parse(event.Timestamp as string));
    if (event.EventType === 'TaskCompleted') {
      const at = scheduled.get(event.TaskScheduledId as number);
      if (at !== undefined) latencies.push(Date.parse(event.Timestamp as string) - at);
    }
  }
  return latencies;
}

async function run(groupCommit: boolean): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'durable-bench-'));
  const host: DurableHostProcess = await startDurableHostProcess({
    dataDir,
    env: { MEDIAFERRY_DURABLE_GROUP_COMMIT: groupCommit ? 'on' : 'off' },
  });
  const client = lightJsonClient();
  try {
    const api = (path: string) => `${host.origin}/runtime/webhooks/durabletask/${path}`;
    const start = async (name: string, id: string, body: unknown) => {
      const response = await client.request(api(`orchestrators/${name}/${id}`), { method: 'POST', body });
      if (response.status !== 202) throw new Error(`start of ${id} failed: ${response.status}`);
    };
    const history = async (id: string) =>
      (await client.request(api(`instances/${id}?showHistory=true&showHistoryOutput=true`))).body as {
        runtimeStatus: string;
        output: unknown;
        historyEvents: Array<Record<string, unknown>>;
      };
    // Polls often (so the end is seen within a few ms) with questions that cost the host little.
    const waitUntil = async (done: () => Promise<boolean>) => {
      const deadline = Date.now() + 600_000;
      while (!(await done())) {
        if (Date.now() > deadline) throw new Error('the run did not finish within 10 minutes');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };

    const pass = async (prefix: string): Promise<PassResult> => {
      const ids = Array.from({ length: ORCHESTRATIONS }, (_, i) => `${prefix}-${i}`);
      const fanOutId = `${prefix}-fan-out`;
      const names = Array.from({ length: ACTIVITIES }, (_, i) => `n${i}`);
      let started = performance.now();
      await inParallel(ids, START_CONCURRENCY, (id) => start('chaining', id, names));
      // Every instance is started by now: the run is over once none is left pending or running.
      await waitUntil(async () => {
        const unfinished = await client.request(
          api(`instances?runtimeStatus=Pending,Running&instanceIdPrefix=${prefix}-&top=1&showInput=false`),
        );
        return (unfinished.body as unknown[]).length === 0;
      });
      const chainSeconds = (performance.now() - started) / 1000;

      started = performance.now();
      await start('fanOutFanIn', fanOutId, FAN_OUT);
      await waitUntil(async () => {
        const status = (await client.request(api(`instances/${fanOutId}`))).body as { runtimeStatus: string };
        return ['Completed', 'Failed'].includes(status.runtimeStatus);
      });
      const fanOutSeconds = (performance.now() - started) / 1000;

      const latenciesMs: number[] = [];
      for (const id of [...ids, fanOutId]) {
        const status = await history(id);
        if (status.runtimeStatus !== 'Completed') throw new Error(`${id} ended ${status.runtimeStatus}`);
        latenciesMs.push(...activityLatencies(status.historyEvents));
      }
      const fanOut = await history(fanOutId);
      if (fanOut.output !== FAN_OUT * (FAN_OUT + 1)) throw new Error(`fan-out sum ${String(fanOut.output)}`);
      if (latenciesMs.length !== ORCHESTRATIONS * ACTIVITIES + FAN_OUT)
        throw new Error(`${latenciesMs.length} activity results in the histories`);
      return { chainSeconds, fanOutSeconds, latenciesMs };
    };
    const first = await pass('first');
    const second = await pass('second');
    return { passes: [first, second], peakRssMiB: peakRssMiB(host.pid) };
  } finally {
    client.close();
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const ceiling = storeCeiling();
const results = { off: await run(false), on: await run(true) };
const chainActivities = ORCHESTRATIONS * ACTIVITIES;
const allPerSecond = (p: PassResult) => (chainActivities + FAN_OUT) / (p.chainSeconds + p.fanOutSeconds);
const latency = (p: PassResult, percent: number) =>
  percentile(
    [...p.latenciesMs].sort((a, b) => a - b),
    percent,
  ).toFixed(0);
const rows: Array<[string, (p: PassResult) => string]> = [
  [
    `chaining ${ORCHESTRATIONS} × ${ACTIVITIES}: activities/s`,
    (p) => (chainActivities / p.chainSeconds).toFixed(0),
  ],
  [`fan-out to ${FAN_OUT}: activities/s`, (p) => (FAN_OUT / p.fanOutSeconds).toFixed(0)],
  ['all: activities/s', (p) => allPerSecond(p).toFixed(0)],
  ['  ÷ raw single-row commits/s', (p) => (allPerSecond(p) / ceiling.commitsPerSecond).toFixed(2)],
  ['  ÷ raw rows/s in batches of 100', (p) => (allPerSecond(p) / ceiling.batchedRowsPerSecond).toFixed(3)],
  ['activity latency p50 (ms)', (p) => latency(p, 50)],
  ['activity latency p99 (ms)', (p) => latency(p, 99)],
];
const columns: Array<[string, PassResult, RunResult]> = [
  ['off, 1st pass', results.off.passes[0], results.off],
  ['off, 2nd pass', results.off.passes[1], results.off],
  ['on, 1st pass', results.on.passes[0], results.on],
  ['on, 2nd pass', results.on.passes[1], results.on],
];
console.log(`store ceiling on this disk:  ${ceiling.commitsPerSecond.toFixed(0)} single-row commits/s,`);
console.log(
  `                             ${ceiling.batchedRowsPerSecond.toFixed(0)} rows/s in transactions of 100`,
);
console.log(
  'group commit off / on; the 1st pass runs right after the host starts, the 2nd on the same host after it:',
);
console.log(`${''.padEnd(40)}${columns.map(([title]) => title.padStart(15)).join('')}`);
for (const [label, value] of rows)
  console.log(`${label.padEnd(40)}${columns.map(([, pass]) => value(pass).padStart(15)).join('')}`);
console.log(
  `${'host peak RSS (MiB)'.padEnd(40)}${columns.map(([, , run]) => run.peakRssMiB.toFixed(0).padStart(15)).join('')}`,
);
const [firstPass, secondPass] = results.on.passes.map(allPerSecond) as [number, number];
console.log(
  `target ${TARGET_PER_SECOND} activities/s (group commit on, a running host: the 2nd pass): ` +
    `${secondPass >= TARGET_PER_SECOND ? 'met' : 'NOT met'} (${secondPass.toFixed(0)}/s; 1st pass ${firstPass.toFixed(0)}/s)`,
);
