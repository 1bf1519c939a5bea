import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobViewSchema } from '../../src/shared/jobView.js';
import type { CallbackProxy } from '../support/callbackProxy.js';
import { behindCallbackProxy, startLocalTestStack, type LocalTestStack } from '../support/localTestStack.js';
import { fixtureBytes } from '../support/mediaFixtures.js';

/**
 * Progress kept out of the orchestration history, on the local stack: workers report every 0.2 s
 * (15 times as often as by default), and a throttled download makes one job long.
 */
describe('the orchestration history of a job with many progress reports', () => {
  let env: LocalTestStack & { proxy: CallbackProxy };
  let proxy: CallbackProxy;

  beforeAll(async () => {
    env = await behindCallbackProxy((callback) =>
      startLocalTestStack({
        // No liveness poll during these jobs: every history event comes from the job's own reports.
        settings: { ...callback, LIVENESS_POLL_SECONDS: '300' },
        aci: { containerEnvironment: { MF_PROGRESS_INTERVAL_SECONDS: '0.2' } },
      }),
    );
    ({ proxy } = env);
  }, 120_000);

  afterAll(() => env?.stopExpectingNothingLeft());

  async function historyEvents(id: string): Promise<number> {
    const answer = await fetch(
      `${env.stack.hostOrigin}/runtime/webhooks/durabletask/instances/${id}?showHistory=true`,
    );
    const body = (await answer.json()) as { historyEvents?: unknown[] };
    if (!body.historyEvents) throw new Error(`no history for ${id}: ${JSON.stringify(body)}`);
    return body.historyEvents.length;
  }

  const progressReports = (id: string) =>
    proxy.forwarded.filter((r) => r.instanceId === id && r.eventName === 'JobProgress').length;

  it('stays as short as a quick job’s, while the job view shows the latest percent', async () => {
    const url = env.media.url(env.fixtures.progressiveMp4);
    const quick = await env.submit({ url });
    expect((await env.wait(quick.statusQueryGetUri, 90_000)).runtimeStatus).toBe('Completed');

    // About 16 s of download for the long job.
    const bytes = fixtureBytes(env.fixtures, env.fixtures.progressiveMp4);
    env.media.setBehaviour(env.fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: bytes / 16 });
    let ahead = 0;
    const percents = new Set<number>();
    let finalStatus = '';
    try {
      const long = await env.submit({ url });
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        const view = jobViewSchema.parse(
          await (await fetch(`${env.stack.hostOrigin}/api/jobs/${long.id}`)).json(),
        );
        if (['Succeeded', 'Failed', 'Canceled'].includes(view.status)) {
          finalStatus = view.status;
          break;
        }
        if (view.phase === 'Downloading' && view.percent !== null) {
          percents.add(view.percent);
          // The orchestration itself heard only the phase change; the view's percent is the latest report's.
          const raw = (await (
            await fetch(`${env.stack.hostOrigin}/runtime/webhooks/durabletask/instances/${long.id}`)
          ).json()) as { customStatus?: { phase?: string; percent?: number } };
          if (raw.customStatus?.phase === 'Downloading' && view.percent > (raw.customStatus.percent ?? 0))
            ahead += 1;
        }
        await new Promise((r) => setTimeout(r, 400));
      }
      expect(finalStatus).toBe('Succeeded');

      const reports = progressReports(long.id);
      expect(reports).toBeGreaterThanOrEqual(15);
      expect(reports).toBeGreaterThan(progressReports(quick.id) + 10);
      expect(percents.size).toBeGreaterThanOrEqual(5);
      expect(ahead).toBeGreaterThanOrEqual(3);
      // Each report raised used to add five events (raised, episode start and end, two re-armed
      // timers): more than a hundred here. Now the long job's history is the quick job's, give or
      // take a phase change raised twice.
      const [quickHistory, longHistory] = [await historyEvents(quick.id), await historyEvents(long.id)];
      expect(longHistory).toBeLessThanOrEqual(quickHistory + 6);
    } finally {
      env.media.setBehaviour(env.fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: 1e9 });
    }
  }, 240_000);
});
