import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerGroupName } from '../../src/shared/naming.js';
import { jobSucceededSchema } from '../../src/shared/contracts.js';
import { jobViewSchema } from '../../src/shared/jobView.js';
import type { CallbackProxy } from '../support/callbackProxy.js';
import { behindCallbackProxy } from '../support/localTestStack.js';
import { recordObserved } from './support/faultMatrix.js';
import { eventually } from '../support/eventually.js';
import { startReliabilityStack, type ReliabilityStack } from './support/reliabilityStack.js';

/** Workers that crash, hang or report twice, on one local stack (a 1-minute deadline, 1 s liveness poll). */
describe.concurrent('worker faults on the local stack', () => {
  let env: ReliabilityStack & { proxy: CallbackProxy };
  let proxy: CallbackProxy;

  beforeAll(async () => {
    env = await behindCallbackProxy((callback) =>
      startReliabilityStack({ faultyWorker: true, settings: { JOB_DEADLINE_MINUTES: '1', ...callback } }),
    );
    ({ proxy } = env);
    proxy.duplicateFinished = true;
  }, 120_000);

  afterAll(() => env?.stopExpectingNothingLeft());

  it('fails a job whose worker exits without a report with CONTAINER_EXITED within one poll plus the grace', async () => {
    const started = Date.now();
    const job = await env.submit({
      url: `${env.media.url(env.fixtures.progressiveMp4)}?fault=crash`,
      // One attempt: this case is about how a single run ends (retries have their own test).
      maxAttempts: 1,
    });
    const status = await env.wait(job.statusQueryGetUri, 60_000);
    const elapsedS = (Date.now() - started) / 1000;

    expect(status.runtimeStatus).toBe('Failed');
    const error = status.customStatus?.error;
    expect(error?.code).toBe('CONTAINER_EXITED');
    expect(error?.retryable).toBe(true);
    expect(error?.message).toContain('exited with code 3');
    expect(error?.message).toContain('segmentation fault (simulated)');
    // 0.5 s to crash + 1 s poll + 20 s grace for a report in flight + create and cleanup.
    expect(elapsedS).toBeLessThan(35);
    await env.groupGone(job.id);
    recordObserved(
      'workerCrash',
      `Failed ${error?.code} after ${elapsedS.toFixed(1)} s (exit code 3 and the last log line in the message); group deleted`,
    );
  });

  it('fails a job whose worker hangs with TIMEOUT at the deadline, and answers a later report 410', async () => {
    const job = await env.submit({
      url: `${env.media.url(env.fixtures.progressiveMp4)}?fault=hang`,
      // One attempt: this case is about how a single run ends (retries have their own test).
      maxAttempts: 1,
    });
    const running = await eventually(
      'the hanging worker to run',
      () => env.stack.aci.runningProcesses().find((p) => p.group === containerGroupName(job.id)),
      30_000,
    );
    const acceptedAt = Date.now();
    const status = await env.wait(job.statusQueryGetUri, 100_000);
    const elapsedS = (Date.now() - acceptedAt) / 1000;

    expect(status.runtimeStatus).toBe('Failed');
    expect(status.customStatus?.error?.code).toBe('TIMEOUT');
    expect(elapsedS).toBeGreaterThan(55);
    expect(elapsedS).toBeLessThan(80);
    await env.groupGone(job.id);
    expect(() => process.kill(running.pid, 0)).toThrow();
    recordObserved(
      'workerHang',
      `Failed TIMEOUT ${elapsedS.toFixed(1)} s after the worker started (deadline 60 s); group deleted, worker process gone`,
    );

    // The worker (or anyone with its token) reports after the job failed.
    const callback = env.callbackOf(job.id);
    const late = await fetch(`${callback.url}/JobFinished`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${callback.token}` },
      body: JSON.stringify({
        status: 'Failed',
        error: { code: 'NOT_FOUND', message: 'late', retryable: false },
      }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(late.status).toBe(410);
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe('JOB_FINISHED');
    const after = await env.wait(job.statusQueryGetUri, 10_000);
    expect(after.customStatus?.error?.code).toBe('TIMEOUT');
    expect(after.lastUpdatedTime).toBe(status.lastUpdatedTime);
    recordObserved('lateReport', `HTTP 410 JOB_FINISHED; the job stayed Failed TIMEOUT, unchanged`);
  }, 150_000);

  it('cancels a job mid-upload: Canceled within seconds, no worker process, no group and no blob left', async () => {
    const job = await env.submit({ url: `${env.media.url(env.fixtures.progressiveMp4)}?fault=upload-hang` });
    const api = `${env.stack.hostOrigin}/api/jobs/${job.id}`;
    const uploading = await eventually(
      'the job to be uploading',
      async () => {
        const view = jobViewSchema.parse(await (await fetch(api)).json());
        return view.phase === 'Uploading' ? view : undefined;
      },
      60_000,
    );
    expect(uploading.percent).toBe(40);
    const written: string[] = [];
    for await (const blob of env.blobs.listBlobsFlat({ prefix: `${job.id}/` })) written.push(blob.name);
    expect(written).toHaveLength(3);

    const requestedAt = Date.now();
    const cancel = await fetch(`${api}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    const ended = await eventually(
      'the job to end',
      async () => {
        const view = jobViewSchema.parse(await (await fetch(api)).json());
        return ['Succeeded', 'Failed', 'Canceled'].includes(view.status) ? view : undefined;
      },
      30_000,
    );
    const elapsedS = (Date.now() - requestedAt) / 1000;
    expect(ended).toMatchObject({ status: 'Canceled', error: { code: 'CANCELED' }, outputs: [] });
    expect(elapsedS).toBeLessThan(15);
    await env.groupGone(job.id);
    const left: string[] = [];
    for await (const blob of env.blobs.listBlobsFlat({ prefix: `${job.id}/` })) left.push(blob.name);
    expect(left).toEqual([]);
    recordObserved(
      'cancelMidUpload',
      `Canceled ${elapsedS.toFixed(1)} s after the cancel; the ${written.length} blobs the worker wrote deleted by the app; group and worker process gone`,
    );
  });

  it('completes once with one blob when the final report is delivered twice at the same time', async () => {
    const job = await env.submit({
      url: `${env.media.url(env.fixtures.progressiveMp4)}?fault=capture`,
      outputName: 'reliability/twice',
    });
    const status = await env.wait(job.statusQueryGetUri, 90_000);
    expect(status.runtimeStatus, JSON.stringify(status.customStatus)).toBe('Completed');
    const result = jobSucceededSchema.parse(status.output);
    const finished = proxy.forwarded.filter((f) => f.instanceId === job.id && f.eventName === 'JobFinished');
    expect(finished).toHaveLength(1);
    const deliveries = finished[0]!.statuses;
    expect(deliveries).toHaveLength(2);
    expect(deliveries).toContain(202);
    expect(deliveries.every((s) => s === 202 || s === 410)).toBe(true);

    const blobs = [];
    for await (const blob of env.blobs.listBlobsFlat({ prefix: `${job.id}/reliability/twice` }))
      blobs.push(blob);
    expect(blobs.map((b) => b.name)).toEqual([`${job.id}/reliability/twice.mp4`]);
    expect(blobs[0]!.properties.contentLength).toBe(result.outputs[0]!.bytes);

    // The same report again after the job finished changes nothing.
    const callback = env.callbackOf(job.id);
    const again = await fetch(`${callback.url}/JobFinished`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${callback.token}` },
      body: JSON.stringify(status.output),
      signal: AbortSignal.timeout(10_000),
    });
    expect(again.status).toBe(410);
    expect((await env.wait(job.statusQueryGetUri, 10_000)).lastUpdatedTime).toBe(status.lastUpdatedTime);
    await env.groupGone(job.id);
    recordObserved(
      'duplicateReport',
      `Completed once; the two simultaneous deliveries were answered ${deliveries.join(' and ')}, a third after the end 410; one blob`,
    );
  });
});
