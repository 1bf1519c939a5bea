import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalStack, LocalStackOptions } from '../../../emulator/stack/startLocalStack.js';
import { startLocalTestStack, type LocalTestStack } from '../../support/localTestStack.js';
import { repoRoot } from '../../support/repoRoot.js';

/** An image the stack maps to test/reliability/fixtures/faultyWorker.mjs. */
export const FAULTY_WORKER_IMAGE = 'mediaferrylocal.azurecr.io/faulty-worker:test';

export interface ReliabilityStack extends LocalTestStack {
  /** Where the faulty worker leaves `<instanceId>.json` with the job's callback URL and token. */
  standInDir: string;
  callbackOf(instanceId: string): { url: string; token: string };
}

/** A local stack for fault tests: 1 s liveness poll, the janitor off, the faulty worker image mapped. */
export async function startReliabilityStack(
  options: {
    settings?: Record<string, string>;
    aci?: LocalStackOptions['aci'];
    faultyWorker?: boolean;
  } = {},
): Promise<ReliabilityStack> {
  const standInDir = mkdtempSync(join(tmpdir(), 'mediaferry-standin-'));
  const env = await startLocalTestStack({
    removeOnStop: [standInDir],
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
          args: [join(import.meta.dirname, '../fixtures/faultyWorker.mjs')],
          env: { STANDIN_DIR: standInDir, REAL_WORKER: join(repoRoot, 'dist/worker/main.mjs') },
        },
        ...options.aci?.images,
      },
    },
  });
  return {
    ...env,
    standInDir,
    callbackOf(instanceId) {
      return JSON.parse(readFileSync(join(standInDir, `${instanceId}.json`), 'utf8')) as {
        url: string;
        token: string;
      };
    },
  };
}

/** ARM PUTs (creates) the emulator received for a group. */
export function createsOf(stack: LocalStack, groupName: string): number {
  return stack.aci.requests.filter(
    (r) => r.method === 'PUT' && r.operation === 'create' && r.path.includes(`/containerGroups/${groupName}`),
  ).length;
}
