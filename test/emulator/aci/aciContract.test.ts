import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { ManagedIdentityCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAciEmulator } from '../../../emulator/aci/startAciEmulator.js';
import type { LocalCertificate } from '../../../emulator/certs/localCertificate.js';
import {
  createTestGroup,
  rawArmRequest,
  RESOURCE_GROUP,
  startAciTestBed,
  SUBSCRIPTION,
  type AciTestBed,
} from './support/aciTestBed.js';

// Expectations follow the ContainerInstance ARM spec, 2023-05-01 (azure-rest-api-specs,
// specification/containerinstance/.../stable/2023-05-01/containerInstance.json).

const POLL = { updateIntervalInMs: 50 };
const API = 'api-version=2023-05-01';
let bed: AciTestBed;
let certificate: LocalCertificate;
let aci: RunningAciEmulator;
let credential: ManagedIdentityCredential;
let client: ContainerInstanceManagementClient;
let auth: Record<string, string>;
const groupUrl = (name: string) =>
  `${aci.endpoint}/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.ContainerInstance/containerGroups/${name}`;

beforeAll(async () => {
  bed = await startAciTestBed({ stopGraceMs: 500 });
  ({ certificate, aci, credential, client } = bed);
  auth = {
    authorization: `Bearer ${(await credential.getToken('https://management.azure.com/.default')).token}`,
  };
  await createTestGroup(client, 'running', ['sleep', '60']);
});

afterAll(async () => {
  await bed?.stop();
});

describe('ACI emulator against the ARM spec', () => {
  it('answers 204 to start of a running group (ContainerGroups_Start: "already running or starting")', async () => {
    const response = await rawArmRequest(`${groupUrl('running')}/start?${API}`, certificate.cert, {
      method: 'POST',
      headers: auth,
    });
    expect(response.status).toBe(204);
    // The ARM client's long-running start completes at once on the 204.
    await client.containerGroups.beginStartAndWait(RESOURCE_GROUP, 'running', POLL);
    expect((await client.containerGroups.get(RESOURCE_GROUP, 'running')).instanceView?.state).toBe('Running');
  });

  it.each([
    ['update tags (ContainerGroups_Update)', 'PATCH', () => groupUrl('running'), { tags: { a: 'b' } }],
    [
      'exec (Containers_ExecuteCommand)',
      'POST',
      () => `${groupUrl('running')}/containers/worker/exec`,
      { command: 'sh' },
    ],
    [
      'attach (Containers_Attach)',
      'POST',
      () => `${groupUrl('running')}/containers/worker/attach`,
      undefined,
    ],
    [
      'usages (Location_ListUsage)',
      'GET',
      () =>
        `${aci.endpoint}/subscriptions/${SUBSCRIPTION}/providers/Microsoft.ContainerInstance/locations/westeurope/usages`,
      undefined,
    ],
  ])('answers 501 for %s, never a 404 that reads as "group gone"', async (_name, method, url, body) => {
    const response = await rawArmRequest(`${url()}?${API}`, certificate.cert, {
      method,
      headers: auth,
      ...(body ? { body } : {}),
    });
    expect(response.status).toBe(501);
    expect(response.body).toMatchObject({
      error: { code: 'NotImplemented', message: expect.stringContaining(method) as unknown },
    });
    expect((await client.containerGroups.get(RESOURCE_GROUP, 'running')).name).toBe('running');
  });

  it('the ARM client reports an unimplemented operation as an error with status 501', async () => {
    const error = await client.containerGroups
      .update(RESOURCE_GROUP, 'running', { tags: { a: 'b' } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 501, code: 'NotImplemented' });
  });
});
