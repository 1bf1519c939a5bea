import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../emulator/azurite/startAzurite.js';
import type { ProducedOutput } from '../../src/worker/outputs/produceOutputs.js';
import { uploadOutputFiles } from '../../src/worker/outputs/uploadOutputFiles.js';
import { WorkerError } from '../../src/worker/WorkerError.js';

let azurite: RunningAzurite;
let container: ContainerClient;
let outDir: string;

const outputs: ProducedOutput[] = [
  {
    kind: 'hls',
    main: 'hls/master.m3u8',
    files: ['hls/master.m3u8', 'hls/360p/index.m3u8', 'hls/360p/seg_00000.ts', 'hls/360p/seg_00001.ts'].map(
      (path) => ({ path, bytes: 0 }),
    ),
    facts: {},
  },
  { kind: 'thumbnail', main: 'thumbnail.jpg', files: [{ path: 'thumbnail.jpg', bytes: 0 }], facts: {} },
];

beforeAll(async () => {
  azurite = await startAzurite();
  container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('media');
  await container.createIfNotExists();
  outDir = mkdtempSync(join(tmpdir(), 'mediaferry-upload-outputs-'));
  mkdirSync(join(outDir, 'hls/360p'), { recursive: true });
  for (const output of outputs)
    for (const file of output.files) {
      const content = `content of ${file.path}\n`;
      writeFileSync(join(outDir, file.path), content);
      file.bytes = Buffer.byteLength(content);
    }
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
  rmSync(outDir, { recursive: true, force: true });
});

function upload(prefix: string) {
  return uploadOutputFiles({
    outDir,
    prefix,
    outputs,
    target: { container: 'media', connectionString: azurite.connectionString },
    metadata: { sourceUrl: 'http://127.0.0.1/clip.mp4', instanceId: 'job' },
    signal: new AbortController().signal,
    onProgress: () => undefined,
    concurrency: 2,
    retry: { maxTries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 10 },
  });
}

async function names(prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix })) found.push(blob.name);
  return found.sort();
}

describe('uploadOutputFiles', () => {
  it('uploads every file under the prefix once, and a rerun with the same files counts them as done', async () => {
    const first = await upload('rerun');
    expect(first.map((o) => [o.kind, o.blobName, o.files, o.bytes])).toEqual([
      ['hls', 'rerun/hls/master.m3u8', 4, outputs[0]!.files.reduce((s, f) => s + f.bytes, 0)],
      ['thumbnail', 'rerun/thumbnail.jpg', 1, outputs[1]!.files[0]!.bytes],
    ]);
    expect(await names('rerun/')).toHaveLength(5);
    expect(await upload('rerun')).toEqual(first);
  });

  it('fails with OUTPUT_EXISTS, not retryable, when another file holds a name, and leaves nothing of its own', async () => {
    await container.getBlockBlobClient('taken/hls/360p/seg_00001.ts').upload('someone else', 12);
    const error = await upload('taken').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect(error).toMatchObject({ code: 'OUTPUT_EXISTS', retryable: false });
    expect((error as Error).message).toContain('taken/hls/360p/seg_00001.ts already exists');
    expect(await names('taken/')).toEqual(['taken/hls/360p/seg_00001.ts']);
    const kept = await container.getBlobClient('taken/hls/360p/seg_00001.ts').downloadToBuffer();
    expect(kept.toString()).toBe('someone else');
  });
});
