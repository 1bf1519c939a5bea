import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from '../../emulator/azurite/startAzurite.js';
import { ensureLocalCertificate } from '../../emulator/certs/localCertificate.js';
import { waitForJob, type OrchestrationStatus } from '../../emulator/stack/jobStatus.js';
import { LOCAL_IDS, startLocalStack, type LocalStack } from '../../emulator/stack/startLocalStack.js';
import { jobSucceededSchema, type JobSucceeded } from '../../src/shared/contracts.js';
import { mediaFixtures, type MediaFixtures } from '../support/mediaFixtures.js';
import { startMediaServer, type MediaServer } from '../support/mediaServer.js';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../..');

/** The whole job on one machine, driven over HTTP only, as a user would drive it. */
describe('a job on the local stack', () => {
  let stack: LocalStack;
  let media: MediaServer;
  let fixtures: MediaFixtures;
  let dataDir: string;
  let downloads: string;

  beforeAll(async () => {
    fixtures = await mediaFixtures();
    media = await startMediaServer({ root: fixtures.dir });
    dataDir = mkdtempSync(join(tmpdir(), 'mediaferry-e2e-'));
    downloads = mkdtempSync(join(tmpdir(), 'mediaferry-e2e-out-'));
    stack = await startLocalStack({
      appDir: repoRoot,
      dataDir,
      hostPort: 0,
      inMemoryStorage: true,
      certificate: ensureLocalCertificate(process.env.MEDIAFERRY_TEST_CERT_DIR as string),
      settings: { LIVENESS_POLL_SECONDS: '2' },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await media?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
  });

  async function submit(init: RequestInit): Promise<{ status: number; body: Record<string, string> }> {
    const response = await fetch(`${stack.hostOrigin}/api/orchestrator_httpstart`, {
      method: 'POST',
      ...init,
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  async function expectFinishedMp4(
    status: OrchestrationStatus,
    expectedBlobName: string,
  ): Promise<JobSucceeded> {
    expect(status.runtimeStatus, JSON.stringify(status.customStatus)).toBe('Completed');
    const result = jobSucceededSchema.parse(status.output);
    const output = result.outputs[0]!;
    expect(output.blobName).toBe(expectedBlobName);

    const blobs = new BlobServiceClient(
      stack.azurite.blobEndpoint,
      new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY),
    ).getContainerClient(LOCAL_IDS.mediaContainer);
    const file = join(downloads, `${status.instanceId}.mp4`);
    await blobs.getBlobClient(output.blobName).downloadToFile(file);
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(output.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(output.sha256);

    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_streams',
      '-show_format',
      '-of',
      'json',
      file,
    ]);
    const probe = JSON.parse(stdout) as {
      streams: { codec_type: string; codec_name: string }[];
      format: { duration: string };
    };
    expect(probe.streams.find((s) => s.codec_type === 'video')?.codec_name).toBe('h264');
    expect(probe.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
    expect(Math.abs(Number(probe.format.duration) - fixtures.durationSeconds)).toBeLessThan(0.3);
    return result;
  }

  async function expectNoContainerGroupsLeft(): Promise<void> {
    const token = (): AccessToken => ({
      token: stack.identity.issuer.issue({ clientId: LOCAL_IDS.appClientId }, 'https://management.azure.com')
        .accessToken,
      expiresOnTimestamp: Date.now() + 3600_000,
    });
    const credential: TokenCredential = { getToken: async () => token() };
    const client = new ContainerInstanceManagementClient(credential, LOCAL_IDS.subscriptionId, {
      endpoint: stack.aci.endpoint,
      credentialScopes: ['https://management.azure.com/.default'],
    });
    const groups = [];
    for await (const group of client.containerGroups.listByResourceGroup(LOCAL_IDS.resourceGroup))
      groups.push(group);
    expect(groups.map((g) => g.name)).toEqual([]);
    expect(stack.aci.runningProcesses()).toEqual([]);
  }

  it('turns a bare URL posted like `curl -d` into an MP4 blob and removes the container group', async () => {
    const started = await submit({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: media.url(fixtures.progressiveMp4),
    });
    expect(started.status).toBe(202);
    expect(started.body.statusQueryGetUri).toMatch(
      /^http:\/\/localhost:\d+\/api\/jobs\/[0-9a-f]{32}\/status$/,
    );

    const phases = new Set<string>();
    const status = await waitForJob(started.body.statusQueryGetUri as string, {
      timeoutMs: 120_000,
      intervalMs: 200,
      onStatus: (s) => s.customStatus && phases.add(s.customStatus.phase),
    });
    const result = await expectFinishedMp4(status, `${started.body.id}/${started.body.id}.mp4`);
    expect(result.media.videoCodec).toBe('h264');
    expect(phases.has('Done')).toBe(true);
    await expectNoContainerGroupsLeft();
  });

  it('runs a JSON job request with an output name and an HLS source', async () => {
    const started = await submit({
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        url: media.url(fixtures.hlsMaster),
        outputName: 'e2e/hls-clip',
        maxHeight: 360,
      }),
    });
    expect(started.status).toBe(202);
    const status = await waitForJob(started.body.statusQueryGetUri as string, {
      timeoutMs: 120_000,
      intervalMs: 200,
    });
    // A client's outputName lives under the job's own prefix.
    const result = await expectFinishedMp4(status, `${started.body.id}/e2e/hls-clip.mp4`);
    expect(result.media.height).toBe(360);
    await expectNoContainerGroupsLeft();
  });

  it('authenticates the app and the worker with managed-identity tokens only', () => {
    const armCalls = stack.aci.requests.filter((r) => r.operation !== 'admin');
    expect(armCalls.length).toBeGreaterThan(0);
    expect(armCalls.every((r) => r.authorization === 'Bearer' && r.clientId === LOCAL_IDS.appClientId)).toBe(
      true,
    );

    const tokens = stack.identity.requests.filter((r) => r.status === 200);
    // The app: App Service protocol, for ARM (and its own host storage).
    expect(tokens).toContainEqual(
      expect.objectContaining({
        flavor: 'AppService',
        clientId: LOCAL_IDS.appClientId,
        resource: expect.stringContaining('management.azure.com'),
      }),
    );
    // The worker: IMDS protocol, for Blob Storage.
    expect(tokens).toContainEqual(
      expect.objectContaining({
        flavor: 'Imds',
        clientId: LOCAL_IDS.workerClientId,
        resource: expect.stringContaining('storage.azure.com'),
      }),
    );
  });
});
