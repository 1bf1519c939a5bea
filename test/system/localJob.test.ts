import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForJob, type OrchestrationStatus } from '../../emulator/stack/jobStatus.js';
import { LOCAL_IDS } from '../../emulator/stack/startLocalStack.js';
import { jobSucceededSchema, type JobSucceeded } from '../../src/shared/contracts.js';
import { startLocalTestStack, type LocalTestStack } from '../support/localTestStack.js';

const run = promisify(execFile);

/** The whole job on one machine, driven over HTTP only, as a user would drive it. */
describe('a job on the local stack', () => {
  let env: LocalTestStack;
  let downloads: string;

  beforeAll(async () => {
    downloads = mkdtempSync(join(tmpdir(), 'mediaferry-e2e-out-'));
    env = await startLocalTestStack({ settings: { LIVENESS_POLL_SECONDS: '2' }, removeOnStop: [downloads] });
  }, 120_000);

  afterAll(() => env?.stop());

  async function expectFinishedMp4(
    status: OrchestrationStatus,
    expectedBlobName: string,
  ): Promise<JobSucceeded> {
    expect(status.runtimeStatus, JSON.stringify(status.customStatus)).toBe('Completed');
    const result = jobSucceededSchema.parse(status.output);
    const output = result.outputs[0]!;
    expect(output.blobName).toBe(expectedBlobName);

    const file = join(downloads, `${status.instanceId}.mp4`);
    await env.blobs.getBlobClient(output.blobName).downloadToFile(file);
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
    expect(Math.abs(Number(probe.format.duration) - env.fixtures.durationSeconds)).toBeLessThan(0.3);
    return result;
  }

  it('turns a bare URL posted like `curl -d` into an MP4 blob and removes the container group', async () => {
    const started = await env.post({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: env.media.url(env.fixtures.progressiveMp4),
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
    await env.expectNothingLeftRunning();
  });

  it('runs a JSON job request with an output name and an HLS source', async () => {
    const started = await env.post({
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        url: env.media.url(env.fixtures.hlsMaster),
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
    await env.expectNothingLeftRunning();
  });

  it('authenticates the app and the worker with managed-identity tokens only', () => {
    const armCalls = env.stack.aci.requests.filter((r) => r.operation !== 'admin');
    expect(armCalls.length).toBeGreaterThan(0);
    expect(armCalls.every((r) => r.authorization === 'Bearer' && r.clientId === LOCAL_IDS.appClientId)).toBe(
      true,
    );

    const tokens = env.stack.identity.requests.filter((r) => r.status === 200);
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
