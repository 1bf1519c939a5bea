import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAciEmulator, type RunningAciEmulator } from '../../emulator/aci/startAciEmulator.js';
import { ensureLocalCertificate, type LocalCertificate } from '../../emulator/certs/localCertificate.js';
import {
  createJobContainer,
  type CreateJobContainerInput,
} from '../../src/app/activities/createJobContainer.js';
import { deleteJobContainer } from '../../src/app/activities/deleteJobContainer.js';
import { inspectJobContainer } from '../../src/app/activities/inspectJobContainer.js';
import type { JobSettings } from '../../src/app/activities/loadJobSettings.js';
import { stopJobContainer } from '../../src/app/activities/stopJobContainer.js';
import { createAciClient } from '../../src/app/aci/createAciClient.js';
import { containerGroupName } from '../../src/shared/naming.js';
import type { JobOrchestrationInput } from '../../src/app/orchestrations/jobOrchestrator.js';
import { loadRegisteredHandler, OrchestratorReplay } from '../support/orchestratorReplay.js';
import { testContainerGroupSettings } from './support/testContainerGroupSettings.js';

/**
 * The orchestrator and the real ACI activities together: every activity the orchestrator schedules
 * runs against the ACI emulator; only the clock of the durable timers is simulated.
 */
const SUBSCRIPTION = '00000000-0000-4000-8000-00000000ac02';
const WORKER_IDENTITY_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-identity/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-worker`;
const STAND_IN = join(import.meta.dirname, 'fixtures/jobWorkerStandIn.mjs');

const GROUP_SETTINGS = testContainerGroupSettings({
  workerImage: 'registry.local/worker-exits:1.0.0',
  workerIdentityResourceId: WORKER_IDENTITY_ID,
  workerIdentityClientId: '22222222-2222-4222-8222-2222222222b2',
});
const JOB_SETTINGS: JobSettings = {
  aciPriority: 'Spot',
  jobDeadlineMinutes: 60,
  livenessPollSeconds: 30,
  quotaWaitMinutes: 30,
  keepFailedGroups: false,
  allowPrivateSources: true,
  mediaBlobEndpoint: GROUP_SETTINGS.mediaBlobEndpoint,
  mediaContainer: 'media',
};

describe('jobOrchestrator with the ACI activities on the ACI emulator', () => {
  let dataDir: string;
  let certificate: LocalCertificate;
  let emulator: RunningAciEmulator;
  let aci: ContainerInstanceManagementClient;
  let handler: Awaited<ReturnType<typeof loadRegisteredHandler>>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mf-job-aci-'));
    certificate = ensureLocalCertificate(dataDir);
    emulator = await startAciEmulator({
      certificate,
      images: {
        'registry.local/worker-exits': {
          command: process.execPath,
          args: [STAND_IN],
          env: { MODE: 'exit', EXIT_CODE: '3' },
        },
      },
      identities: [{ clientId: GROUP_SETTINGS.workerIdentityClientId, resourceId: WORKER_IDENTITY_ID }],
      stopGraceMs: 500,
      faults: { capacity: { count: 1, priority: 'Spot' } },
    });
    // No token issuer on this emulator: any bearer token is accepted, so a fixed one will do.
    const credential = {
      getToken: async () => ({ token: 'local-test-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
    aci = createAciClient(
      { subscriptionId: SUBSCRIPTION, armEndpoint: emulator.endpoint, appIdentityClientId: undefined },
      { credential, trustedCa: certificate.cert },
    );
    handler = await loadRegisteredHandler(
      () => import('../../src/app/functions/jobOrchestration.js'),
      'jobOrchestrator',
    );
  });

  afterAll(async () => {
    await emulator?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Runs scheduled activities for real; when none is pending, waits a little and fires the next timer. */
  async function runToEnd(job: OrchestratorReplay): Promise<void> {
    const deps = { aci, resourceGroup: 'rg-jobs' };
    const deadline = Date.now() + 30_000;
    while (!job.reply.isDone && !job.reply.failed) {
      if (Date.now() > deadline)
        throw new Error(`job did not finish; status ${JSON.stringify(job.customStatus)}`);
      const [activity] = job.pendingActivities();
      if (!activity) {
        await new Promise((r) => setTimeout(r, 200));
        await job.fireTimer();
        continue;
      }
      const input = activity.input as { instanceId: string };
      try {
        const result =
          activity.name === 'loadJobSettings'
            ? { ok: true, settings: JOB_SETTINGS }
            : activity.name === 'createJobContainer'
              ? await createJobContainer(activity.input as CreateJobContainerInput, {
                  ...deps,
                  settings: GROUP_SETTINGS,
                  callbackTokenFor: async (id) => `token-${id}-0123456789abcdef`,
                })
              : activity.name === 'inspectJobContainer'
                ? await inspectJobContainer(input, deps)
                : activity.name === 'deleteJobContainer'
                  ? await deleteJobContainer(input, deps)
                  : activity.name === 'deleteJobBlobs'
                    ? // No media storage here; deleteJobBlobs.test.ts runs it against Azurite.
                      { deleted: 0 }
                    : await stopJobContainer(input, deps);
        await job.completeActivity(activity.name, result);
      } catch (error) {
        await job.failActivity(activity.name, error instanceof Error ? error.message : String(error));
      }
    }
  }

  it('falls back from Spot, notices the worker exit without a report, fails CONTAINER_EXITED with its logs, and deletes the group', async () => {
    const input: JobOrchestrationInput = {
      request: { url: 'http://127.0.0.1:9/clip.webm', maxAttempts: 1 },
      outputBlobName: 'job-e2e-exit/job-e2e-exit.mp4',
      submittedAt: new Date().toISOString(),
    };
    const job = await OrchestratorReplay.start(handler, { instanceId: 'job-e2e-exit', input });
    await runToEnd(job);

    expect(
      job.activities('createJobContainer').map((a) => (a.input as { priority: string }).priority),
    ).toEqual(['Spot', 'Regular']);
    expect(job.reply.failed).toBe(true);
    expect(job.reply.error).toMatch(/^CONTAINER_EXITED: The container exited with code 3 without reporting/);
    expect(job.reply.error).toContain('giving up: out of memory');
    const remaining = await aci.containerGroups
      .get('rg-jobs', containerGroupName('job-e2e-exit'))
      .then(() => 'still there')
      .catch((e: { statusCode?: number }) => e.statusCode);
    expect(remaining).toBe(404);
  });
});
