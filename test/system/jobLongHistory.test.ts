import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobViewSchema, type JobView } from '../../src/shared/jobView.js';
import { startLocalTestStack, type LocalTestStack } from '../support/localTestStack.js';
import { fixtureBytes } from '../support/mediaFixtures.js';

/** Liveness rounds per generation here: a few seconds of download is then many generations. */
const ROUNDS = 3;
/**
 * The most history events one generation may hold: a generation's start, its record read and
 * ROUNDS wait rounds of about 9 events each, plus a phase change or two and the cleanup at the end.
 */
const CEILING = 12 + ROUNDS * 9 + 20;

/**
 * A long wait on the local stack: liveness polls every second, and a throttled download that takes
 * about 16 s, so the job's orchestration continues as new several times. Its history stays under a
 * fixed ceiling, the worker's callback token keeps working across generations (the local engine,
 * like Azure Storage, restarts createdTime on each), and the view keeps the job's own creation time.
 */
describe('the orchestration history of a job that waits through many liveness rounds', () => {
  let env: LocalTestStack;

  beforeAll(async () => {
    env = await startLocalTestStack({
      settings: { LIVENESS_POLL_SECONDS: '1', LIVENESS_ROUNDS_PER_GENERATION: String(ROUNDS) },
    });
  }, 120_000);

  afterAll(async () => {
    await env?.stopExpectingNothingLeft();
  });

  const durable = (id: string, query = '') =>
    `${env.stack.hostOrigin}/runtime/webhooks/durabletask/instances/${id}${query}`;

  async function instance(id: string) {
    return (await (await fetch(durable(id, '?showHistory=true'))).json()) as {
      runtimeStatus: string;
      createdTime: string;
      input?: { continued?: { generation: number } };
      historyEvents?: unknown[];
    };
  }

  async function view(id: string): Promise<JobView> {
    return jobViewSchema.parse(await (await fetch(`${env.stack.hostOrigin}/api/jobs/${id}`)).json());
  }

  /** Follows a job until `until` says stop: the longest history and the last generation seen. */
  async function follow(id: string, until: (v: JobView, generation: number) => boolean) {
    let longest = 0;
    let generation = 1;
    const createdAts = new Set<string>();
    const deadline = Date.now() + 150_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`job ${id} did not get there in time`);
      const [status, current] = [await instance(id), await view(id)];
      longest = Math.max(longest, status.historyEvents?.length ?? 0);
      generation = Math.max(generation, status.input?.continued?.generation ?? 1);
      createdAts.add(current.createdAt);
      if (until(current, generation)) return { longest, generation, createdAts, view: current };
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  function throttle(seconds: number): void {
    const bytes = fixtureBytes(env.fixtures, env.fixtures.progressiveMp4);
    env.media.setBehaviour(env.fixtures.progressiveMp4, {
      kind: 'throttle',
      bytesPerSecond: bytes / seconds,
    });
  }

  it('continues as new under a fixed ceiling and still succeeds with its own creation time', async () => {
    throttle(16);
    try {
      const job = await env.submit({ url: env.media.url(env.fixtures.progressiveMp4) });
      const first = await view(job.id);
      const seen = await follow(job.id, (v) => ['Succeeded', 'Failed', 'Canceled'].includes(v.status));
      expect(seen.view.status).toBe('Succeeded');
      // About 16 liveness rounds at 3 per generation.
      expect(seen.generation).toBeGreaterThanOrEqual(4);
      expect(seen.longest).toBeLessThanOrEqual(CEILING);
      // The job's creation time never moved, though the engine's createdTime did.
      expect([...seen.createdAts]).toEqual([first.createdAt]);
      const final = await instance(job.id);
      expect(Date.parse(final.createdTime)).toBeGreaterThan(Date.parse(first.createdAt));
      expect(seen.view).toMatchObject({ attempts: 1, percent: 100, phase: 'Done' });
      expect(seen.view.outputs).toHaveLength(1);

      // A Durable restart under the same id starts with the last generation's input: the job runs
      // again from the start (a new run whose worker finds the first run's output and, never
      // overwriting, fails) instead of taking the old run's recorded report for its own.
      throttle(2);
      const restart = await fetch(durable(job.id, '/restart?restartWithNewInstanceId=false'), {
        method: 'POST',
      });
      expect(restart.status).toBe(202);
      const again = await follow(
        job.id,
        (v) =>
          Date.parse(v.createdAt) > Date.parse(first.createdAt) &&
          ['Succeeded', 'Failed', 'Canceled'].includes(v.status),
      );
      expect(again.view).toMatchObject({ status: 'Failed', attempts: 1, error: { code: 'OUTPUT_EXISTS' } });
    } finally {
      env.media.setBehaviour(env.fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: 1e9 });
    }
  }, 200_000);

  it('is canceled generations into its wait, leaving no group behind', async () => {
    throttle(60);
    try {
      const job = await env.submit({ url: env.media.url(env.fixtures.progressiveMp4) });
      await follow(job.id, (v, generation) => generation >= 3 && v.status === 'Running');
      const running = (await (await fetch(`${env.stack.hostOrigin}/api/jobs?status=Running`)).json()) as {
        jobs: { id: string }[];
      };
      expect(running.jobs.map((j) => j.id)).toContain(job.id);
      const cancel = await fetch(`${env.stack.hostOrigin}/api/jobs/${job.id}/cancel`, { method: 'POST' });
      expect(cancel.status).toBe(202);
      const seen = await follow(job.id, (v) => ['Succeeded', 'Failed', 'Canceled'].includes(v.status));
      expect(seen.view.status).toBe('Canceled');
      expect(seen.longest).toBeLessThanOrEqual(CEILING);
      await env.groupGone(job.id, 30_000);
    } finally {
      env.media.setBehaviour(env.fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: 1e9 });
    }
  }, 200_000);
});
