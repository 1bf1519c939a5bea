import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { useAzurite } from '../../support/useAzurite.js';
import { requestJson, waitForStatus } from './support/durableHostProcess.js';
import { durableApi, samplesAppOn, useCrashHosts } from './support/crashHosts.js';

const FILES = 150;
// Azurite first, so that its stop comes after every host is killed.
const azurite = useAzurite();
const hosts = useCrashHosts('durable-samples-crash-', {
  dataSubdir: 'data',
  hostOptions: () => samplesAppOn(azurite().connectionString),
});
const { workDir } = hosts;
const startHost = () => hosts.start();

describe('the blob-backup fan-out across kill -9 of the host', () => {
  it('finishes after a restart with every file backed up byte for byte and the right byte total', async () => {
    const site = join(workDir, 'site');
    mkdirSync(site, { recursive: true });
    const files = new Map<string, Buffer>();
    for (let i = 0; i < FILES; i++)
      files.set(`page-${String(i).padStart(3, '0')}.bin`, randomBytes(1_000 + i));
    for (const [name, content] of files) writeFileSync(join(site, name), content);
    const container = BlobServiceClient.fromConnectionString(azurite().connectionString).getContainerClient(
      'backups',
    );
    const backedUp = async () => {
      if (!(await container.exists())) return 0;
      let count = 0;
      for await (const _item of container.listBlobsFlat()) count++;
      return count;
    };

    const first = await startHost();
    const started = await requestJson(`${first.origin}/api/orchestrators/backupSiteContent`, {
      method: 'POST',
      body: JSON.stringify(site),
    });
    expect(started.status).toBe(202);
    const instanceId = (started.body as { id: string }).id;

    // Kill once the fan-out is under way: some copies done, most not.
    const deadline = Date.now() + 30_000;
    let atKill = 0;
    while (Date.now() < deadline && (atKill = await backedUp()) < 10) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await first.killNow();
    expect(atKill).toBeGreaterThanOrEqual(10);
    expect(atKill).toBeLessThan(FILES);

    const second = await startHost();
    const done = await waitForStatus(
      durableApi(second.origin, `instances/${instanceId}`),
      undefined,
      120_000,
    );
    expect(done.runtimeStatus, JSON.stringify(done)).toBe('Completed');
    const totalBytes = [...files.values()].reduce((sum, content) => sum + content.length, 0);
    expect(done.output).toBe(totalBytes);
    expect(await backedUp()).toBe(FILES);
    for (const [name, content] of files) {
      expect((await container.getBlobClient(name).downloadToBuffer()).equals(content), name).toBe(true);
    }
  }, 180_000);
});
