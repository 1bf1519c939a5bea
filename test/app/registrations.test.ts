import { InvocationContext } from '@azure/functions';
import { afterEach, describe, expect, it } from 'vitest';
import { resetConfigCache } from '../../src/app/config.js';
import { FUNCTION_NAMES } from '../../src/app/functionNames.js';
import { loadRegisteredFunction } from '../support/orchestratorReplay.js';

const REGISTRATIONS: [string, () => Promise<unknown>][] = [
  ['jobOrchestrator', () => import('../../src/app/functions/jobOrchestration.js')],
  [FUNCTION_NAMES.loadJobSettings, () => import('../../src/app/functions/jobOrchestration.js')],
  [FUNCTION_NAMES.createJobContainer, () => import('../../src/app/functions/jobOrchestration.js')],
  [FUNCTION_NAMES.inspectJobContainer, () => import('../../src/app/functions/jobOrchestration.js')],
  [FUNCTION_NAMES.deleteJobContainer, () => import('../../src/app/functions/jobOrchestration.js')],
  [FUNCTION_NAMES.stopJobContainer, () => import('../../src/app/functions/jobOrchestration.js')],
  [FUNCTION_NAMES.deleteJobBlobs, () => import('../../src/app/functions/jobOrchestration.js')],
  ['playlistOrchestrator', () => import('../../src/app/functions/playlistOrchestration.js')],
  [FUNCTION_NAMES.cancelPlaylistChildren, () => import('../../src/app/functions/playlistOrchestration.js')],
];

const triggerOf = (bindings: Record<string, { type: string; direction: string }>) =>
  Object.values(bindings).find((b) => b.direction === 'in' && /Trigger$/.test(b.type))?.type;

describe('function registrations', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    resetConfigCache();
  });

  it.each(REGISTRATIONS)('registers %s with the durable trigger the host expects', async (name, load) => {
    const { metadata } = await loadRegisteredFunction(load, name);
    expect(triggerOf(metadata.bindings)).toBe(
      name.endsWith('Orchestrator') ? 'orchestrationTrigger' : 'activityTrigger',
    );
  });

  it('loadJobSettings reads the limits a job runs under from the app settings', async () => {
    Object.assign(process.env, {
      AZURE_SUBSCRIPTION_ID: '00000000-0000-4000-8000-000000000001',
      JOBS_RESOURCE_GROUP: 'rg-jobs',
      JOBS_LOCATION: 'westeurope',
      WORKER_IMAGE: 'myacr.azurecr.io/mediaferry-worker:1.0.0',
      WORKER_IDENTITY_RESOURCE_ID:
        '/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-worker',
      WORKER_IDENTITY_CLIENT_ID: 'worker-client',
      MEDIA_BLOB_ENDPOINT: 'https://acct.blob.core.windows.net',
      ACI_PRIORITY: 'Spot',
      JOB_DEADLINE_MINUTES: '15',
      KEEP_FAILED_GROUPS: 'true',
      ALLOWED_PRIVATE_SOURCES: 'media.internal:8443',
      LIVENESS_ROUNDS_PER_GENERATION: '7',
    });
    resetConfigCache();
    const { handler } = await loadRegisteredFunction(REGISTRATIONS[1]![1], FUNCTION_NAMES.loadJobSettings);
    expect(await handler(undefined, new InvocationContext())).toEqual({
      ok: true,
      settings: {
        aciPriority: 'Spot',
        jobDeadlineMinutes: 15,
        livenessPollSeconds: 30,
        livenessRoundsPerGeneration: 7,
        quotaWaitMinutes: 30,
        keepFailedGroups: true,
        allowPrivateSources: false,
        allowedPrivateSources: ['media.internal:8443'],
        mediaBlobEndpoint: 'https://acct.blob.core.windows.net',
        mediaContainer: 'media',
      },
    });
  });

  it('loadJobSettings answers BAD_CONFIG naming the missing setting instead of throwing', async () => {
    for (const name of ['WORKER_IMAGE', 'AZURE_SUBSCRIPTION_ID']) delete process.env[name];
    resetConfigCache();
    const { handler } = await loadRegisteredFunction(REGISTRATIONS[1]![1], FUNCTION_NAMES.loadJobSettings);
    expect(await handler(undefined, new InvocationContext())).toMatchObject({
      ok: false,
      kind: 'terminal',
      code: 'BAD_CONFIG',
      message: expect.stringContaining('WORKER_IMAGE'),
    });
  });
});
