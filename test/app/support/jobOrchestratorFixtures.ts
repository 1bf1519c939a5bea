import type { JobSettings } from '../../../src/app/activities/loadJobSettings.js';
import type { JobSucceeded } from '../../../src/shared/contracts.js';
import {
  loadRegisteredHandler,
  OrchestratorReplay,
  type OrchestrationHandler,
  type OrchestratorReply,
} from '../../support/orchestratorReplay.js';

/** The limits the orchestrator replay tests run a job under, as loadJobSettings returns them. */
export const JOB_SETTINGS: JobSettings = {
  aciPriority: 'Regular',
  jobDeadlineMinutes: 60,
  livenessPollSeconds: 30,
  quotaWaitMinutes: 30,
  keepFailedGroups: false,
  allowPrivateSources: false,
  mediaBlobEndpoint: 'https://acct.blob.core.windows.net',
  mediaContainer: 'media',
};

/** When the orchestrator replay tests' jobs are submitted and their replays start. */
export const REPLAY_START = new Date('2026-03-01T10:00:00.000Z');

/** The URL the orchestrator replay tests' jobs fetch unless a case names another. */
export const SOURCE_URL = 'https://media.example.com/clip.webm';

/**
 * A job orchestration's input as the starter writes it: `request` over a fetch of SOURCE_URL, the job's
 * own output blob, submitted at `submittedAt`.
 */
export function jobInput(instanceId: string, submittedAt: Date, request: Record<string, unknown> = {}) {
  return {
    request: { url: SOURCE_URL, ...request },
    outputBlobName: `${instanceId}/${instanceId}.mp4`,
    submittedAt: submittedAt.toISOString(),
  };
}

/** createJobContainer's answer for a group it created. */
export const groupCreated = (groupName: string, priority = 'Regular') => ({ ok: true, groupName, priority });

/** deleteJobContainer's (or stopJobContainer's) answer; `existed: false` when the group was already gone. */
export const groupDeleted = (groupName: string, existed = true) => ({ ok: true, groupName, existed });

/** deleteJobBlobs' answer when the job left no blobs behind. */
export const NO_BLOBS_LEFT = { deleted: 0 };

/** createJobContainer's answer for a create Azure refused: `kind` says whether waiting or retrying may help. */
export const createRefused = (kind: 'quota' | 'spot' | 'terminal', code: string, message: string) => ({
  ok: false,
  kind,
  code,
  message,
});

/** A worker's failure report. */
export const failedWith = (code: string, message: string, retryable: boolean) => ({
  status: 'Failed',
  error: { code, message, retryable },
});

/**
 * Fires the liveness poll's timer and answers its inspectJobContainer with a container that was found,
 * described by `inspection` (no log lines unless it names some).
 */
export async function pollFinds(job: OrchestratorReplay, inspection: Record<string, unknown>) {
  await job.fireTimer();
  return job.completeActivity('inspectJobContainer', { ok: true, found: true, logTail: [], ...inspection });
}

/** inspectJobContainer's answer for a container that has exited with `exitCode` and these last log lines. */
export function containerExited(exitCode: number, logTail: string[], detail?: string) {
  return {
    ok: true,
    found: true,
    terminated: true,
    containerState: 'Terminated',
    exitCode,
    ...(detail === undefined ? {} : { detail }),
    logTail,
  };
}

/** A worker's success report with one MP4 at `blobName` on the settings' media endpoint. */
export function succeededWith(
  blobName: string,
  url = `${JOB_SETTINGS.mediaBlobEndpoint}/media/${blobName}`,
): JobSucceeded {
  return {
    status: 'Succeeded',
    outputs: [{ blobName, url, contentType: 'video/mp4', bytes: 1, sha256: 'a'.repeat(64) }],
    media: { durationSeconds: 1, width: 2, height: 2, videoCodec: 'h264', audioCodec: null, bitrate: 1 },
    timings: {},
  };
}

let jobOrchestrator: Promise<OrchestrationHandler> | undefined;
/** The job orchestration's handler, loaded once through the app's own registration. */
export function loadJobOrchestrator(): Promise<OrchestrationHandler> {
  jobOrchestrator ??= loadRegisteredHandler(
    () => import('../../../src/app/functions/jobOrchestration.js'),
    'jobOrchestrator',
  );
  return jobOrchestrator;
}

/**
 * A replay of the job orchestration started with `input` at `start`, its first activity (loadJobSettings)
 * answered with JOB_SETTINGS and `settings` on top.
 */
export async function startJobReplay(options: {
  instanceId: string;
  input: unknown;
  start?: Date;
  settings?: Partial<JobSettings>;
}): Promise<OrchestratorReplay> {
  const job = await OrchestratorReplay.start(await loadJobOrchestrator(), {
    instanceId: options.instanceId,
    input: options.input,
    ...(options.start ? { start: options.start } : {}),
    name: 'jobOrchestrator',
  });
  await job.completeActivity('loadJobSettings', {
    ok: true,
    settings: { ...JOB_SETTINGS, ...options.settings },
  });
  return job;
}

/** The cleanup of a job that failed: the group delete answered with `deleted`, then the blob delete. */
export async function cleanUpFailedJob(
  job: OrchestratorReplay,
  deleted: unknown,
): Promise<OrchestratorReply> {
  await job.completeActivity('deleteJobContainer', deleted);
  return job.completeActivity('deleteJobBlobs', NO_BLOBS_LEFT);
}
