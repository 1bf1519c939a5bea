import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerGroupName } from '../../src/shared/naming.js';
import { jobViewSchema, type JobView } from '../../src/shared/jobView.js';
import { startLocalTestStack, type LocalTestStack } from '../support/localTestStack.js';

/** Automatic retries on the local stack: the ACI emulator kills the first attempt's container. */
describe('automatic retries on the local stack', () => {
  let env: LocalTestStack;

  beforeAll(async () => {
    env = await startLocalTestStack({
      settings: { LIVENESS_POLL_SECONDS: '1' },
      // The first group's container is killed 300 ms after it starts, before it can report anything.
      aci: { faults: { containerCrash: { count: 1, afterMs: 300 } } },
    });
  }, 120_000);

  afterAll(() => env?.stopExpectingNothingLeft());

  const createsOf = (group: string) =>
    env.stack.aci.requests.filter(
      (r) => r.method === 'PUT' && r.operation === 'create' && r.path.endsWith(`/containerGroups/${group}`),
    ).length;

  it('runs the job again in a fresh container group after its first container died without a report', async () => {
    const submitted = await fetch(`${env.stack.hostOrigin}/api/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: env.media.url(env.fixtures.progressiveMp4) }),
    });
    expect(submitted.status).toBe(202);
    const { id } = jobViewSchema.parse(await submitted.json());

    const seenAttempts = new Set<number>();
    let view: JobView | undefined;
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline) {
      const answer = await fetch(`${env.stack.hostOrigin}/api/jobs/${id}`);
      view = jobViewSchema.parse(await answer.json());
      seenAttempts.add(view.attempts);
      if (['Succeeded', 'Failed', 'Canceled'].includes(view.status)) break;
      await new Promise((r) => setTimeout(r, 500));
    }

    expect(view?.status, JSON.stringify(view?.error)).toBe('Succeeded');
    expect(view?.attempts).toBe(2);
    expect(seenAttempts).toContain(1);
    expect(view?.outputs).toHaveLength(1);
    expect(view?.outputs[0]?.blobName).toBe(`${id}/${id}.mp4`);
    // One create per attempt, each in its own group, and both groups removed.
    expect(createsOf(containerGroupName(id))).toBe(1);
    expect(createsOf(containerGroupName(id, 2))).toBe(1);
    await env.groupGone(id);
    expect((await env.groups()).map((g) => g.name)).toEqual([]);
    // The only blob the job leaves is its output.
    const blobs: string[] = [];
    for await (const blob of env.blobs.listBlobsFlat({ prefix: `${id}/` })) blobs.push(blob.name);
    expect(blobs).toEqual([`${id}/${id}.mp4`]);
  }, 180_000);
});
