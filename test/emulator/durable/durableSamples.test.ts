import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../../emulator/azurite/startAzurite.js';
import {
  type DurableHostProcess,
  requestJson,
  startDurableHostProcess,
  waitForStatus,
} from './support/durableHostProcess.js';
import { samplesAppOn } from './support/crashHosts.js';

// The patterns of the durable-functions JavaScript samples (samples-js), run on the host process
// and started through the samples' HTTP starters, i.e. the real DurableClient inside the app.
const workDir = mkdtempSync(join(tmpdir(), 'durable-samples-'));
let azurite: RunningAzurite;
let host: DurableHostProcess;
let blobs: BlobServiceClient;

const app = (path: string) => `${host.origin}/api/${path}`;
const statusUrl = (instanceId: string, query = '') =>
  `${host.origin}/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}${query}`;

/** Starts a sample through `httpStart` and returns the instance id from the check-status response. */
async function start(orchestrator: string, input: unknown): Promise<string> {
  const started = await requestJson(app(`orchestrators/${orchestrator}`), {
    method: 'POST',
    body: JSON.stringify(input),
  });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const body = started.body as { id: string; statusQueryGetUri: string };
  expect(body.statusQueryGetUri).toContain(`/runtime/webhooks/durabletask/instances/${body.id}`);
  return body.id;
}

async function runToCompletion(orchestrator: string, input: unknown) {
  const instanceId = await start(orchestrator, input);
  const done = await waitForStatus(statusUrl(instanceId), undefined, 30_000);
  expect(done.runtimeStatus, JSON.stringify(done)).toBe('Completed');
  return { instanceId, done };
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

beforeAll(async () => {
  azurite = await startAzurite();
  blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  host = await startDurableHostProcess({
    ...samplesAppOn(azurite.connectionString),
    dataDir: join(workDir, 'data'),
  });
});

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('the durable-functions JavaScript samples on the local host', () => {
  it('chains activities (helloSequence)', async () => {
    const { done } = await runToCompletion('helloSequence', null);
    expect(done.output).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello Cairo']);
  });

  it('runs a sub-orchestration and sets custom status', async () => {
    expect((await runToCompletion('sayHelloWithSubOrchestrator', 'Lisbon')).done.output).toBe('Hello Lisbon');
    const { done } = await runToCompletion('sayHelloWithCustomStatus', 'Oslo');
    expect(done.customStatus).toBe('Hello Oslo');
    expect(done.output).toBe('Hello Oslo');
  });

  it('answers the HTTP sync starter with the output when the orchestration ends in time', async () => {
    const answered = await requestJson(app('orchestrators/wait/helloSequence?timeout=10'), {
      method: 'POST',
      body: 'null',
    });
    expect(answered.status).toBe(200);
    expect(answered.body).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello Cairo']);
  });

  it('answers the HTTP sync starter with the check-status response when the wait runs out', async () => {
    const answered = await requestJson(
      app('orchestrators/wait/callSubOrchestratorWithRetry?timeout=0.2&retryInterval=0.1'),
      { method: 'POST', body: 'null' },
    );
    expect(answered.status).toBe(202);
    const body = answered.body as { id: string; statusQueryGetUri: string };
    expect(body.statusQueryGetUri).toContain(body.id);
    expect((await waitForStatus(statusUrl(body.id), undefined, 30_000)).runtimeStatus).toBe('Completed');
  });

  it('retries a flaky activity the configured number of times, then the orchestrator catches the failure', async () => {
    const before = occurrences(host.output(), 'Flaky Function Flaking!');
    const { instanceId, done } = await runToCompletion('callActivityWithRetry', null);
    expect(done.output ?? null).toBeNull();
    expect(occurrences(host.output(), 'Flaky Function Flaking!') - before).toBe(2);
    const withHistory = await waitForStatus(statusUrl(instanceId, '?showHistory=true'));
    const failures = (withHistory.historyEvents ?? []).filter((event) => event.EventType === 'TaskFailed');
    expect(failures).toHaveLength(2);
  });

  it('retries a failing sub-orchestration under the same child id, then the parent catches the failure', async () => {
    const { instanceId, done } = await runToCompletion('callSubOrchestratorWithRetry', null);
    expect(done.output ?? null).toBeNull();
    const child = await waitForStatus(statusUrl(`${instanceId}:0`));
    expect(child.runtimeStatus).toBe('Failed');
    expect(JSON.stringify(child.output)).toContain('throwsErrorInLine does what it says on the tin.');
    const withHistory = await waitForStatus(statusUrl(instanceId, '?showHistory=true'));
    const failures = (withHistory.historyEvents ?? []).filter(
      (event) => event.EventType === 'SubOrchestrationInstanceFailed',
    );
    expect(failures).toHaveLength(2);
  });

  it('cancels a two-minute timer once the activity wins, and completes at once', async () => {
    const started = Date.now();
    const { done } = await runToCompletion('cancelTimer', null);
    expect(done.output).toBe('Hello from the other side');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('counts up across continueAsNew with a timer in each generation', async () => {
    const { done } = await runToCompletion('continueAsNewCounter', 0);
    expect(done.output).toBe(3);
  });

  it('adds to the counter entity from an orchestration while it is below 10', async () => {
    expect((await runToCompletion('counterOrchestration', 'samples')).done.output).toBe(0);
    expect((await runToCompletion('counterOrchestration', 'samples')).done.output).toBe(1);
    const entity = await requestJson(
      `${host.origin}/runtime/webhooks/durabletask/entities/counterEntity/samples`,
    );
    expect(entity.status).toBe(200);
    expect(entity.body).toBe(2);
  });

  it('backs up a folder to blobs (backupSiteContent): every file under backups/<relative path>, byte for byte', async () => {
    const site = join(workDir, 'site');
    const files = new Map<string, Buffer>([
      ['index.html', Buffer.from('<h1>home</h1>')],
      ['css/site.css', Buffer.from('body { margin: 0 }')],
      ['img/logo.bin', randomBytes(100_000)],
      ['deep/a/b/notes.txt', Buffer.from('deep down')],
    ]);
    for (let i = 0; i < 30; i++) files.set(`many/file-${i}.txt`, Buffer.from(`file number ${i}`));
    for (const [relative, content] of files) {
      mkdirSync(dirname(join(site, relative)), { recursive: true });
      writeFileSync(join(site, relative), content);
    }
    const totalBytes = [...files.values()].reduce((sum, content) => sum + content.length, 0);

    const { done } = await runToCompletion('backupSiteContent', site);
    expect(done.output).toBe(totalBytes);

    const container = blobs.getContainerClient('backups');
    const names: string[] = [];
    for await (const item of container.listBlobsFlat()) names.push(item.name);
    expect(names.sort()).toEqual([...files.keys()].sort());
    for (const [relative, content] of files) {
      const stored = await container.getBlobClient(relative).downloadToBuffer();
      expect(stored.equals(content), relative).toBe(true);
    }
  });

  it('fails the backup orchestration with the sample’s message when no folder is given', async () => {
    const instanceId = await start('backupSiteContent', null);
    const done = await waitForStatus(statusUrl(instanceId), undefined, 30_000);
    expect(done.runtimeStatus).toBe('Failed');
    expect(JSON.stringify(done.output)).toContain('A directory path is required as an input.');
  });
});
