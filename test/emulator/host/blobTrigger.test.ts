import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../../emulator/azurite/startAzurite.js';
import { eventually } from '../../support/eventually.js';
import { startHostProcess, type HostProcess } from '../../support/startHost.js';

const appDir = resolve(import.meta.dirname, '../../apps/blob-trigger');

interface Delivery {
  functionName: string;
  isBuffer: boolean;
  content: string;
  triggerMetadata: Record<string, unknown> & { properties: Record<string, unknown> };
}

describe('local host blob trigger (test/apps/blob-trigger against Azurite)', () => {
  let workDir: string;
  let azurite: RunningAzurite;
  let host: HostProcess | undefined;
  let drops: ContainerClient;
  let reports: ContainerClient;
  const log = () => join(workDir, 'deliveries.jsonl');
  const deliveries = (): Delivery[] =>
    existsSync(log())
      ? readFileSync(log(), 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Delivery)
      : [];
  const start = async () => {
    host = await startHostProcess({
      appDir,
      dataDir: join(workDir, 'data'),
      args: ['--no-durable'],
      env: {
        WatchedStorage: azurite.connectionString,
        DELIVERY_LOG: log(),
        FAIL_ON_NAME: 'always-fails.txt',
        MEDIAFERRY_BLOB_POLL_MS: '200',
      },
    });
  };

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'mediaferry-blob-trigger-'));
    azurite = await startAzurite();
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    drops = service.getContainerClient('drops');
    reports = service.getContainerClient('reports');
    await drops.create();
    await reports.create();
    await start();
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('lists blob-triggered functions as running locally, without a warning', () => {
    const output = host!.output();
    expect(output).toContain('\tonDrop: blobTrigger\n');
    expect(output).not.toContain('not supported locally');
    expect(output).toContain('Function "onDrop": watching drops/');
  });

  it('delivers a new blob once, as bytes, with the metadata the Functions host gives', async () => {
    const blob = drops.getBlockBlobClient('clips/first.txt');
    const uploaded = await blob.upload('hello blob', 10, {
      blobHTTPHeaders: { blobContentType: 'text/plain' },
      metadata: { origin: 'test' },
    });
    await eventually('the delivery', async () => deliveries().length === 1, 15_000);
    const [delivery] = deliveries();
    expect(delivery).toMatchObject({ functionName: 'onDrop', isBuffer: true, content: 'hello blob' });
    expect(delivery?.triggerMetadata).toMatchObject({
      blobTrigger: 'drops/clips/first.txt',
      uri: blob.url,
      name: 'clips/first.txt',
      metadata: { origin: 'test' },
    });
    expect(delivery?.triggerMetadata.properties).toMatchObject({
      contentLength: 10,
      contentType: 'text/plain',
      eTag: uploaded.etag,
      blobType: 'BlockBlob',
    });
    // Later polls find nothing new.
    await new Promise((r) => setTimeout(r, 1000));
    expect(deliveries()).toHaveLength(1);
  });

  it('delivers a blob written again under the same name as a new version', async () => {
    const before = deliveries().length;
    await drops.getBlockBlobClient('clips/first.txt').upload('hello again', 11);
    await eventually('the second delivery', async () => deliveries().length === before + 1, 15_000);
    expect(deliveries().at(-1)?.content).toBe('hello again');
  });

  it('fills named parts of the path pattern and skips blobs that do not match it', async () => {
    await reports.getBlockBlobClient('weekly-1.csv').upload('w', 1);
    await reports.getBlockBlobClient('daily-2026-03-01.csv').upload('d', 1);
    await eventually(
      'the report delivery',
      async () => deliveries().some((d) => d.functionName === 'onReport'),
      15_000,
    );
    await new Promise((r) => setTimeout(r, 800));
    const reportDeliveries = deliveries().filter((d) => d.functionName === 'onReport');
    expect(reportDeliveries).toHaveLength(1);
    expect(reportDeliveries[0]?.triggerMetadata).toMatchObject({ day: '2026-03-01', ext: 'csv' });
  });

  it('tries a failing blob five times, then gives up on it with an error', async () => {
    await drops.getBlockBlobClient('always-fails.txt').upload('x', 1);
    await eventually(
      'five attempts',
      async () => deliveries().filter((d) => d.content === 'x').length === 5,
      20_000,
    );
    await eventually(
      'the give-up error',
      async () => host!.output().includes('failed 5 times for blob drops/always-fails.txt'),
      5000,
    );
    await new Promise((r) => setTimeout(r, 800));
    expect(deliveries().filter((d) => d.content === 'x')).toHaveLength(5);
  });

  it('after SIGKILL, delivers what arrived while it was down and repeats nothing', async () => {
    const before = deliveries().length;
    await host!.kill('SIGKILL');
    host = undefined;
    await drops.getBlockBlobClient('while-down.txt').upload('late', 4);
    await start();
    await eventually('the late delivery', async () => deliveries().some((d) => d.content === 'late'), 15_000);
    await new Promise((r) => setTimeout(r, 1000));
    const after = deliveries().slice(before);
    expect(after.map((d) => d.content)).toEqual(['late']);
  });
});
