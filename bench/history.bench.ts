// Orchestration history of a long job on the local stack, side by side:
// 1. many progress reports: every report raised into the orchestration (as the callback used to do)
//    against the callback recording progress outside the history and raising only phase changes;
// 2. many liveness rounds: one generation waiting through all of them (as the orchestrator used to)
//    against continuing as new every LIVENESS_ROUNDS_PER_GENERATION rounds.
import { fixtureBytes } from '../test/support/mediaFixtures.js';
import { openBenchStack, trustedBenchCertificate, type BenchStack } from './benchStack.js';

/** Seconds the throttled download of the long job takes, and how often its worker reports. */
const DOWNLOAD_SECONDS = Number(process.env.HISTORY_BENCH_DOWNLOAD_SECONDS ?? 20);
const REPORT_INTERVAL_SECONDS = Number(process.env.HISTORY_BENCH_REPORT_INTERVAL_SECONDS ?? 0.2);
/** Rounds per generation in the liveness part (polls every second, so the job is long in rounds). */
const ROUNDS_PER_GENERATION = Number(process.env.HISTORY_BENCH_ROUNDS_PER_GENERATION ?? 3);

const certificate = trustedBenchCertificate();

/** True once job `id` completed; throws when it failed, was terminated or ran for ten minutes. */
function ended(id: string, runtimeStatus: string, started: number): boolean {
  if (runtimeStatus === 'Completed') return true;
  if (['Failed', 'Terminated'].includes(runtimeStatus)) throw new Error(`job ${id} ended ${runtimeStatus}`);
  if (performance.now() - started > 600_000) throw new Error(`job ${id} did not finish`);
  return false;
}

/** Prints one row of a side-by-side table: the label, then each column right-aligned to its width. */
function tableRow(widthBefore: number, widthAfter: number) {
  return (label: string, before: string | number, after: string | number) =>
    console.log(
      `${label.padEnd(34)}${String(before).padStart(widthBefore)}   ${String(after).padStart(widthAfter)}`,
    );
}

/** A bench stack (not started yet) whose clip downloads throttled to DOWNLOAD_SECONDS. */
async function openThrottledStack(): Promise<BenchStack> {
  const bench = await openBenchStack('history', certificate);
  const { fixtures, media } = bench;
  const bytes = fixtureBytes(fixtures, fixtures.progressiveMp4);
  media.setBehaviour(fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: bytes / DOWNLOAD_SECONDS });
  return bench;
}

const bench = await openThrottledStack();
const { fixtures, media, proxy } = bench;
let raiseEveryReport = false;

try {
  const stack = await bench.start({
    // No liveness poll during the job: every history event comes from the job's own reports.
    settings: { LIVENESS_POLL_SECONDS: '600' },
    aci: { containerEnvironment: { MF_PROGRESS_INTERVAL_SECONDS: String(REPORT_INTERVAL_SECONDS) } },
  });
  const host = stack.hostOrigin;
  const durable = `${host}/runtime/webhooks/durabletask`;
  // "Before": each report the app accepted is also raised into the orchestration, as it used to be.
  proxy.onForwarded = async (record, body) => {
    if (!raiseEveryReport || record.eventName !== 'JobProgress' || !record.statuses.includes(202)) return;
    await fetch(`${durable}/instances/${record.instanceId}/raiseEvent/JobProgress`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
  };

  const longJob = async () => {
    const response = await fetch(`${host}/api/orchestrator_httpstart`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: media.url(fixtures.progressiveMp4) }),
    });
    const { id, statusQueryGetUri } = (await response.json()) as { id: string; statusQueryGetUri: string };
    const started = performance.now();
    for (;;) {
      const status = (await (await fetch(statusQueryGetUri)).json()) as { runtimeStatus: string };
      if (ended(id, status.runtimeStatus, started)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const history = (await (await fetch(`${durable}/instances/${id}?showHistory=true`)).json()) as {
      historyEvents: { EventType?: string; eventType?: string }[];
    };
    const reports = proxy.forwarded.filter((r) => r.instanceId === id && r.eventName === 'JobProgress');
    return {
      seconds: (performance.now() - started) / 1000,
      reports: reports.length,
      events: history.historyEvents.length,
      raised: history.historyEvents.filter((e) => (e.EventType ?? e.eventType) === 'EventRaised').length,
    };
  };

  raiseEveryReport = true;
  const before = await longJob();
  raiseEveryReport = false;
  const after = await longJob();

  console.log(
    `long job: ${DOWNLOAD_SECONDS} s throttled download, a progress report every ${REPORT_INTERVAL_SECONDS} s (3 s by default)`,
  );
  console.log('');
  console.log('                                  every report raised   phase changes only');
  const row = tableRow(19, 18);
  row('job duration', `${before.seconds.toFixed(1)} s`, `${after.seconds.toFixed(1)} s`);
  row('progress reports', before.reports, after.reports);
  row('events raised into the instance', before.raised, after.raised);
  row('history events', before.events, after.events);
  row(
    'history events per report',
    (before.events / Math.max(1, before.reports)).toFixed(2),
    (after.events / Math.max(1, after.reports)).toFixed(2),
  );
  console.log('');
  console.log(
    '"every report raised" raises each accepted report again through the Durable API, as the callback',
  );
  console.log('used to; its count includes the phase changes the app raises itself.');
  console.log(
    `At the default 3 s interval a one-hour job sends about 1,200 reports: raising each adds about ${(((before.events - after.events) / Math.max(1, before.reports)) * 1200).toFixed(0)}`,
  );
  console.log('history events; with phase changes only, reports add none (liveness polls, one round per');
  console.log('LIVENESS_POLL_SECONDS, off here, still add a few events each).');
} finally {
  await bench.close();
}

/** One long job on a stack polling liveness every second: its longest history, generations and rounds. */
async function livenessJob(roundsPerGeneration: number) {
  const liveness = await openThrottledStack();
  try {
    const local = await liveness.start({
      settings: {
        LIVENESS_POLL_SECONDS: '1',
        LIVENESS_ROUNDS_PER_GENERATION: String(roundsPerGeneration),
      },
    });
    const host = local.hostOrigin;
    const response = await fetch(`${host}/api/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: liveness.media.url(liveness.fixtures.progressiveMp4) }),
    });
    const { id } = (await response.json()) as { id: string };
    const started = performance.now();
    let longest = 0;
    let generation = 1;
    let lastRounds = 0;
    for (;;) {
      const status = (await (
        await fetch(`${host}/runtime/webhooks/durabletask/instances/${id}?showHistory=true`)
      ).json()) as {
        runtimeStatus: string;
        input?: { continued?: { generation?: number } };
        historyEvents?: { EventType?: string; Name?: string }[];
      };
      const events = status.historyEvents ?? [];
      longest = Math.max(longest, events.length);
      generation = status.input?.continued?.generation ?? 1;
      // The liveness rounds of the current generation: its container inspections.
      lastRounds = events.filter(
        (e) => e.EventType === 'TaskScheduled' && e.Name === 'inspectJobContainer',
      ).length;
      if (ended(id, status.runtimeStatus, started)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // Every earlier generation ran its full count of wait rounds (an event round counts as one).
    const rounds = (generation - 1) * roundsPerGeneration + lastRounds;
    return { seconds: (performance.now() - started) / 1000, longest, generation, rounds };
  } finally {
    await liveness.close();
  }
}

// "Before": so many rounds per generation that the job never continues as new, as it used to wait.
const before = await livenessJob(1_000_000);
const after = await livenessJob(ROUNDS_PER_GENERATION);

console.log('');
console.log(
  `long wait: ${DOWNLOAD_SECONDS} s throttled download, liveness polled every second (30 s by default)`,
);
console.log('');
console.log(
  `                                  one generation   continue as new every ${ROUNDS_PER_GENERATION} rounds`,
);
const row = tableRow(14, 32);
row('job duration', `${before.seconds.toFixed(1)} s`, `${after.seconds.toFixed(1)} s`);
row('wait rounds', before.rounds, after.rounds);
row('generations', before.generation, after.generation);
row('longest history (events)', before.longest, after.longest);
const perRound = before.longest / Math.max(1, before.rounds);
row('history events per round', perRound.toFixed(1), '');
console.log('');
console.log(
  `A one-hour job at the default 30 s poll waits through 120 rounds: about ${Math.round(120 * perRound)} events in one`,
);
console.log(
  `generation before; at the default 20 rounds per generation, at most about ${Math.round(20 * perRound + (after.longest - ROUNDS_PER_GENERATION * perRound))} events, whatever its length.`,
);
