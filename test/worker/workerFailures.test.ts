import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobResultSchema, type JobFailed } from '../../src/shared/contracts.js';
import { fixtureBytes } from '../support/mediaFixtures.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { startWorkerTestBed, type WorkerTestBed } from './support/workerTestBed.js';

let bed: WorkerTestBed;
beforeAll(async () => {
  bed = await startWorkerTestBed();
});
afterAll(() => bed?.stop());
afterEach(() => bed.media.clearBehaviours());

/** Runs one job that must fail; checks the exit code, the report and that nothing was written. */
async function fail(sourcePath: string, overrides: Record<string, string> = {}) {
  const env = bed.env(bed.media.url(sourcePath), overrides);
  const started = Date.now();
  const { code, logs } = await runWorkerProcess(env, 90_000);
  const elapsedMs = Date.now() - started;
  expect(code, logs).toBe(1);
  const report = bed.callback.accepted('JobFinished').at(-1)?.body;
  const result = jobResultSchema.parse(report) as JobFailed;
  expect(result.status).toBe('Failed');
  const blobs: string[] = [];
  for await (const blob of bed.container.listBlobsFlat({ prefix: env.MF_OUTPUT_BLOB_NAME }))
    blobs.push(blob.name);
  expect(blobs).toEqual([]);
  expect(bed.leftoverWorkDirs()).toEqual([]);
  // The log explains the failure in words, not as a bare stack trace.
  expect(logs).toContain(`job failed: ${result.error.code}`);
  return { error: result.error, elapsedMs, logs };
}

describe(
  'worker reports a failed job with a stable code and leaves no blob behind',
  { timeout: 120_000 },
  () => {
    it('NOT_FOUND when the source answers 404, without leaking the URL query into message or logs', async () => {
      const { error, logs } = await fail('no/such/video.mp4?sig=TOPSECRET');
      expect(error).toMatchObject({ code: 'NOT_FOUND', retryable: false });
      expect(error.message).toMatch(/404/);
      expect(`${error.message}\n${logs}`).not.toContain('TOPSECRET');
    });

    it('UNSUPPORTED_URL for a page without media', async () => {
      const { error } = await fail(bed.fixtures.htmlWithoutMedia);
      expect(error).toMatchObject({ code: 'UNSUPPORTED_URL', retryable: false });
    });

    it('TOO_LARGE for a progressive download over maxBytes, stopped before the whole file is fetched', async () => {
      bed.media.setBehaviour(bed.fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: 200_000 });
      const firstRequest = bed.media.requests.length;
      const { error } = await fail(bed.fixtures.progressiveMp4, { MF_MAX_BYTES: '100000' });
      expect(error).toMatchObject({ code: 'TOO_LARGE', retryable: false });
      expect(error.message).toMatch(/limit of 0\.1 MB/);
      const sent = bed.media.requests
        .slice(firstRequest)
        .filter((r) => r.path === `/${bed.fixtures.progressiveMp4}`)
        .reduce((sum, r) => sum + r.bytesSent, 0);
      expect(sent).toBeLessThan(fixtureBytes(bed.fixtures, bed.fixtures.progressiveMp4) / 2);
    });

    it('TOO_LARGE for an HLS stream over maxBytes, which yt-dlp itself would not limit', async () => {
      // At loopback speed the whole stream arrives before any watcher could react; slow the video down.
      bed.media.setBehaviour('hls/s2_', { kind: 'throttle', bytesPerSecond: 200_000 });
      const firstRequest = bed.media.requests.length;
      const { error } = await fail(bed.fixtures.hlsMaster, { MF_MAX_BYTES: '120000' });
      expect(error).toMatchObject({ code: 'TOO_LARGE', retryable: false });
      // Stopped mid-stream: the second (audio) rendition was never fetched.
      const fetched = bed.media.requests.slice(firstRequest).map((r) => r.path);
      expect(fetched.some((p) => p.includes('/s0_'))).toBe(false);
    });

    it('TOO_LONG for media longer than maxDurationSeconds', async () => {
      const { error } = await fail(bed.fixtures.progressiveMp4, { MF_MAX_DURATION_SECONDS: '2' });
      expect(error).toMatchObject({ code: 'TOO_LONG', retryable: false });
      expect(error.message).toMatch(/limit of 2 s/);
    });

    it('NETWORK within bounded time when the source stalls mid-download', async () => {
      bed.media.setBehaviour(bed.fixtures.progressiveMp4, { kind: 'stallAfter', bytes: 64 * 1024 });
      const { error, elapsedMs } = await fail(bed.fixtures.progressiveMp4);
      expect(error).toMatchObject({ code: 'NETWORK', retryable: true });
      // Socket timeout 3 s, one retry: well under a minute even on a busy machine.
      expect(elapsedMs).toBeLessThan(45_000);
    });

    it('UPLOAD_FAILED when Blob Storage refuses the upload', async () => {
      const { error } = await fail(bed.fixtures.progressiveMp4, { MF_MEDIA_CONTAINER: 'no-such-container' });
      expect(error.code).toBe('UPLOAD_FAILED');
      expect(error.message).toMatch(/ContainerNotFound/);
      expect(error.retryable).toBe(false);
    });
  },
);
