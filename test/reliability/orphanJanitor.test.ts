import type { ContainerGroup } from '@azure/arm-containerinstance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_IDS } from '../../emulator/stack/startLocalStack.js';
import { CREATED_TAG, INSTANCE_TAG, MANAGED_BY_TAG, containerGroupName } from '../../src/shared/naming.js';
import { recordObserved } from './support/faultMatrix.js';
import { eventually } from '../support/eventually.js';
import {
  FAULTY_WORKER_IMAGE,
  startReliabilityStack,
  type ReliabilityStack,
} from './support/reliabilityStack.js';

/** The timer-triggered janitor, every 2 s, next to running jobs on the local stack. */
describe('the orphan janitor on the local stack', () => {
  let env: ReliabilityStack;

  beforeAll(async () => {
    env = await startReliabilityStack({
      faultyWorker: true,
      settings: { JANITOR_SCHEDULE: '*/2 * * * * *' },
    });
  }, 120_000);

  afterAll(() => env?.stopExpectingNothingLeft());

  /** A group as another deployment (or a lost orchestration) would leave it: a hanging container. */
  async function putGroup(name: string, tags: Record<string, string>): Promise<void> {
    const group: ContainerGroup = {
      location: 'local',
      osType: 'Linux',
      restartPolicy: 'Never',
      tags,
      containers: [
        {
          name: 'worker',
          image: FAULTY_WORKER_IMAGE,
          resources: { requests: { cpu: 0.5, memoryInGB: 0.5 } },
          environmentVariables: [
            { name: 'MF_SOURCE_URL', value: 'http://127.0.0.1:9/clip.mp4?fault=hang' },
            { name: 'MF_INSTANCE_ID', value: name },
          ],
        },
      ],
    };
    // Not AndWait: the janitor may remove an orphan before provisioning ends.
    await env.aci.containerGroups.beginCreateOrUpdate(LOCAL_IDS.resourceGroup, name, group);
  }

  const ours = (instanceId: string, created: Date) => ({
    [MANAGED_BY_TAG.name]: MANAGED_BY_TAG.value,
    [INSTANCE_TAG]: instanceId,
    [CREATED_TAG]: created.toISOString(),
  });
  const names = async () => (await env.groups()).map((g) => g.name).sort();

  it('removes groups of unknown, finished and terminated orchestrations and never those of running jobs', async () => {
    const longAgo = new Date(Date.now() - 30 * 60_000);
    // A finished job whose cleanup never happened: the group of an orchestration that has ended.
    // One attempt: a crash is retryable, and a retry would keep the job running past this test's wait.
    const finished = await env.submit({
      url: `${env.media.url(env.fixtures.progressiveMp4)}?fault=crash`,
      maxAttempts: 1,
    });
    expect((await env.wait(finished.statusQueryGetUri, 60_000)).runtimeStatus).toBe('Failed');
    await putGroup(containerGroupName(finished.id), ours(finished.id, longAgo));
    // A running job, which must survive many janitor passes.
    const running = await env.submit({ url: `${env.media.url(env.fixtures.progressiveMp4)}?fault=hang` });
    const runningGroup = containerGroupName(running.id);
    await eventually(
      'the running job to start its worker',
      () => env.stack.aci.runningProcesses().find((p) => p.group === runningGroup),
      30_000,
    );
    await putGroup('mf-lost-instance', ours('lost-instance', longAgo));
    // Tagged for the running job but older than any job can live (60 + 30 + 15 minutes by default).
    await putGroup('mf-ancient', ours(running.id, new Date(Date.now() - 2 * 24 * 3600_000)));
    await putGroup('mf-just-created', ours('just-created', new Date()));
    await putGroup('mf-no-instance', { [MANAGED_BY_TAG.name]: MANAGED_BY_TAG.value });
    await putGroup('not-ours', { team: 'video' });

    await eventually(
      'the janitor to remove the orphans',
      async () => {
        const left = await names();
        return ['mf-lost-instance', 'mf-ancient', 'mf-no-instance', containerGroupName(finished.id)].some(
          (n) => left.includes(n),
        )
          ? undefined
          : left;
      },
      20_000,
    );
    // Several more passes: the running job, the young group and the foreign group stay.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(await names()).toEqual(['mf-just-created', runningGroup, 'not-ours'].sort());
    const runningStatus = (await (await fetch(running.statusQueryGetUri)).json()) as {
      runtimeStatus: string;
    };
    expect(runningStatus.runtimeStatus).toBe('Running');
    const log = env.stack.host.output();
    expect(log).toMatch(/Janitor removed container group mf-lost-instance: unknown-instance/);
    expect(log).toMatch(/Janitor removed container group mf-ancient: outlived/);
    expect(log).toMatch(/Janitor removed container group mf-no-instance: no-instance-tag/);
    expect(log).toContain(
      `Janitor removed container group ${containerGroupName(finished.id)}: orchestration-finished`,
    );

    // A job terminated by an operator never cleans up: its group becomes an orphan.
    const terminate = await fetch(
      `${env.stack.hostOrigin}/runtime/webhooks/durabletask/instances/${running.id}/terminate?reason=operator`,
      { method: 'POST', signal: AbortSignal.timeout(10_000) },
    );
    expect(terminate.status).toBe(202);
    await eventually(
      "the janitor to remove the terminated job's group",
      async () => ((await names()).includes(runningGroup) ? undefined : true),
      20_000,
    );
    expect(env.stack.aci.runningProcesses().filter((p) => p.group === runningGroup)).toEqual([]);
    expect(await names()).toEqual(['mf-just-created', 'not-ours']);

    recordObserved(
      'janitor',
      'Removed the groups of an unknown instance (30 min old), a Failed and a Terminated orchestration, a 2-day-old group of a running job and one with neither instance nor creation tag; kept a running job over 5+ passes, a young unknown group and an untagged group',
    );
    for (const name of ['mf-just-created', 'not-ours'])
      await env.aci.containerGroups.beginDeleteAndWait(LOCAL_IDS.resourceGroup, name);
  }, 120_000);
});
