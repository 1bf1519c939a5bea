import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_IDS, type LocalStack } from '../../emulator/stack/startLocalStack.js';
import { startLocalTestStack, type LocalTestStack } from '../support/localTestStack.js';
import type { JobSucceeded } from '../../src/shared/contracts.js';

interface InstanceStatus {
  runtimeStatus: string;
  output: unknown;
  customStatus: { phase?: string; error?: { code: string } } | null;
}

/**
 * What a holder of the Durable system key can do on the composed local stack: start the orchestrator
 * directly with hostile input, and raise a forged JobFinished. Workers only sleep here; no source is
 * ever fetched.
 */
describe('the job orchestration distrusts callers of the Durable HTTP API', () => {
  let env: LocalTestStack;
  let stack: LocalStack;
  const durable = () => `${stack.hostOrigin}/runtime/webhooks/durabletask`;

  beforeAll(async () => {
    env = await startLocalTestStack({
      // Private sources refused, as in Azure; the worker image sleeps instead of downloading.
      settings: { ALLOW_PRIVATE_SOURCES: 'false', LIVENESS_POLL_SECONDS: '2' },
      aci: {
        images: {
          [LOCAL_IDS.workerImage]: {
            command: process.execPath,
            args: ['-e', 'setTimeout(() => {}, 120000)'],
          },
        },
      },
    });
    stack = env.stack;
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  });

  async function waitUntilFinished(id: string): Promise<InstanceStatus> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const response = await fetch(`${durable()}/instances/${id}`);
      const status = (await response.json()) as InstanceStatus;
      if (['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus)) return status;
      if (Date.now() > deadline) throw new Error(`${id} is still ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const creates = (id: string) =>
    stack.aci.requests.filter((r) => r.method === 'PUT' && r.path.includes(`containerGroups/mf-${id}`));

  it.each([
    ['a file: URL', 'hostile-file', { request: { url: 'file:///etc/passwd' } }, /UNSUPPORTED_SCHEME/],
    [
      'limits above the ceilings',
      'hostile-limits',
      { request: { url: 'https://media.example.com/a.mp4', maxBytes: 1e15, maxDurationSeconds: 1e9 } },
      /maxBytes/,
    ],
    [
      'a blob name outside the job',
      'hostile-blob',
      { request: { url: 'https://media.example.com/a.mp4' }, outputBlobName: '../mediaferry-system/x' },
      /outputBlobName/,
    ],
  ])(
    'fails INVALID_INPUT for %s started directly, and no container group is created',
    async (_n, id, input, detail) => {
      const body = JSON.stringify({
        outputBlobName: `${id}/${id}.mp4`,
        submittedAt: new Date().toISOString(),
        ...input,
      });
      const started = await fetch(`${durable()}/orchestrators/jobOrchestrator/${id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(started.status).toBe(202);
      const status = await waitUntilFinished(id);
      expect(status.runtimeStatus).toBe('Failed');
      expect(String(status.output)).toMatch(/failed: INVALID_INPUT: The job input was refused: /);
      expect(String(status.output)).toMatch(detail);
      expect(creates(id)).toEqual([]);
    },
    90_000,
  );

  it('fails a job whose forged JobFinished names outputs outside it with OUTPUT_OUTSIDE_JOB', async () => {
    const submitted = await fetch(`${stack.hostOrigin}/api/orchestrator_httpstart`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://media.example.com/forged.mp4' }),
    });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    // Wait until the job's group exists, so the forged report reaches a job that is waiting for one.
    const until = Date.now() + 30_000;
    while (creates(id).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(creates(id).length).toBeGreaterThan(0);

    const forged: JobSucceeded = {
      status: 'Succeeded',
      outputs: [
        {
          blobName: 'someone-else/their.mp4',
          url: 'https://attacker.example/media/someone-else/their.mp4',
          contentType: 'video/mp4',
          bytes: 1,
          sha256: 'a'.repeat(64),
        },
      ],
      media: { durationSeconds: 1, width: 2, height: 2, videoCodec: 'h264', audioCodec: null, bitrate: 1 },
      timings: {},
    };
    const raised = await fetch(`${durable()}/instances/${id}/raiseEvent/JobFinished`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(forged),
    });
    expect(raised.status).toBe(202);
    const status = await waitUntilFinished(id);
    expect(status.runtimeStatus).toBe('Failed');
    expect(String(status.output)).toMatch(/failed: OUTPUT_OUTSIDE_JOB: The reported result was refused./);
  }, 90_000);
});
