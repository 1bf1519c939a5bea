import { ContainerInstanceManagementClient, type ContainerGroup } from '@azure/arm-containerinstance';
import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../../../support/eventually.js';
import { setProcessEnv } from '../../../support/processEnv.js';
import type { ImageCommand } from '../../../../emulator/aci/imageCommands.js';
import {
  startAciEmulator,
  type AciEmulatorOptions,
  type RunningAciEmulator,
} from '../../../../emulator/aci/startAciEmulator.js';
import {
  ensureLocalCertificate,
  type LocalCertificate,
} from '../../../../emulator/certs/localCertificate.js';
import {
  startIdentityEndpoint,
  type RunningIdentityEndpoint,
} from '../../../../emulator/identity/startIdentityEndpoint.js';

export const SUBSCRIPTION = '00000000-0000-4000-8000-0000000000aa';
export const RESOURCE_GROUP = 'rg-jobs';
export const LOCATION = 'westeurope';
export const TEST_IMAGE = 'test.local/sleeper';
export const WORKER_IDENTITY = {
  clientId: '22222222-2222-4222-8222-222222222222',
  resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-identity/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-worker`,
};
export const APP_IDENTITY = { clientId: '11111111-1111-4111-8111-111111111111' };

export const TEST_IMAGES: Record<string, ImageCommand> = {
  [TEST_IMAGE]: {
    command: process.execPath,
    args: [join(import.meta.dirname, '../fixtures/testContainer.mjs')],
  },
};

export function aciClient(
  credential: TokenCredential,
  endpoint: string,
  ca: string,
  scope = 'https://management.azure.com/.default',
): ContainerInstanceManagementClient {
  return new ContainerInstanceManagementClient(credential, SUBSCRIPTION, {
    endpoint,
    credentialScopes: [scope],
    tlsOptions: { ca },
  });
}

export interface AciTestBed {
  certificate: LocalCertificate;
  identity: RunningIdentityEndpoint;
  aci: RunningAciEmulator;
  /** The app's identity as in Azure Functions: App Service managed identity, user-assigned client id. */
  credential: ManagedIdentityCredential;
  /** The real ARM client, signed in with `credential`. */
  client: ContainerInstanceManagementClient;
  stop(): Promise<void>;
}

/**
 * The ACI emulator (the test images, the worker identity attachable) behind a fresh certificate, and
 * the identity endpoint this process's ManagedIdentityCredential finds through IDENTITY_ENDPOINT
 * until `stop`. `options` are the emulator's, on top of those.
 */
export async function startAciTestBed(options: AciEmulatorOptions = {}): Promise<AciTestBed> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-aci-'));
  const certificate = ensureLocalCertificate(dataDir);
  const identity = await startIdentityEndpoint({ identities: [APP_IDENTITY, WORKER_IDENTITY] });
  const aci = await startAciEmulator({
    certificate,
    images: TEST_IMAGES,
    tokenIssuer: identity.issuer,
    identities: [WORKER_IDENTITY],
    podIdentityAuthorityHost: identity.podIdentityAuthorityHost,
    ...options,
  });
  const restoreEnv = setProcessEnv({
    IDENTITY_ENDPOINT: identity.identityEndpoint,
    IDENTITY_HEADER: identity.identityHeader,
  });
  const credential = new ManagedIdentityCredential({ clientId: APP_IDENTITY.clientId });
  return {
    certificate,
    identity,
    aci,
    credential,
    client: aciClient(credential, aci.endpoint, certificate.cert),
    async stop() {
      await aci.stop();
      await identity.stop();
      restoreEnv();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A one-container group of the test image, shaped like the app's job groups. */
export function testGroup(command: string[], overrides: Partial<ContainerGroup> = {}): ContainerGroup {
  return {
    location: LOCATION,
    osType: 'Linux',
    restartPolicy: 'Never',
    tags: { 'managed-by': 'mediaferry' },
    identity: { type: 'UserAssigned', userAssignedIdentities: { [WORKER_IDENTITY.resourceId]: {} } },
    imageRegistryCredentials: [{ server: 'test.local', identity: WORKER_IDENTITY.resourceId }],
    containers: [
      {
        name: 'worker',
        image: TEST_IMAGE,
        command,
        resources: { requests: { cpu: 1, memoryInGB: 1 } },
      },
    ],
    ...overrides,
  };
}

/** Creates a group of the test image running `command` (see testGroup) and waits for the create to end. */
export function createTestGroup(
  client: ContainerInstanceManagementClient,
  name: string,
  command: string[],
  overrides: Partial<ContainerGroup> = {},
): Promise<ContainerGroup> {
  return client.containerGroups.beginCreateOrUpdateAndWait(
    RESOURCE_GROUP,
    name,
    testGroup(command, overrides),
    {
      updateIntervalInMs: 50,
    },
  );
}

/** `eventually` with the argument order these tests were written with, and a 15 s default bound. */
export function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  return eventually(what, probe, timeoutMs);
}

/** Alive means it exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(stat, 'utf8'));
  } catch {
    return false;
  }
}

/** A raw HTTPS call, for requests the SDK would refuse to send (no token, bad body, no api-version). */
export function rawArmRequest(
  url: string,
  ca: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        ca,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...init.headers },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.end(payload);
  });
}
