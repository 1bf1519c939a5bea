import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { containerGroupName } from '../../src/shared/naming.js';
import { jobSucceededSchema } from '../../src/shared/contracts.js';
import { recordObserved } from './support/faultMatrix.js';
import { eventually } from '../support/eventually.js';
import { createsOf, startReliabilityStack, type ReliabilityStack } from './support/reliabilityStack.js';

/** ARM refusing, failing and running out of quota, on one local stack whose quota is one container group. */
describe('ACI faults on the local stack', () => {
  let env: ReliabilityStack;

  beforeAll(async () => {
    env = await startReliabilityStack({ aci: { quota: { containerGroups: 1 } } });
  }, 120_000);

  afterEach(() => {
    env.stack.aci.faults.clear();
    env.media.clearBehaviours();
  });

  afterAll(() => env?.stopExpectingNothingLeft());

  const deletesOf = (group: string) =>
    env.stack.aci.requests.filter(
      (r) => r.method === 'DELETE' && r.path.endsWith(`/containerGroups/${group}`),
    );

  it('completes a job when ACI first throttles (429) and then has no capacity for the create', async () => {
    env.stack.aci.faults.set({
      throttle: { count: 1, retryAfterSeconds: 1, operations: ['create'] },
      capacity: { count: 1, code: 'ServiceUnavailable' },
    });
    const job = await env.submit({ url: env.media.url(env.fixtures.progressiveMp4) });
    const status = await env.wait(job.statusQueryGetUri, 90_000);
    expect(status.runtimeStatus, JSON.stringify(status.customStatus)).toBe('Completed');
    const group = containerGroupName(job.id);
    const creates = env.stack.aci.requests.filter(
      (r) => r.operation === 'create' && r.path.endsWith(`/containerGroups/${group}`),
    );
    expect(creates.map((r) => r.status).filter((s) => s === 429 || s === 409)).toHaveLength(2);
    expect(creates.length).toBe(3);
    await env.groupGone(job.id);
    recordObserved(
      'throttledCreate',
      `Completed; ${creates.length} PUTs answered ${creates.map((r) => r.status).join(', ')}`,
    );
  });

  it('fails a job whose image cannot be pulled with InaccessibleImage after a single create', async () => {
    env.stack.aci.faults.set({ imagePullFailure: { count: 1 } });
    const job = await env.submit({ url: env.media.url(env.fixtures.progressiveMp4) });
    const status = await env.wait(job.statusQueryGetUri, 60_000);
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.customStatus?.error).toMatchObject({ code: 'InaccessibleImage', retryable: false });
    const group = containerGroupName(job.id);
    expect(createsOf(env.stack, group)).toBe(1);
    await env.groupGone(job.id);
    recordObserved(
      'imagePull',
      `Failed ${status.customStatus?.error?.code} (retryable false) after ${createsOf(env.stack, group)} PUT; group deleted`,
    );
  });

  it('retries a delete refused as transitioning until the group is gone', async () => {
    env.stack.aci.faults.set({
      deleteFailure: { count: 2, status: 409, code: 'ContainerGroupTransitioning' },
    });
    const job = await env.submit({ url: env.media.url(env.fixtures.progressiveMp4) });
    const status = await env.wait(job.statusQueryGetUri, 120_000);
    expect(status.runtimeStatus, JSON.stringify(status.customStatus)).toBe('Completed');
    expect(status.customStatus?.detail ?? '').not.toContain('Cleanup');
    const deletes = deletesOf(containerGroupName(job.id));
    expect(deletes.map((d) => d.status).slice(0, 2)).toEqual([409, 409]);
    expect(deletes.length).toBeGreaterThanOrEqual(3);
    await env.groupGone(job.id);
    recordObserved(
      'deleteTransient',
      `Completed; DELETEs answered ${deletes.map((d) => d.status).join(', ')}; group gone`,
    );
  }, 120_000);

  it('runs a job refused for quota once the job holding the only slot finishes', async () => {
    // The first job downloads slowly so it holds the one container group the quota allows.
    env.media.setBehaviour(`/${env.fixtures.progressiveMp4}`, {
      kind: 'throttle',
      bytesPerSecond: 48 * 1024,
    });
    const first = await env.submit({ url: env.media.url(env.fixtures.progressiveMp4) });
    await eventually(
      'the first job to hold the quota',
      async () => ((await env.groups()).length === 1 ? true : undefined),
      30_000,
    );
    const second = await env.submit({ url: env.media.url(env.fixtures.hlsMaster) });
    const secondGroup = containerGroupName(second.id);
    const quotaNote = await eventually(
      'the second job to wait for quota',
      async () => {
        const res = await fetch(second.statusQueryGetUri);
        const body = (await res.json()) as { customStatus?: { detail?: string } };
        return body.customStatus?.detail?.includes('quota') ? body.customStatus.detail : undefined;
      },
      30_000,
    );
    expect(quotaNote).toContain('ContainerGroupQuotaReached');

    const [firstStatus, secondStatus] = await Promise.all([
      env.wait(first.statusQueryGetUri, 150_000),
      env.wait(second.statusQueryGetUri, 150_000),
    ]);
    expect(firstStatus.runtimeStatus).toBe('Completed');
    expect(secondStatus.runtimeStatus, JSON.stringify(secondStatus.customStatus)).toBe('Completed');
    jobSucceededSchema.parse(secondStatus.output);
    expect(new Date(secondStatus.lastUpdatedTime).getTime()).toBeGreaterThan(
      new Date(firstStatus.lastUpdatedTime).getTime(),
    );
    const refused = env.stack.aci.requests.filter(
      (r) =>
        r.operation === 'create' && r.path.endsWith(`/containerGroups/${secondGroup}`) && r.status === 409,
    ).length;
    expect(refused).toBeGreaterThanOrEqual(1);
    await env.groupGone(first.id);
    await env.groupGone(second.id);
    recordObserved(
      'quotaFull',
      `Both Completed; the waiting job's create was refused ${refused}x (ContainerGroupQuotaReached), then ran after the first finished`,
    );
  }, 180_000);
});
