import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pacingArguments } from '../../src/worker/ytDlpArguments.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { startWorkerTestBed, type WorkerTestBed } from './support/workerTestBed.js';

let bed: WorkerTestBed;
beforeAll(async () => {
  bed = await startWorkerTestBed();
});
afterAll(() => bed?.stop());

describe('pacing requests to a source', () => {
  it("turns the pacing into yt-dlp's sleep options, and adds nothing when it is all zero", () => {
    expect(
      pacingArguments({ sleepRequestsSeconds: 0, sleepIntervalSeconds: 0, maxSleepIntervalSeconds: 0 }),
    ).toEqual([]);
    expect(
      pacingArguments({ sleepRequestsSeconds: 1.5, sleepIntervalSeconds: 3, maxSleepIntervalSeconds: 8 }),
    ).toEqual(['--sleep-requests', '1.5', '--sleep-interval', '3', '--max-sleep-interval', '8']);
    // A maximum not above the minimum is a fixed sleep.
    expect(
      pacingArguments({ sleepRequestsSeconds: 0, sleepIntervalSeconds: 2, maxSleepIntervalSeconds: 1 }),
    ).toEqual(['--sleep-interval', '2']);
  });

  it(
    'waits MF_SLEEP_INTERVAL_SECONDS before fetching the media from the source',
    { timeout: 90_000 },
    async () => {
      const path = `/${bed.fixtures.progressiveMp4}`;
      const before = bed.media.requests.length;
      const { code, logs } = await runWorkerProcess(
        bed.env(bed.media.url(bed.fixtures.progressiveMp4), { MF_SLEEP_INTERVAL_SECONDS: '3' }),
      );
      expect(code, logs).toBe(0);
      const seen = bed.media.requests.slice(before).filter((r) => r.path === path);
      // yt-dlp looks at the URL first (extraction), then sleeps, then downloads.
      expect(seen.length).toBeGreaterThanOrEqual(2);
      const download = seen.at(-1)!;
      const previous = seen.at(-2)!;
      expect(download.at - previous.at).toBeGreaterThanOrEqual(2900);
    },
  );

  it(
    'refuses a pacing that is not a number of seconds from 0 to 3600 as BAD_CONFIG',
    { timeout: 60_000 },
    async () => {
      const { code, logs } = await runWorkerProcess(
        bed.env(bed.media.url(bed.fixtures.progressiveMp4), { MF_SLEEP_REQUESTS_SECONDS: '-1' }),
      );
      expect(code).toBe(2);
      expect(logs).toContain('MF_SLEEP_REQUESTS_SECONDS must be a number of seconds from 0 to 3600');
    },
  );
});
