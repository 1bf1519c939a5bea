import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { containerGroupName } from '../../src/shared/naming.js';
import { jobSucceededSchema } from '../../src/shared/contracts.js';
import type { CallbackProxy } from '../support/callbackProxy.js';
import { behindCallbackProxy } from '../support/localTestStack.js';
import { recordObserved } from './support/faultMatrix.js';
import { eventually } from '../support/eventually.js';
import { createsOf, startReliabilityStack, type ReliabilityStack } from './support/reliabilityStack.js';

/** The Functions host dying or being down while jobs run; workers report through a recording proxy. */
describe('host faults on the local stack', () => {
  let env: ReliabilityStack & { proxy: CallbackProxy };
  let proxy: CallbackProxy;

  beforeAll(async () => {
    env = await behindCallbackProxy((callback) => startReliabilityStack({ settings: callback }));
    ({ proxy } = env);
  }, 120_000);

  afterEach(() => env.media.clearBehaviours());

  afterAll(() => env?.stopExpectingNothingLeft());

  async function blobNames(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const blob of env.blobs.listBlobsFlat({ prefix })) names.push(blob.name);
    return names;
  }

  /**
   * Submits a job for the progressive clip, served at `bytesPerSecond`, and waits until its worker runs
   * (with `bytesSent`, also until some of the clip was sent). Answers the job and its group's name.
   */
  async function jobWithRunningWorker(outputName: string, bytesPerSecond: number, bytesSent: boolean) {
    const clip = env.fixtures.progressiveMp4;
    env.media.setBehaviour(`/${clip}`, { kind: 'throttle', bytesPerSecond });
    const job = await env.submit({ url: env.media.url(clip), outputName });
    const group = containerGroupName(job.id);
    const sent = () => !bytesSent || env.media.requests.some((r) => r.path === `/${clip}` && r.bytesSent > 0);
    await eventually(
      'the worker to be downloading',
      () => (sent() && env.stack.aci.runningProcesses().some((p) => p.group === group) ? true : undefined),
      30_000,
      50,
    );
    return { job, group };
  }

  it('completes a job exactly once when the host is killed with SIGKILL mid-download and restarted', async () => {
    const { job, group } = await jobWithRunningWorker('reliability/killed', 48 * 1024, true);
    const killedPid = env.stack.host.pid;
    await env.stack.restartHost({ kill: true, downMs: 1000 });
    expect(env.stack.host.pid).not.toBe(killedPid);

    const status = await env.wait(job.statusQueryGetUri, 120_000);
    expect(status.runtimeStatus, JSON.stringify(status.customStatus)).toBe('Completed');
    const result = jobSucceededSchema.parse(status.output);
    expect(await blobNames(`${job.id}/reliability/killed`)).toEqual([`${job.id}/reliability/killed.mp4`]);
    const finished = proxy.forwarded.filter((f) => f.instanceId === job.id && f.eventName === 'JobFinished');
    expect(finished.flatMap((f) => f.statuses)).toEqual([202]);
    // A create replayed after the crash is the same PUT on the same group; the worker ran once.
    expect(createsOf(env.stack, group)).toBeGreaterThanOrEqual(1);
    await env.groupGone(job.id);
    recordObserved(
      'hostKilled',
      `Completed once (${result.outputs[0]!.bytes} bytes); one blob, one JobFinished delivery (202), ${createsOf(env.stack, group)} create PUT(s), group deleted`,
    );
  }, 150_000);

  it("delivers the worker's report through its retries when the app was down as the worker finished", async () => {
    const { job } = await jobWithRunningWorker('reliability/app-down', 96 * 1024, false);
    await env.stack.stopHost();
    // The worker finishes and tries to report while nothing answers.
    const refused = await eventually(
      'the worker to try reporting while the app is down',
      () =>
        proxy.forwarded.find(
          (f) => f.instanceId === job.id && f.eventName === 'JobFinished' && f.statuses[0] === 0,
        ),
      90_000,
    );
    await env.stack.startHost();

    const status = await env.wait(job.statusQueryGetUri, 120_000);
    expect(status.runtimeStatus, JSON.stringify(status.customStatus)).toBe('Completed');
    jobSucceededSchema.parse(status.output);
    const attempts = proxy.forwarded.filter((f) => f.instanceId === job.id && f.eventName === 'JobFinished');
    expect(attempts.at(-1)?.statuses).toEqual([202]);
    expect(attempts.filter((a) => a.statuses[0] === 202)).toHaveLength(1);
    expect(await blobNames(`${job.id}/reliability/app-down`)).toEqual([`${job.id}/reliability/app-down.mp4`]);
    await env.groupGone(job.id);
    recordObserved(
      'appDownAtReport',
      `Completed; ${attempts.length - 1} JobFinished attempt(s) failed while the app was down, the retry after the restart was accepted (202) ${((attempts.at(-1)!.receivedAt - refused.receivedAt) / 1000).toFixed(1)} s after the first; one blob`,
    );
  }, 180_000);
});
