import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../../emulator/azurite/startAzurite.js';
import {
  type DurableHostProcess,
  requestJson,
  startDurableHostProcess,
  waitForStatus,
  SAMPLES_APP_DIR,
} from './support/durableHostProcess.js';

const FILES = 150;
const workDir = mkdtempSync(join(tmpdir(), 'durable-samples-crash-'));
const dataDir = join(workDir, 'data');
const hosts: DurableHostProcess[] = [];
let azurite: RunningAzurite;

async function startHost(): Promise<DurableHostProcess> {
  const host = await startDurableHostProcess({
    appDir: SAMPLES_APP_DIR,
    dataDir,
    env: { StorageConnString: azurite.connectionString, AzureWebJobsStorage: azurite.connectionString },
  });
  hosts.push(host);
  return host;
}

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  for (const host of hosts) await host.killNow();
  await azurite?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('the blob-backup fan-out across kill -9 of the host', () => {
  it('finishes after a restart with every file backed up byte for byte and the right byte total', async () => {
    const site = join(workDir, 'site');
    mkdirSync(site, { recursive: true });
    const files = new Map<string, Buffer>();
    for (let i = 0; i < FILES; i++)
      files.set(`page-${String(i).padStart(3, '0')}.bin`, randomBytes(1_000 + i));
    for (const [name, content] of files) writeFileSync(join(site, name), content);
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
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
      `${second.origin}/runtime/webhooks/durabletask/instances/${instanceId}`,
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
