import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobResultSchema, type JobSucceeded } from '../../src/shared/contracts.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { startWorkerTestBed, type WorkerTestBed } from './support/workerTestBed.js';

let bed: WorkerTestBed;
beforeAll(async () => {
  bed = await startWorkerTestBed();
});
afterAll(() => bed?.stop());

describe('a signed source URL stays in the worker’s secure environment', { timeout: 120_000 }, () => {
  it('is kept without its query in the result, the blob metadata and the logs', async () => {
    const signed = `${bed.media.url(bed.fixtures.progressiveMp4)}?sv=2024-11-04&sig=TOPSECRET`;
    const env = bed.env(signed);
    const { code, logs } = await runWorkerProcess(env, 90_000);
    expect(code, logs).toBe(0);
    // The download itself used the full URL.
    expect(bed.media.requests.some((r) => r.path === `/${bed.fixtures.progressiveMp4}`)).toBe(true);

    const reported = JSON.stringify(bed.callback.accepted('JobFinished').at(-1)?.body);
    const result = jobResultSchema.parse(JSON.parse(reported)) as JobSucceeded;
    expect(result.source?.url).toBe(`${bed.media.url(bed.fixtures.progressiveMp4)}?redacted`);
    const properties = await bed.container.getBlobClient(env.MF_OUTPUT_BLOB_NAME as string).getProperties();
    expect(decodeURIComponent(properties.metadata?.sourceurl ?? '')).toBe(
      `${bed.media.url(bed.fixtures.progressiveMp4)}?redacted`,
    );
    for (const text of [reported, JSON.stringify(properties.metadata), logs])
      expect(text).not.toContain('TOPSECRET');
  });
});
