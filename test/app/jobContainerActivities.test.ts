import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setProcessEnv } from '../support/processEnv.js';
import { testContainerGroupSettings } from './support/testContainerGroupSettings.js';
import { startAciEmulator, type RunningAciEmulator } from '../../emulator/aci/startAciEmulator.js';
import { ensureLocalCertificate, type LocalCertificate } from '../../emulator/certs/localCertificate.js';
import {
  startIdentityEndpoint,
  type RunningIdentityEndpoint,
} from '../../emulator/identity/startIdentityEndpoint.js';
import {
  createJobContainer,
  type CreateJobContainerDependencies,
  type CreateJobContainerInput,
} from '../../src/app/activities/createJobContainer.js';
import { deleteJobContainer } from '../../src/app/activities/deleteJobContainer.js';
import {
  inspectJobContainer,
  type InspectJobContainerOutcome,
} from '../../src/app/activities/inspectJobContainer.js';
import { stopJobContainer } from '../../src/app/activities/stopJobContainer.js';
import type { ContainerGroupSettings } from '../../src/app/aci/buildContainerGroupSpec.js';
import { createAciClient } from '../../src/app/aci/createAciClient.js';
import { AciOperationError } from '../../src/app/errors/AciOperationError.js';
import { containerGroupName } from '../../src/shared/naming.js';
import { WORKER_ENV } from '../../src/shared/workerEnvironment.js';

const SUBSCRIPTION = '00000000-0000-4000-8000-00000000ac01';
const RESOURCE_GROUP = 'rg-jobs';
const APP_IDENTITY = { clientId: '11111111-1111-4111-8111-1111111111a1' };
const WORKER_IDENTITY = {
  clientId: '22222222-2222-4222-8222-2222222222a2',
  resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-identity/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-worker`,
};
const STAND_IN = join(import.meta.dirname, 'fixtures/jobWorkerStandIn.mjs');
const IMAGES = {
  'registry.local/worker-exits': {
    command: process.execPath,
    args: [STAND_IN],
    env: { MODE: 'exit', EXIT_CODE: '3' },
  },
  'registry.local/worker-sleeps': { command: process.execPath, args: [STAND_IN], env: { MODE: 'sleep' } },
};

function settings(image: string): ContainerGroupSettings {
  return testContainerGroupSettings({
    workerImage: `registry.local/${image}:1.0.0`,
    workerIdentityResourceId: WORKER_IDENTITY.resourceId,
    workerIdentityClientId: WORKER_IDENTITY.clientId,
  });
}

function job(instanceId: string, priority: 'Regular' | 'Spot' = 'Regular'): CreateJobContainerInput {
  return {
    instanceId,
    request: { url: 'http://127.0.0.1:9/clip.webm' },
    outputBlobName: `${instanceId}.mp4`,
    priority,
    createdAt: '2026-03-01T10:00:00.000Z',
  };
}

async function inspectUntil(
  deps: { aci: ContainerInstanceManagementClient; resourceGroup: string },
  instanceId: string,
  done: (outcome: InspectJobContainerOutcome) => boolean,
): Promise<InspectJobContainerOutcome> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const outcome = await inspectJobContainer({ instanceId }, deps);
    if (done(outcome)) return outcome;
    if (Date.now() > deadline) throw new Error(`timed out; last inspection: ${JSON.stringify(outcome)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('ACI activities against the ACI emulator', () => {
  let dataDir: string;
  let certificate: LocalCertificate;
  let identity: RunningIdentityEndpoint;
  let emulator: RunningAciEmulator;
  let deps: { aci: ContainerInstanceManagementClient; resourceGroup: string };
  const tokensIssued: string[] = [];
  let restoreEnv = (): void => undefined;

  const createDeps = (image: string): CreateJobContainerDependencies => ({
    ...deps,
    settings: settings(image),
    callbackTokenFor: async (instanceId) => {
      tokensIssued.push(instanceId);
      return `token-for-${instanceId}-0123456789`;
    },
  });

  /** The delete, stop and inspect activities for one job's group, on this suite's ARM client. */
  const jobGroup = (instanceId: string) => ({
    delete: () => deleteJobContainer({ instanceId }, deps),
    stop: () => stopJobContainer({ instanceId }, deps),
    inspect: () => inspectJobContainer({ instanceId }, deps),
  });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mf-aci-activities-'));
    certificate = ensureLocalCertificate(dataDir);
    identity = await startIdentityEndpoint({ identities: [APP_IDENTITY, WORKER_IDENTITY] });
    emulator = await startAciEmulator({
      certificate,
      images: IMAGES,
      tokenIssuer: identity.issuer,
      identities: [WORKER_IDENTITY],
      stopGraceMs: 500,
    });
    // The app's path in Azure Functions: App Service managed identity with a user-assigned client id.
    restoreEnv = setProcessEnv({
      IDENTITY_ENDPOINT: identity.identityEndpoint,
      IDENTITY_HEADER: identity.identityHeader,
    });
    const aci = createAciClient(
      {
        subscriptionId: SUBSCRIPTION,
        armEndpoint: emulator.endpoint,
        appIdentityClientId: APP_IDENTITY.clientId,
      },
      { trustedCa: certificate.cert },
    );
    deps = { aci, resourceGroup: RESOURCE_GROUP };
  });

  afterAll(async () => {
    await emulator?.stop();
    await identity?.stop();
    restoreEnv();
    rmSync(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => emulator.faults.clear());

  it('creates the job group as the app identity and sees the worker exit with its code and last log lines', async () => {
    const created = await createJobContainer(job('job-exits'), createDeps('worker-exits'));
    expect(created).toEqual({ ok: true, groupName: containerGroupName('job-exits'), priority: 'Regular' });
    expect(tokensIssued).toContain('job-exits');
    expect(emulator.requests.filter((r) => r.operation === 'create')).toContainEqual(
      expect.objectContaining({ authorization: 'Bearer', clientId: APP_IDENTITY.clientId }),
    );

    const group = await deps.aci.containerGroups.get(RESOURCE_GROUP, containerGroupName('job-exits'));
    expect(group.tags).toMatchObject({ 'managed-by': 'mediaferry', 'mediaferry-instance': 'job-exits' });
    const token = group.containers[0]?.environmentVariables?.find((v) => v.name === WORKER_ENV.callbackToken);
    expect(token?.value).toBeUndefined();

    const exited = await inspectUntil(deps, 'job-exits', (o) => o.ok && o.terminated);
    expect(exited).toMatchObject({ ok: true, found: true, terminated: true, exitCode: 3 });
    expect(exited.ok && exited.logTail).toEqual(
      expect.arrayContaining(['worker started for job-exits', 'giving up: out of memory']),
    );
  });

  it('runs a signed source from the URL the starter kept, and refuses one that does not match the request', async () => {
    const signed = (instanceId: string): CreateJobContainerInput => ({
      ...job(instanceId),
      request: { url: 'http://127.0.0.1:9/clip.webm?redacted' },
      signedSource: true,
    });
    const kept = (url: string | undefined) => ({
      ...createDeps('worker-sleeps'),
      signedSourceUrl: async () => url,
    });
    expect(
      await createJobContainer(signed('job-signed'), kept('http://127.0.0.1:9/clip.webm?sig=abc')),
    ).toMatchObject({
      ok: true,
    });
    await jobGroup('job-signed').delete();
    for (const [id, url] of [
      ['job-signed-missing', undefined],
      ['job-signed-other', 'http://127.0.0.1:9/other.webm?sig=abc'],
    ] as const) {
      expect(await createJobContainer(signed(id), kept(url))).toMatchObject({
        ok: false,
        kind: 'terminal',
        code: 'INVALID_INPUT',
      });
      await expect(
        deps.aci.containerGroups.get(RESOURCE_GROUP, containerGroupName(id)),
      ).rejects.toMatchObject({
        statusCode: 404,
      });
    }
  });

  it('repeats a create for the same job idempotently', async () => {
    const first = await createJobContainer(job('job-twice'), createDeps('worker-sleeps'));
    const second = await createJobContainer(job('job-twice'), createDeps('worker-sleeps'));
    expect(second).toEqual(first);
    await jobGroup('job-twice').delete();
  });

  it('reports a running worker as not terminated, then deletes it, and a second delete is still success', async () => {
    await createJobContainer(job('job-sleeps'), createDeps('worker-sleeps'));
    const running = await inspectUntil(deps, 'job-sleeps', (o) => o.ok && o.containerState === 'Running');
    expect(running).toMatchObject({ ok: true, found: true, terminated: false, logTail: [] });

    expect(await jobGroup('job-sleeps').delete()).toEqual({
      ok: true,
      groupName: containerGroupName('job-sleeps'),
      existed: true,
    });
    expect(emulator.runningProcesses().filter((p) => p.group === containerGroupName('job-sleeps'))).toEqual(
      [],
    );
    expect(await jobGroup('job-sleeps').delete()).toMatchObject({ ok: true, existed: false });
    expect(await jobGroup('job-sleeps').inspect()).toMatchObject({
      ok: true,
      found: false,
      terminated: true,
    });
  });

  it('stops (keeps) a group, which then reads as terminated; stopping a missing group is success', async () => {
    await createJobContainer(job('job-kept'), createDeps('worker-sleeps'));
    await inspectUntil(deps, 'job-kept', (o) => o.ok && o.containerState === 'Running');
    expect(await jobGroup('job-kept').stop()).toMatchObject({ ok: true, existed: true });
    expect(await jobGroup('job-kept').inspect()).toMatchObject({ ok: true, terminated: true });
    expect(await jobGroup('job-never').stop()).toMatchObject({ ok: true, existed: false });
    await jobGroup('job-kept').delete();
  });

  it('reports an image that cannot be pulled as InaccessibleImage', async () => {
    expect(await createJobContainer(job('job-bad-image'), createDeps('no-such-image'))).toMatchObject({
      ok: true,
    });
    const failed = await inspectUntil(deps, 'job-bad-image', (o) => o.ok && o.terminated);
    expect(failed).toMatchObject({ ok: true, terminated: true, failureCode: 'InaccessibleImage' });
    await jobGroup('job-bad-image').delete();
  });

  it('returns a Spot refusal as such, so the orchestrator can fall back to Regular', async () => {
    emulator.faults.set({ capacity: { count: 1, priority: 'Spot' } });
    expect(await createJobContainer(job('job-spot', 'Spot'), createDeps('worker-sleeps'))).toMatchObject({
      ok: false,
      kind: 'spot',
      code: 'ServiceUnavailable',
    });
    expect(await createJobContainer(job('job-spot', 'Regular'), createDeps('worker-sleeps'))).toMatchObject({
      ok: true,
      priority: 'Regular',
    });
    await jobGroup('job-spot').delete();
  });

  it('throws a retryable error when the group is still transitioning, so the delete is retried', async () => {
    await createJobContainer(job('job-busy'), createDeps('worker-sleeps'));
    emulator.faults.set({ deleteFailure: { count: 1 } });
    const error = await jobGroup('job-busy')
      .delete()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AciOperationError);
    expect(error).toMatchObject({ kind: 'retryable', code: 'ContainerGroupTransitioning' });
    expect(await jobGroup('job-busy').delete()).toMatchObject({ ok: true, existed: true });
  });
});
