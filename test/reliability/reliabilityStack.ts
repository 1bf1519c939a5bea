import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ContainerInstanceManagementClient, type ContainerGroup } from '@azure/arm-containerinstance';
import type { TokenCredential } from '@azure/core-auth';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from '../../emulator/azurite/startAzurite.js';
import { ensureLocalCertificate } from '../../emulator/certs/localCertificate.js';
import { waitForJob, type OrchestrationStatus } from '../../emulator/stack/jobStatus.js';
import {
  LOCAL_IDS,
  startLocalStack,
  type LocalStack,
  type LocalStackOptions,
} from '../../emulator/stack/startLocalStack.js';
import { mediaFixtures, type MediaFixtures } from '../support/mediaFixtures.js';
import { startMediaServer, type MediaServer } from '../support/mediaServer.js';

export const repoRoot = resolve(import.meta.dirname, '../..');
/** An image the stack maps to test/reliability/fixtures/faultyWorker.mjs. */
export const FAULTY_WORKER_IMAGE = 'mediaferrylocal.azurecr.io/faulty-worker:test';

export interface ReliabilityStack {
  stack: LocalStack;
  media: MediaServer;
  fixtures: MediaFixtures;
  /** Where the faulty worker leaves `<instanceId>.json` with the job's callback URL and token. */
  standInDir: string;
  aci: ContainerInstanceManagementClient;
  blobs: ReturnType<BlobServiceClient['getContainerClient']>;
  submit(body: Record<string, unknown>): Promise<{ id: string; statusQueryGetUri: string }>;
  wait(statusQueryGetUri: string, timeoutMs: number): Promise<OrchestrationStatus>;
  groups(): Promise<ContainerGroup[]>;
  callbackOf(instanceId: string): { url: string; token: string };
  stop(): Promise<void>;
}

/** A local stack for fault tests: short liveness poll, the faulty worker image mapped, its own media server. */
export async function startReliabilityStack(
  options: {
    settings?: Record<string, string>;
    aci?: LocalStackOptions['aci'];
    faultyWorker?: boolean;
  } = {},
): Promise<ReliabilityStack> {
  const fixtures = await mediaFixtures();
  const media = await startMediaServer({ root: fixtures.dir });
  const dataDir = mkdtempSync(join(tmpdir(), 'mediaferry-reliability-'));
  const standInDir = mkdtempSync(join(tmpdir(), 'mediaferry-standin-'));
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      appDir: repoRoot,
      dataDir,
      hostPort: 0,
      inMemoryStorage: true,
      certificate: ensureLocalCertificate(process.env.MEDIAFERRY_TEST_CERT_DIR as string),
      settings: {
        LIVENESS_POLL_SECONDS: '1',
        JANITOR_SCHEDULE: '0 0 0 1 1 *',
        ...(options.faultyWorker ? { WORKER_IMAGE: FAULTY_WORKER_IMAGE } : {}),
        ...options.settings,
      },
      aci: {
        ...options.aci,
        images: {
          [FAULTY_WORKER_IMAGE]: {
            command: process.execPath,
            args: [join(import.meta.dirname, 'fixtures/faultyWorker.mjs')],
            env: { STANDIN_DIR: standInDir, REAL_WORKER: join(repoRoot, 'dist/worker/main.mjs') },
          },
          ...options.aci?.images,
        },
      },
    });
  } catch (error) {
    await media.close();
    throw error;
  }

  const credential: TokenCredential = {
    getToken: async () => ({
      token: stack.identity.issuer.issue({ clientId: LOCAL_IDS.appClientId }, 'https://management.azure.com')
        .accessToken,
      expiresOnTimestamp: Date.now() + 3600_000,
    }),
  };
  const aci = new ContainerInstanceManagementClient(credential, LOCAL_IDS.subscriptionId, {
    endpoint: stack.aci.endpoint,
    credentialScopes: ['https://management.azure.com/.default'],
  });
  const blobs = new BlobServiceClient(
    stack.azurite.blobEndpoint,
    new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY),
  ).getContainerClient(LOCAL_IDS.mediaContainer);

  return {
    stack,
    media,
    fixtures,
    standInDir,
    aci,
    blobs,
    async submit(body) {
      const response = await fetch(`${stack.hostOrigin}/api/orchestrator_httpstart`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      const json = (await response.json()) as { id: string; statusQueryGetUri: string };
      if (response.status !== 202)
        throw new Error(`Submit answered ${response.status}: ${JSON.stringify(json)}`);
      return json;
    },
    wait: (uri, timeoutMs) => waitForJob(uri, { timeoutMs, intervalMs: 250 }),
    async groups() {
      const found: ContainerGroup[] = [];
      for await (const group of aci.containerGroups.listByResourceGroup(LOCAL_IDS.resourceGroup))
        found.push(group);
      return found;
    },
    callbackOf(instanceId) {
      return JSON.parse(readFileSync(join(standInDir, `${instanceId}.json`), 'utf8')) as {
        url: string;
        token: string;
      };
    },
    async stop() {
      await stack.stop();
      await media.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(standInDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value other than undefined, for at most `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** ARM PUTs (creates) the emulator received for a group. */
export function createsOf(stack: LocalStack, groupName: string): number {
  return stack.aci.requests.filter(
    (r) => r.method === 'PUT' && r.operation === 'create' && r.path.includes(`/containerGroups/${groupName}`),
  ).length;
}
