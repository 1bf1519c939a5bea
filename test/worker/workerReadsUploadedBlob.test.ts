import { join } from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobResultSchema, type JobFailed, type JobSucceeded } from '../../src/shared/contracts.js';
import { WORKER_ENV } from '../../src/shared/workerEnvironment.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { startWorkerTestBed, type WorkerTestBed } from './support/workerTestBed.js';

let bed: WorkerTestBed;
let incoming: ContainerClient;
beforeAll(async () => {
  bed = await startWorkerTestBed();
  incoming = BlobServiceClient.fromConnectionString(bed.azurite.connectionString).getContainerClient(
    'incoming',
  );
  await incoming.createIfNotExists();
});
afterAll(() => bed?.stop());

/** Runs the worker on `incoming/<name>` (no source URL) and returns its report. */
async function runOnBlob(name: string, overrides: Record<string, string> = {}) {
  const env = bed.env('https://unused.example/', {
    [WORKER_ENV.sourceUrl]: undefined,
    [WORKER_ENV.sourceBlob]: `incoming/${name}`,
    ...overrides,
  });
  const { code, logs } = await runWorkerProcess(env, 90_000);
  const result = jobResultSchema.parse(bed.callback.accepted('JobFinished').at(-1)?.body);
  const written: string[] = [];
  for await (const blob of bed.container.listBlobsFlat({ prefix: `${env.MF_INSTANCE_ID}/` }))
    written.push(blob.name);
  return { code, logs, result, written };
}

describe('the worker with an uploaded blob as its source', { timeout: 120_000 }, () => {
  it('reads the blob instead of running yt-dlp and converts it like a download', async () => {
    await incoming
      .getBlockBlobClient('u1/clip.webm')
      .uploadFile(join(bed.fixtures.dir, bed.fixtures.vp9Webm));
    const { code, logs, result, written } = await runOnBlob('u1/clip.webm');
    expect(code, logs).toBe(0);
    const succeeded = result as JobSucceeded;
    expect(succeeded.source).toEqual({ blob: 'incoming/u1/clip.webm', title: 'clip.webm' });
    expect(succeeded.media.videoCodec).toBe('h264');
    expect(written).toHaveLength(1);
    expect(logs).not.toMatch(/yt-dlp/);
  });

  it('fails TOO_LARGE from the blob size, before reading it', async () => {
    await incoming.getBlockBlobClient('u2/big.webm').uploadFile(join(bed.fixtures.dir, bed.fixtures.vp9Webm));
    const { code, result, written } = await runOnBlob('u2/big.webm', { [WORKER_ENV.maxBytes]: '1000' });
    expect(code).toBe(1);
    expect((result as JobFailed).error).toMatchObject({ code: 'TOO_LARGE', retryable: false });
    expect((result as JobFailed).error.message).toContain('1000');
    expect(written).toEqual([]);
  });

  it('fails NOT_MEDIA for a file ffprobe cannot read, writing nothing', async () => {
    await incoming.getBlockBlobClient('u3/notes.mp4').upload('not a video at all\n'.repeat(50), 950);
    const { code, result, written } = await runOnBlob('u3/notes.mp4');
    expect(code).toBe(1);
    expect((result as JobFailed).error).toMatchObject({ code: 'NOT_MEDIA', retryable: false });
    expect(written).toEqual([]);
    expect(bed.leftoverWorkDirs()).toEqual([]);
  });

  it('fails SOURCE_BLOB_NOT_FOUND when the blob is gone', async () => {
    const { result } = await runOnBlob('u4/deleted.mp4');
    expect((result as JobFailed).error).toMatchObject({ code: 'SOURCE_BLOB_NOT_FOUND', retryable: false });
  });
});
