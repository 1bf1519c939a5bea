import { ManagedIdentityCredential } from '@azure/identity';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setProcessEnv } from '../../support/processEnv.js';
import { startAciEmulator, type RunningAciEmulator } from '../../../emulator/aci/startAciEmulator.js';
import {
  startTlsStorageWithIdentity,
  type TlsStorageWithIdentity,
} from '../../support/tlsStorageWithIdentity.js';
import {
  aciClient,
  APP_IDENTITY,
  RESOURCE_GROUP,
  testGroup,
  waitFor,
  WORKER_IDENTITY,
} from './support/aciTestBed.js';

const IDENTITY_CLIENT_IMAGE = 'test.local/identity-client';
const POLL = { updateIntervalInMs: 50 };

describe('managed identity inside emulated container groups', () => {
  let storage: TlsStorageWithIdentity;
  let aci: RunningAciEmulator;
  let restoreEnv = (): void => undefined;

  beforeAll(async () => {
    storage = await startTlsStorageWithIdentity('mf-aci-identity-', [APP_IDENTITY, WORKER_IDENTITY]);
    const { certificate, identity } = storage;
    aci = await startAciEmulator({
      certificate,
      images: {
        [IDENTITY_CLIENT_IMAGE]: {
          command: process.execPath,
          args: [join(import.meta.dirname, '../identity/fixtures/managedIdentityClient.mjs')],
        },
      },
      tokenIssuer: identity.issuer,
      identityEndpoint: identity,
      identities: [WORKER_IDENTITY],
      authorizedClientIds: [APP_IDENTITY.clientId],
    });
    restoreEnv = setProcessEnv({
      IDENTITY_ENDPOINT: identity.identityEndpoint,
      IDENTITY_HEADER: identity.identityHeader,
    });
  });

  afterAll(async () => {
    await aci?.stop();
    await storage?.stop();
    restoreEnv();
  });

  async function runIdentityClient(groupName: string, args: Record<string, unknown>) {
    const client = aciClient(
      new ManagedIdentityCredential({ clientId: APP_IDENTITY.clientId }),
      aci.endpoint,
      storage.certificate.cert,
    );
    const group = testGroup([JSON.stringify(args)]);
    group.containers[0]!.image = IDENTITY_CLIENT_IMAGE;
    await client.containerGroups.beginCreateOrUpdateAndWait(RESOURCE_GROUP, groupName, group, POLL);
    const exited = await waitFor(
      async () => {
        const g = await client.containerGroups.get(RESOURCE_GROUP, groupName);
        return g.containers[0]?.instanceView?.currentState?.state === 'Terminated' ? g : undefined;
      },
      'the identity client container to exit',
      30_000,
    );
    const logs = (await client.containers.listLogs(RESOURCE_GROUP, groupName, 'worker')).content ?? '';
    await client.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, groupName, POLL);
    return {
      exitCode: exited.containers[0]?.instanceView?.currentState?.exitCode,
      result: JSON.parse(logs.trim().split('\n').pop() ?? '{}'),
    };
  }

  it('lets a container write to Azurite with the identity attached to its group, from the environment ACI gives it', async () => {
    const { exitCode, result } = await runIdentityClient('job-identity', {
      clientId: WORKER_IDENTITY.clientId,
      blobEndpoint: storage.azurite.blobEndpoint,
      containerName: 'media',
      blobName: 'from-container.txt',
      text: 'hello from the container',
    });
    expect(exitCode).toBe(0);
    expect(result).toMatchObject({
      downloaded: 'hello from the container',
      claims: { appid: WORKER_IDENTITY.clientId },
    });
  });

  it('refuses a container a token for an identity not attached to its group', async () => {
    const { result } = await runIdentityClient('job-wrong-identity', { clientId: APP_IDENTITY.clientId });
    expect(result.error?.message).toContain('Identity not found');
  });

  it('answers 403 AuthorizationFailed to an identity without a role on container groups', async () => {
    const workerAsCaller = aciClient(
      {
        getToken: async () => {
          const res = await fetch(
            `${storage.identity.podIdentityAuthorityHost}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com&client_id=${WORKER_IDENTITY.clientId}`,
            { headers: { Metadata: 'true' } },
          );
          const body = (await res.json()) as { access_token: string; expires_on: string };
          return { token: body.access_token, expiresOnTimestamp: Number(body.expires_on) * 1000 };
        },
      },
      aci.endpoint,
      storage.certificate.cert,
    );
    await expect(workerAsCaller.containerGroups.get(RESOURCE_GROUP, 'anything')).rejects.toMatchObject({
      statusCode: 403,
      code: 'AuthorizationFailed',
    });
  });
});
