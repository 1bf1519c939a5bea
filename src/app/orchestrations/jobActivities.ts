import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { appAciDependencies } from '../aci/appAciDependencies.js';
import {
  createJobContainer,
  type CreateJobContainerInput,
  type CreateJobContainerOutcome,
} from '../activities/createJobContainer.js';
import type { CleanupOutcome } from '../activities/activityOutcome.js';
import { deleteJobBlobs, type DeleteJobBlobsOutcome } from '../activities/deleteJobBlobs.js';
import { deleteJobContainer } from '../activities/deleteJobContainer.js';
import { inspectJobContainer, type InspectJobContainerOutcome } from '../activities/inspectJobContainer.js';
import { loadJobSettings, type LoadJobSettingsOutcome } from '../activities/loadJobSettings.js';
import { stopJobContainer } from '../activities/stopJobContainer.js';
import { callbackTokenFor } from '../callback/callbackToken.js';
import { getConfig } from '../config.js';
import { findInstanceStatus } from '../durable/findInstanceStatus.js';
import { defineActivity } from '../durable/typedActivities.js';
import { appMediaBlobService } from '../jobs/appMediaBlobService.js';
import { appSignedSourceStore } from '../jobs/signedSourceStore.js';
import { appJobSignalStore, type JobSignals } from '../jobs/jobSignals.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { runCreatedTime } from './attemptEvents.js';

/** Which job an activity acts on; the group name is derived from it. */
export interface JobContainerRef {
  instanceId: string;
  /** Which attempt's group (1 when absent). */
  attempt?: number;
}

/** Which run and attempt a generation reads the recorded final report and cancel request for. */
export interface ReadJobSignalsInput {
  instanceId: string;
  runCreatedAt: string;
  attempt: number;
}

function retryPolicy(firstMs: number, attempts: number, maxMs: number): df.RetryOptions {
  const options = new df.RetryOptions(firstMs, attempts);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = maxMs;
  return options;
}

/** 6 attempts over about 5 minutes; the janitor covers what still fails. */
const CLEANUP_RETRY = retryPolicy(10_000, 6, 120_000);

/**
 * The job orchestration's activities: registered from this table (src/app/functions/jobOrchestration.ts)
 * and called through it by the orchestrator. Retries apply to thrown failures only, which the
 * activities keep for transient ones (throttling, 5xx, transitioning, capacity).
 */
export const jobActivities = {
  [FUNCTION_NAMES.loadJobSettings]: defineActivity<void, LoadJobSettingsOutcome>({
    run: () => loadJobSettings(),
  }),
  [FUNCTION_NAMES.createJobContainer]: defineActivity<CreateJobContainerInput, CreateJobContainerOutcome>({
    run: createJobContainerWithAppSettings,
    // Reads the run's creation time, which the callback token is bound to.
    durableClient: true,
    /** 5 attempts over about 2 minutes. */
    retry: retryPolicy(5_000, 5, 60_000),
  }),
  [FUNCTION_NAMES.inspectJobContainer]: defineActivity<JobContainerRef, InspectJobContainerOutcome>({
    run: (input) => inspectJobContainer(input, appAciDependencies()),
    /** A failed look is simply retried at the next liveness poll, so few attempts. */
    retry: retryPolicy(5_000, 3, 20_000),
  }),
  [FUNCTION_NAMES.deleteJobContainer]: defineActivity<JobContainerRef, CleanupOutcome>({
    run: (input) => deleteJobContainer(input, appAciDependencies()),
    retry: CLEANUP_RETRY,
  }),
  [FUNCTION_NAMES.stopJobContainer]: defineActivity<JobContainerRef, CleanupOutcome>({
    run: (input) => stopJobContainer(input, appAciDependencies()),
    retry: CLEANUP_RETRY,
  }),
  [FUNCTION_NAMES.deleteJobBlobs]: defineActivity<JobContainerRef, DeleteJobBlobsOutcome>({
    run: (input) => {
      const config = getConfig();
      return deleteJobBlobs(input, appMediaBlobService(config).getContainerClient(config.mediaContainer));
    },
    retry: CLEANUP_RETRY,
  }),
  [FUNCTION_NAMES.readJobSignals]: defineActivity<ReadJobSignalsInput, JobSignals>({
    run: (input) => appJobSignalStore().read(input.instanceId, input),
    /** A failed read is tried again at the next liveness round, so few attempts. */
    retry: retryPolicy(5_000, 3, 20_000),
  }),
  [FUNCTION_NAMES.recordJobRunEnded]: defineActivity<
    Omit<ReadJobSignalsInput, 'attempt'>,
    { recorded: true }
  >({
    run: async (input) => {
      await appJobSignalStore().recordEnded(input.instanceId, {
        runCreatedAt: input.runCreatedAt,
        endedAt: new Date().toISOString(),
      });
      return { recorded: true };
    },
    retry: CLEANUP_RETRY,
  }),
  [FUNCTION_NAMES.forgetSignedSource]: defineActivity<JobContainerRef, { forgotten: boolean }>({
    run: async (input) => ({ forgotten: await appSignedSourceStore().forget(input.instanceId) }),
    retry: CLEANUP_RETRY,
  }),
};

async function createJobContainerWithAppSettings(
  input: CreateJobContainerInput,
  context: InvocationContext,
): Promise<CreateJobContainerOutcome> {
  const config = getConfig();
  if (!config.callbackBaseUrl)
    return {
      ok: false,
      kind: 'terminal',
      code: 'BAD_CONFIG',
      message: 'Set CALLBACK_BASE_URL (or run where WEBSITE_HOSTNAME is set) so the worker can report back.',
    };
  const runCreatedAt =
    input.runCreatedAt ?? (await currentRunCreatedAt(df.getClient(context), input.instanceId));
  const outcome = await createJobContainer(input, {
    ...appAciDependencies(),
    settings: { ...config, callbackBaseUrl: config.callbackBaseUrl },
    callbackTokenFor: (instanceId, attempt) =>
      callbackTokenFor({ instanceId, createdTime: runCreatedAt, attempt }),
    signedSourceUrl: (instanceId) => appSignedSourceStore().load(instanceId),
  });
  return outcome.ok ? { ...outcome, runCreatedAt } : outcome;
}

/** The creation time of the instance's current run; thrown (and so retried) while its status cannot be read. */
async function currentRunCreatedAt(client: df.DurableClient, instanceId: string): Promise<string> {
  const status = await findInstanceStatus(client, instanceId);
  if (!status) throw new Error(`The status of instance ${instanceId} could not be found to issue its token.`);
  return runCreatedTime(status).toISOString();
}
