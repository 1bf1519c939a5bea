// Over 400 lines: the emulator's ARM contract, case by case, through the real SDK client on one emulator.
import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { ManagedIdentityCredential } from '@azure/identity';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAciEmulator, type RunningAciEmulator } from '../../../emulator/aci/startAciEmulator.js';
import { ensureLocalCertificate, type LocalCertificate } from '../../../emulator/certs/localCertificate.js';
import type { RunningIdentityEndpoint } from '../../../emulator/identity/startIdentityEndpoint.js';
import {
  aciClient,
  APP_IDENTITY,
  isAlive,
  startAciTestBed,
  type AciTestBed,
  LOCATION,
  createTestGroup,
  rawArmRequest,
  RESOURCE_GROUP,
  SUBSCRIPTION,
  TEST_IMAGES,
  testGroup,
  waitFor,
  WORKER_IDENTITY,
} from './support/aciTestBed.js';

const POLL = { updateIntervalInMs: 50 };

describe('ACI emulator with the real ARM client', () => {
  let bed: AciTestBed;
  let certificate: LocalCertificate;
  let identity: RunningIdentityEndpoint;
  let aci: RunningAciEmulator;
  let credential: ManagedIdentityCredential;
  let client: ContainerInstanceManagementClient;

  beforeAll(async () => {
    bed = await startAciTestBed({ stopGraceMs: 1000, listPageSize: 2, restartBackoffMs: 100 });
    ({ certificate, identity, aci, credential, client } = bed);
  });

  afterAll(async () => {
    await bed?.stop();
  });

  beforeEach(() => aci.faults.clear());

  it('creates a group through the long-running operation and reports the exit code once the process ends', async () => {
    const created = await createTestGroup(client, 'job-exit-3', ['exit', '3']);
    expect(created.provisioningState).toBe('Succeeded');
    expect(created.identity?.userAssignedIdentities?.[WORKER_IDENTITY.resourceId]?.clientId).toBe(
      WORKER_IDENTITY.clientId,
    );

    const finished = await waitFor(async () => {
      const group = await client.containerGroups.get(RESOURCE_GROUP, 'job-exit-3');
      return group.containers[0]?.instanceView?.currentState?.state === 'Terminated' ? group : undefined;
    }, 'the container to terminate');
    const state = finished.containers[0]?.instanceView?.currentState;
    expect(state).toMatchObject({ state: 'Terminated', exitCode: 3, detailStatus: 'Error' });
    expect(state?.startTime?.getTime()).toBeLessThanOrEqual(state?.finishTime?.getTime() ?? 0);
    expect(finished.provisioningState).toBe('Succeeded');
    expect(finished.instanceView?.state).toBe('Failed');

    const logs = await client.containers.listLogs(RESOURCE_GROUP, 'job-exit-3', 'worker');
    expect(logs.content).toContain('container started: exit');
    expect(logs.content).toContain('a line on stderr');
    const tail = await client.containers.listLogs(RESOURCE_GROUP, 'job-exit-3', 'worker', { tail: 1 });
    expect(tail.content?.trim().split('\n')).toHaveLength(1);
  });

  it('gives the process value and secureValue variables plus the identity host and CA, and never echoes secureValue', async () => {
    const secret = 'callback-token-that-must-not-leak';
    const group = testGroup([
      'env',
      'MF_PLAIN',
      'MF_SECRET',
      'AZURE_POD_IDENTITY_AUTHORITY_HOST',
      'NODE_EXTRA_CA_CERTS',
    ]);
    group.containers[0]!.environmentVariables = [
      { name: 'MF_PLAIN', value: 'plain-value' },
      { name: 'MF_SECRET', secureValue: secret },
    ];
    const rawBodies: string[] = [];
    const options = {
      ...POLL,
      onResponse: (r: { bodyAsText?: string | null }) => void rawBodies.push(r.bodyAsText ?? ''),
    };
    const created = await client.containerGroups.beginCreateOrUpdateAndWait(
      RESOURCE_GROUP,
      'job-env',
      group,
      options,
    );
    await waitFor(async () => {
      const g = await client.containerGroups.get(RESOURCE_GROUP, 'job-env', options);
      return g.containers[0]?.instanceView?.currentState?.state === 'Terminated' || undefined;
    }, 'the env container to finish');

    const logs = (await client.containers.listLogs(RESOURCE_GROUP, 'job-env', 'worker')).content ?? '';
    expect(logs).toContain('MF_PLAIN=plain-value');
    expect(logs).toContain(`MF_SECRET=${secret}`);
    expect(logs).toContain(`AZURE_POD_IDENTITY_AUTHORITY_HOST=${identity.podIdentityAuthorityHost}`);
    expect(logs).toContain(`NODE_EXTRA_CA_CERTS=${certificate.certPath}`);

    expect(created.containers[0]?.environmentVariables).toEqual([
      { name: 'MF_PLAIN', value: 'plain-value' },
      { name: 'MF_SECRET' },
    ]);
    expect(rawBodies.length).toBeGreaterThan(1);
    for (const body of rawBodies) expect(body).not.toContain(secret);
    const listed = [];
    for await (const g of client.containerGroups.listByResourceGroup(RESOURCE_GROUP)) listed.push(g);
    expect(JSON.stringify(listed)).not.toContain(secret);
  });

  it('lists a resource group page by page through nextLink', async () => {
    const names = ['page-a', 'page-b', 'page-c', 'page-d', 'page-e'];
    await Promise.all(
      names.map((n) =>
        client.containerGroups.beginCreateOrUpdateAndWait('rg-paging', n, testGroup(['exit', '0']), POLL),
      ),
    );
    const before = aci.requests.filter((r) => r.operation === 'list').length;
    const listed: string[] = [];
    for await (const g of client.containerGroups.listByResourceGroup('rg-paging')) listed.push(g.name ?? '');
    expect(listed.sort()).toEqual(names);
    expect(aci.requests.filter((r) => r.operation === 'list').length - before).toBe(3);
    await Promise.all(names.map((n) => client.containerGroups.beginDeleteAndWait('rg-paging', n, POLL)));
  });

  it('stops a group by killing its whole process tree, then starts and restarts it', async () => {
    await createTestGroup(client, 'job-stop', ['sleep', 'stubborn']);
    const logs = await waitFor(async () => {
      const content = (await client.containers.listLogs(RESOURCE_GROUP, 'job-stop', 'worker')).content ?? '';
      return /grandchild \d+/.test(content) ? content : undefined;
    }, 'the grandchild to start');
    const grandchild = Number(/grandchild (\d+)/.exec(logs)?.[1]);
    const main = aci.runningProcesses().find((p) => p.group === 'job-stop')?.pid as number;
    expect(isAlive(main) && isAlive(grandchild)).toBe(true);

    const started = Date.now();
    await client.containerGroups.stop(RESOURCE_GROUP, 'job-stop');
    // The process ignores SIGTERM, so only the SIGKILL after the 1 s grace ends it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(isAlive(main)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
    const stopped = await client.containerGroups.get(RESOURCE_GROUP, 'job-stop');
    expect(stopped.instanceView?.state).toBe('Stopped');
    expect(stopped.containers[0]?.instanceView?.currentState).toMatchObject({
      state: 'Terminated',
      exitCode: 137,
    });

    await client.containerGroups.beginStartAndWait(RESOURCE_GROUP, 'job-stop', POLL);
    const restarted = await client.containerGroups.get(RESOURCE_GROUP, 'job-stop');
    expect(restarted.instanceView?.state).toBe('Running');
    expect(restarted.containers[0]?.instanceView).toMatchObject({
      restartCount: 1,
      currentState: { state: 'Running' },
    });

    const startedCount = async () =>
      ((await client.containers.listLogs(RESOURCE_GROUP, 'job-stop', 'worker')).content ?? '').match(
        /container started: sleep/g,
      )?.length ?? 0;
    // Logs of earlier runs stay readable after a start, as ACI keeps them until the group is deleted.
    await waitFor(async () => (await startedCount()) === 2 || undefined, 'the second run to log');

    await client.containerGroups.beginRestartAndWait(RESOURCE_GROUP, 'job-stop', POLL);
    const again = await client.containerGroups.get(RESOURCE_GROUP, 'job-stop');
    expect(again.containers[0]?.instanceView).toMatchObject({
      restartCount: 2,
      currentState: { state: 'Running' },
    });
    await waitFor(async () => (await startedCount()) === 3 || undefined, 'the third run to log');
    await client.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, 'job-stop', POLL);
  });

  it('deletes a group, killing its process, and then answers 404 ResourceNotFound', async () => {
    await createTestGroup(client, 'job-delete', ['sleep']);
    const pid = await waitFor(
      () => aci.runningProcesses().find((p) => p.group === 'job-delete')?.pid,
      'the process',
    );
    await client.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, 'job-delete', POLL);
    expect(isAlive(pid)).toBe(false);

    const error = await client.containerGroups.get(RESOURCE_GROUP, 'job-delete').catch((e: unknown) => e);
    expect((error as Error).name).toBe('RestError');
    expect(error).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    // Deleting what is already gone succeeds (204), so cleanup can be retried safely.
    await expect(
      client.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, 'job-delete', POLL),
    ).resolves.toBeDefined();
  });

  it('throttles with 429 and Retry-After, which the SDK waits out before retrying', async () => {
    aci.faults.set({ throttle: { count: 2, retryAfterSeconds: 1, operations: ['create'] } });
    const started = Date.now();
    const created = await createTestGroup(client, 'job-throttled', ['exit', '0']);
    expect(created.provisioningState).toBe('Succeeded');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    const creates = aci.requests.filter((r) => r.operation === 'create' && r.path.endsWith('/job-throttled'));
    expect(creates.map((r) => r.status)).toEqual([429, 429, 201]);
  });

  it('fails a group whose image is not mapped with InaccessibleImage, as a bad image does in ACI', async () => {
    const group = testGroup([]);
    group.containers[0]!.image = 'unknown.azurecr.io/nothing:1';
    const error = await client.containerGroups
      .beginCreateOrUpdateAndWait(RESOURCE_GROUP, 'job-bad-image', group, POLL)
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toMatch(/long-running operation has failed/i);
    const failed = await client.containerGroups.get(RESOURCE_GROUP, 'job-bad-image');
    expect(failed.provisioningState).toBe('Failed');
    expect(failed.containers[0]?.instanceView?.currentState).toMatchObject({
      state: 'Waiting',
      detailStatus: 'ErrImagePull',
    });
    expect(failed.containers[0]?.instanceView?.events?.map((e) => e.message).join('\n')).toContain(
      'Failed to pull image "unknown.azurecr.io/nothing:1"',
    );
    await client.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, 'job-bad-image', POLL);
  });

  it('injects image pull, provisioning, capacity and delete faults set at run time through the admin endpoint', async () => {
    const set = (faults: unknown) =>
      rawArmRequest(`${aci.endpoint}/_emulator/faults`, certificate.cert, { method: 'POST', body: faults });

    expect((await set({ imagePullFailure: { count: 1 } })).status).toBe(200);
    await expect(createTestGroup(client, 'fault-pull', ['exit', '0'])).rejects.toThrow(
      /long-running operation has failed/i,
    );
    expect((await client.containerGroups.get(RESOURCE_GROUP, 'fault-pull')).provisioningState).toBe('Failed');

    await set({ provisioningFailure: { count: 1 } });
    await expect(createTestGroup(client, 'fault-provision', ['exit', '0'])).rejects.toThrow(
      /long-running operation has failed/i,
    );

    await set({ capacity: { priority: 'Spot' } });
    const spot = await createTestGroup(client, 'fault-spot', ['exit', '0'], { priority: 'Spot' }).catch(
      (e: unknown) => e,
    );
    expect(spot).toMatchObject({ statusCode: 409, code: 'ServiceUnavailable' });
    expect((spot as Error).message).toContain("is not available in the location 'westeurope'");
    const regular = await createTestGroup(client, 'fault-regular', ['exit', '0']);
    expect(regular.provisioningState).toBe('Succeeded');

    await set({ deleteFailure: { count: 1 } });
    await expect(
      client.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, 'fault-regular', POLL),
    ).rejects.toMatchObject({
      statusCode: 409,
      code: 'ContainerGroupTransitioning',
    });
    await client.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, 'fault-regular', POLL);

    const bad = await set({ throttle: { count: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'InvalidFaults' } });
    for (const name of ['fault-pull', 'fault-provision'])
      await client.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, name, POLL);
  });

  it('keeps a slow-starting group Pending until its start delay has passed', async () => {
    aci.faults.set({ slowStart: { count: 1, delayMs: 1500 } });
    const started = Date.now();
    const poller = await client.containerGroups.beginCreateOrUpdate(
      RESOURCE_GROUP,
      'job-slow',
      testGroup(['exit', '0']),
      POLL,
    );
    expect(poller.getOperationState().status).toBe('running');
    expect((await client.containerGroups.get(RESOURCE_GROUP, 'job-slow')).provisioningState).toBe('Pending');
    await poller.pollUntilDone();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    await client.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, 'job-slow', POLL);
  });

  it('refuses a registry credential whose identity is not attached to the group', async () => {
    const group = testGroup(['exit', '0'], { identity: undefined });
    const error = await client.containerGroups
      .beginCreateOrUpdateAndWait(RESOURCE_GROUP, 'job-no-identity', group, POLL)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 400, code: 'InvalidImageRegistryCredentialIdentity' });
  });

  it('answers ARM-shaped 400s for a missing location, a missing api-version and a malformed name', async () => {
    const token = (await credential.getToken('https://management.azure.com/.default')).token;
    const auth = { authorization: `Bearer ${token}` };
    const base = `${aci.endpoint}/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.ContainerInstance/containerGroups`;
    const body = { properties: { osType: 'Linux', containers: [] } };
    expect(
      await rawArmRequest(`${base}/x?api-version=2023-05-01`, certificate.cert, {
        method: 'PUT',
        headers: auth,
        body,
      }),
    ).toMatchObject({
      status: 400,
      body: { error: { code: 'LocationRequired' } },
    });
    expect(await rawArmRequest(`${base}/x`, certificate.cert, { headers: auth })).toMatchObject({
      status: 400,
      body: { error: { code: 'MissingApiVersionParameter' } },
    });
    expect(
      await rawArmRequest(`${base}/x?api-version=1999-01-01`, certificate.cert, { headers: auth }),
    ).toMatchObject({
      status: 400,
      body: { error: { code: 'NoRegisteredProviderFound' } },
    });
    expect(
      await rawArmRequest(`${base}/Bad_Name?api-version=2023-05-01`, certificate.cert, {
        method: 'PUT',
        headers: auth,
        body: { location: LOCATION, properties: body.properties },
      }),
    ).toMatchObject({ status: 400, body: { error: { code: 'InvalidContainerGroupName' } } });
  });

  it('refuses request content over 4 MiB with an ARM-shaped 413 and creates nothing', async () => {
    const token = (await credential.getToken('https://management.azure.com/.default')).token;
    const url = `${aci.endpoint}/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.ContainerInstance/containerGroups/job-huge?api-version=2023-05-01`;
    const huge = { ...testGroup(['exit', '0']), tags: { padding: 'x'.repeat(4 * 1024 * 1024) } };
    const answer = await rawArmRequest(url, certificate.cert, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}` },
      body: { location: LOCATION, properties: huge },
    });
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'RequestContentTooLarge' } } });
    expect(
      (await rawArmRequest(url, certificate.cert, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(404);
  });

  it('answers 401 without a bearer token, and for a token issued for another resource', async () => {
    const url = `${aci.endpoint}/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.ContainerInstance/containerGroups?api-version=2023-05-01`;
    const anonymous = await rawArmRequest(url, certificate.cert);
    expect(anonymous).toMatchObject({ status: 401, body: { error: { code: 'AuthenticationFailed' } } });
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer /);

    const storageScoped = aciClient(
      credential,
      aci.endpoint,
      certificate.cert,
      'https://storage.azure.com/.default',
    );
    await expect(storageScoped.containerGroups.get(RESOURCE_GROUP, 'anything')).rejects.toMatchObject({
      statusCode: 401,
      code: 'InvalidAuthenticationTokenAudience',
    });
  });

  it('refuses a group that attaches a user-assigned identity that does not exist', async () => {
    const missing = WORKER_IDENTITY.resourceId.replace('id-worker', 'id-missing');
    const group = testGroup(['exit', '0'], {
      identity: { type: 'UserAssigned', userAssignedIdentities: { [missing]: {} } },
      imageRegistryCredentials: [{ server: 'test.local', identity: missing }],
    });
    await expect(
      client.containerGroups.beginCreateOrUpdateAndWait(RESOURCE_GROUP, 'job-missing-identity', group, POLL),
    ).rejects.toMatchObject({ statusCode: 400, code: 'FailedIdentityOperation' });
  });

  it('restarts a failing container of an OnFailure group with back-off, counting restarts', async () => {
    await createTestGroup(client, 'job-on-failure', ['exit', '1'], { restartPolicy: 'OnFailure' });
    const restarted = await waitFor(async () => {
      const g = await client.containerGroups.get(RESOURCE_GROUP, 'job-on-failure');
      return (g.containers[0]?.instanceView?.restartCount ?? 0) >= 2 ? g : undefined;
    }, 'two restarts');
    expect(restarted.containers[0]?.instanceView?.previousState).toMatchObject({
      state: 'Terminated',
      exitCode: 1,
    });
    await client.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, 'job-on-failure', POLL);
  });

  it('records that every accepted request carried a bearer token of the app identity', () => {
    const accepted = aci.requests.filter((r) => r.operation !== 'admin' && r.status < 400);
    expect(accepted.length).toBeGreaterThan(20);
    for (const r of accepted)
      expect(r).toMatchObject({ authorization: 'Bearer', clientId: APP_IDENTITY.clientId });
  });
});

describe('ACI emulator quotas and shutdown', () => {
  it('refuses creates beyond the group and core quotas with ContainerGroupQuotaReached, and unknown resource groups', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mf-aci-quota-'));
    const certificate = ensureLocalCertificate(dataDir);
    const aci = await startAciEmulator({
      certificate,
      images: TEST_IMAGES,
      quota: { containerGroups: 2, cores: 3 },
      resourceGroups: [RESOURCE_GROUP],
    });
    try {
      const staticToken = {
        getToken: async () => ({ token: 'opaque', expiresOnTimestamp: Date.now() + 3_600_000 }),
      };
      const client = aciClient(staticToken, aci.endpoint, certificate.cert);
      const big = testGroup(['exit', '0']);
      big.containers[0]!.resources.requests.cpu = 2;
      await client.containerGroups.beginCreateOrUpdateAndWait(RESOURCE_GROUP, 'quota-a', big, POLL);
      const cores = await client.containerGroups
        .beginCreateOrUpdateAndWait(RESOURCE_GROUP, 'quota-b', big, POLL)
        .catch((e: unknown) => e);
      expect(cores).toMatchObject({ statusCode: 409, code: 'ContainerGroupQuotaReached' });
      expect((cores as Error).message).toContain("quota 'StandardCores'");

      await createTestGroup(client, 'quota-c', ['exit', '0']);
      const groups = await createTestGroup(client, 'quota-d', ['exit', '0']).catch((e: unknown) => e);
      expect(groups).toMatchObject({ statusCode: 409, code: 'ContainerGroupQuotaReached' });
      expect((groups as Error).message).toContain("quota 'ContainerGroups'");

      await expect(client.containerGroups.get('rg-elsewhere', 'quota-a')).rejects.toMatchObject({
        statusCode: 404,
        code: 'ResourceGroupNotFound',
      });

      // A repeated create of an existing group is not a new group: it succeeds within quota.
      const again = await createTestGroup(client, 'quota-c', ['exit', '0']);
      expect(again.provisioningState).toBe('Succeeded');
    } finally {
      await aci.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('kills every running container when the emulator stops', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mf-aci-stop-'));
    const certificate = ensureLocalCertificate(dataDir);
    const aci = await startAciEmulator({ certificate, images: TEST_IMAGES, stopGraceMs: 500 });
    try {
      const staticToken = {
        getToken: async () => ({ token: 'opaque', expiresOnTimestamp: Date.now() + 3_600_000 }),
      };
      const client = aciClient(staticToken, aci.endpoint, certificate.cert);
      await Promise.all(['keep-1', 'keep-2'].map((n) => createTestGroup(client, n, ['sleep', 'stubborn'])));
      const pids = await waitFor(() => {
        const running = aci.runningProcesses();
        return running.length === 2 ? running.map((p) => p.pid) : undefined;
      }, 'two running containers');
      await aci.stop();
      for (const pid of pids) expect(isAlive(pid)).toBe(false);
    } finally {
      await aci.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
