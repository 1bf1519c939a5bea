import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerInstanceManagementClient, type ContainerGroup } from '@azure/arm-containerinstance';
import type { TokenCredential } from '@azure/core-auth';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { expect } from 'vitest';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from '../../emulator/azurite/startAzurite.js';
import { ensureLocalCertificate } from '../../emulator/certs/localCertificate.js';
import { waitForJob, type OrchestrationStatus } from '../../emulator/stack/jobStatus.js';
import { LOCAL_IDS, type LocalStack, type LocalStackOptions } from '../../emulator/stack/startLocalStack.js';
import { containerGroupName } from '../../src/shared/naming.js';
import { startCallbackProxy, type CallbackProxy } from './callbackProxy.js';
import { eventually } from './eventually.js';
import { mediaFixtures, type MediaFixtures } from './mediaFixtures.js';
import { startMediaServer, type MediaServer } from './mediaServer.js';
import { startRunStack } from './runStack.js';

export interface LocalTestStackOptions {
  /** App settings on top of the stack's own (for example a short liveness poll). */
  settings?: Record<string, string>;
  aci?: LocalStackOptions['aci'];
  /** Folders the caller made for this stack, deleted when it stops. */
  removeOnStop?: string[];
  /** Receives the stack's log lines (the app's included). */
  log?: (line: string) => void;
}

export interface LocalTestStack {
  stack: LocalStack;
  media: MediaServer;
  fixtures: MediaFixtures;
  /** The ARM client the app itself would use, authenticated as the app's identity. */
  aci: ContainerInstanceManagementClient;
  blobs: ReturnType<BlobServiceClient['getContainerClient']>;
  /** POSTs to the starter and returns what it answered, whatever the status. */
  post(init: RequestInit): Promise<{ status: number; body: Record<string, string> }>;
  /** Starts a job from a JSON body; throws unless the starter answers 202. */
  submit(body: Record<string, unknown>): Promise<{ id: string; statusQueryGetUri: string }>;
  wait(statusQueryGetUri: string, timeoutMs: number): Promise<OrchestrationStatus>;
  groups(): Promise<ContainerGroup[]>;
  /** Waits until the job's container group is deleted and its process has exited. */
  groupGone(instanceId: string, timeoutMs?: number): Promise<void>;
  /** No container group left in ARM and no container process left running. */
  expectNothingLeftRunning(): Promise<void>;
  /** Stops everything; checks first that nothing is left running, and stops even when that check fails. */
  stopExpectingNothingLeft(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The composed local stack (in-memory Azurite, managed identity, ACI emulator, Functions host) on
 * free ports with the test certificate, plus a media server on 127.0.0.1 serving the test clips.
 */
export async function startLocalTestStack(options: LocalTestStackOptions = {}): Promise<LocalTestStack> {
  const fixtures = await mediaFixtures();
  const media = await startMediaServer({ root: fixtures.dir });
  const dataDir = mkdtempSync(join(tmpdir(), 'mediaferry-stack-'));
  let stack: LocalStack;
  try {
    stack = await startRunStack({
      dataDir,
      certificate: ensureLocalCertificate(process.env.MEDIAFERRY_TEST_CERT_DIR as string),
      ...(options.settings ? { settings: options.settings } : {}),
      ...(options.aci ? { aci: options.aci } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
  } catch (error) {
    await media.close();
    for (const dir of [dataDir, ...(options.removeOnStop ?? [])])
      rmSync(dir, { recursive: true, force: true });
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

  async function groups(): Promise<ContainerGroup[]> {
    const found: ContainerGroup[] = [];
    for await (const group of aci.containerGroups.listByResourceGroup(LOCAL_IDS.resourceGroup))
      found.push(group);
    return found;
  }

  async function post(init: RequestInit): Promise<{ status: number; body: Record<string, string> }> {
    const response = await fetch(`${stack.hostOrigin}/api/orchestrator_httpstart`, {
      method: 'POST',
      ...init,
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  async function expectNothingLeftRunning(): Promise<void> {
    expect((await groups()).map((g) => g.name)).toEqual([]);
    expect(stack.aci.runningProcesses()).toEqual([]);
  }

  async function stop(): Promise<void> {
    await stack.stop();
    await media.close();
    for (const dir of [dataDir, ...(options.removeOnStop ?? [])])
      rmSync(dir, { recursive: true, force: true });
  }

  return {
    stack,
    media,
    fixtures,
    aci,
    blobs,
    post,
    async submit(body) {
      const answer = await post({
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (answer.status !== 202)
        throw new Error(`Submit answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return { id: answer.body.id as string, statusQueryGetUri: answer.body.statusQueryGetUri as string };
    },
    wait: (uri, timeoutMs) => waitForJob(uri, { timeoutMs, intervalMs: 250 }),
    groups,
    async groupGone(instanceId, timeoutMs = 15_000) {
      const name = containerGroupName(instanceId);
      await eventually(
        `group ${name} to be deleted`,
        async () => !(await groups()).some((g) => g.name === name),
        timeoutMs,
      );
      expect(stack.aci.runningProcesses().filter((p) => p.group === name)).toEqual([]);
    },
    expectNothingLeftRunning,
    async stopExpectingNothingLeft() {
      try {
        await expectNothingLeftRunning();
      } finally {
        await stop();
      }
    },
    stop,
  };
}

/**
 * A stack (from `start`, given the CALLBACK_BASE_URL setting) whose workers call back through a
 * recording proxy, and that proxy. Its stopExpectingNothingLeft closes the proxy too.
 */
export async function behindCallbackProxy<S extends LocalTestStack>(
  start: (callbackSettings: { CALLBACK_BASE_URL: string }) => Promise<S>,
): Promise<S & { proxy: CallbackProxy }> {
  const proxy = await startCallbackProxy();
  let env: S;
  try {
    env = await start({ CALLBACK_BASE_URL: proxy.origin });
  } catch (error) {
    await proxy.close();
    throw error;
  }
  proxy.target = env.stack.hostOrigin.replace('localhost', '127.0.0.1');
  const stopStack = env.stopExpectingNothingLeft.bind(env);
  return Object.assign(env, {
    proxy,
    async stopExpectingNothingLeft() {
      try {
        await stopStack();
      } finally {
        await proxy.close();
      }
    },
  });
}
