import { describe, expect, it } from 'vitest';
import type { JobSettings } from '../../src/app/activities/loadJobSettings.js';
import type { JobSucceeded } from '../../src/shared/contracts.js';
import {
  EXIT_REPORT_GRACE_SECONDS,
  QUOTA_RETRY_INTERVAL_SECONDS,
} from '../../src/app/orchestrations/jobAttempt.js';
import type { JobOrchestrationInput } from '../../src/app/orchestrations/jobOrchestrator.js';
import {
  cleanUpFailedJob,
  containerExited,
  createRefused,
  failedWith,
  groupCreated,
  groupDeleted,
  JOB_SETTINGS,
  jobInput,
  loadJobOrchestrator,
  NO_BLOBS_LEFT,
  pollFinds,
  REPLAY_START as START,
  startJobReplay,
} from './support/jobOrchestratorFixtures.js';
import { ActionType, OrchestratorReplay, type OrchestratorReply } from '../support/orchestratorReplay.js';

const INSTANCE_ID = 'job-0001';
// One attempt: these cases are about a single run; retries have their own cases below.
const INPUT: JobOrchestrationInput = jobInput(INSTANCE_ID, START, { maxAttempts: 1 });
const SETTINGS = JOB_SETTINGS;
const RESULT: JobSucceeded = {
  status: 'Succeeded',
  outputs: [
    {
      blobName: `${INSTANCE_ID}/${INSTANCE_ID}.mp4`,
      url: `https://acct.blob.core.windows.net/media/${INSTANCE_ID}/${INSTANCE_ID}.mp4`,
      contentType: 'video/mp4',
      bytes: 123456,
      sha256: 'a'.repeat(64),
    },
  ],
  media: {
    durationSeconds: 12.5,
    width: 1280,
    height: 720,
    videoCodec: 'h264',
    audioCodec: 'aac',
    bitrate: 900000,
  },
  timings: { downloadMs: 1000, processMs: 2000, uploadMs: 300, totalMs: 3300 },
};
const CREATED = groupCreated('mf-job-0001');
const GONE = groupDeleted('mf-job-0001');
const ALREADY_GONE = groupDeleted('mf-job-0001', false);

const startJob = (settings: Partial<JobSettings> = {}) =>
  startJobReplay({ instanceId: INSTANCE_ID, input: INPUT, start: START, settings });

async function runningJob(settings: Partial<JobSettings> = {}): Promise<OrchestratorReplay> {
  const job = await startJob(settings);
  await job.completeActivity('createJobContainer', CREATED);
  return job;
}

/** The job ended failed, its last status naming `code` and whether another try may help. */
function expectEndedFailed(
  job: OrchestratorReplay,
  reply: OrchestratorReply,
  code: string,
  retryable: boolean,
) {
  expect(reply.failed).toBe(true);
  expect(job.customStatus).toMatchObject({ phase: 'Done', error: { code, retryable } });
}

function timerAt(job: OrchestratorReplay, at: Date) {
  const timer = job.pendingTimers().find((t) => t.fireAt.getTime() === at.getTime());
  if (!timer) throw new Error(`no pending timer at ${at.toISOString()}`);
  return timer;
}

/** Answers the pending createJobContainer with Azure refusing the create. */
const refuseCreate = (job: OrchestratorReplay, ...refusal: Parameters<typeof createRefused>) =>
  job.completeActivity('createJobContainer', createRefused(...refusal));

const minutes = (n: number) => new Date(START.getTime() + n * 60_000);

describe('jobOrchestrator', () => {
  it('creates the group, returns the reported result, deletes the group and ends Done at 100%', async () => {
    const job = await OrchestratorReplay.start(await loadJobOrchestrator(), {
      instanceId: INSTANCE_ID,
      input: INPUT,
      start: START,
    });
    expect(job.customStatus).toEqual({ phase: 'Queued' });
    await job.completeActivity('loadJobSettings', { ok: true, settings: SETTINGS });
    expect(job.customStatus).toEqual({ phase: 'Provisioning' });

    const [create] = job.pendingActivities('createJobContainer');
    expect(create?.input).toEqual({
      instanceId: INSTANCE_ID,
      request: INPUT.request,
      outputBlobName: INPUT.outputBlobName,
      priority: 'Regular',
      createdAt: START.toISOString(),
    });
    await job.completeActivity('createJobContainer', CREATED);
    expect(job.reply.isDone).toBe(false);

    await job.raiseEvent('JobFinished', RESULT);
    expect(job.customStatus).toEqual({ phase: 'CleaningUp' });
    expect(job.pendingActivities('deleteJobContainer').map((a) => a.input)).toEqual([
      { instanceId: INSTANCE_ID },
    ]);
    const reply = await job.completeActivity('deleteJobContainer', GONE);
    expect(reply).toMatchObject({ isDone: true, failed: false, output: RESULT });
    expect(job.customStatus).toEqual({ phase: 'Done', percent: 100 });
  });

  it('publishes progress events as customStatus and keeps waiting', async () => {
    const job = await runningJob();
    await job.raiseEvent('JobProgress', { phase: 'Downloading', percent: 42, detail: '4.2 MB of 10 MB' });
    expect(job.customStatus).toEqual({ phase: 'Downloading', percent: 42, detail: '4.2 MB of 10 MB' });
    await job.raiseEvent('JobProgress', { phase: 'Processing', percent: 10 });
    expect(job.customStatus).toEqual({ phase: 'Processing', percent: 10 });
    expect(job.reply.isDone).toBe(false);
    expect(job.pendingActivities()).toEqual([]);
    // The deadline does not move with progress: still one hour after the group was created.
    expect(job.pendingTimers().map((t) => t.fireAt.toISOString())).toContain(minutes(60).toISOString());
  });

  it('keeps a report that arrives while the create activity is still running', async () => {
    const job = await startJob();
    await job.raiseEvent('JobProgress', { phase: 'Downloading', percent: 5 });
    await job.raiseEvent('JobFinished', RESULT);
    await job.completeActivity('createJobContainer', CREATED);
    expect(job.pendingActivities('deleteJobContainer')).toHaveLength(1);
    expect((await job.completeActivity('deleteJobContainer', GONE)).output).toEqual(RESULT);
  });

  it('cancels the losing poll and deadline timers when the report wins the race', async () => {
    const job = await runningJob();
    await job.raiseEvent('JobProgress', { phase: 'Uploading', percent: 99 });
    await job.raiseEvent('JobFinished', RESULT);
    await job.completeActivity('deleteJobContainer', GONE);
    const timers = job.reply.actions.filter((a) => a.actionType === ActionType.CreateTimer);
    expect(timers.length).toBeGreaterThanOrEqual(4);
    expect(timers.every((t) => t.isCanceled)).toBe(true);
    expect(job.pendingTimers()).toEqual([]);
    expect(job.reply.isDone).toBe(true);
  });

  it('fails TIMEOUT at the hard deadline, after deleting the group', async () => {
    const job = await runningJob({ jobDeadlineMinutes: 5 });
    await job.fireTimer(timerAt(job, minutes(5)));
    expect(job.customStatus).toMatchObject({ phase: 'CleaningUp', error: { code: 'TIMEOUT' } });
    expect(job.pendingTimers()).toEqual([]);
    const reply = await cleanUpFailedJob(job, GONE);
    expect(reply.failed).toBe(true);
    expect(reply.error).toBe('TIMEOUT: The job did not finish within 5 minutes.');
    expect(job.customStatus).toEqual({
      phase: 'Done',
      error: { code: 'TIMEOUT', message: 'The job did not finish within 5 minutes.', retryable: true },
    });
  });

  it('keeps waiting when the liveness poll finds the container still running', async () => {
    const job = await runningJob();
    await pollFinds(job, { terminated: false, containerState: 'Running' });
    expect(job.reply.isDone).toBe(false);
    expect(job.pendingTimers().map((t) => t.fireAt.toISOString())).toEqual([
      new Date(START.getTime() + 60_000).toISOString(),
      minutes(60).toISOString(),
    ]);
  });

  it('fails CONTAINER_EXITED with the exit code and last log lines when the container exits without reporting', async () => {
    const job = await runningJob();
    await pollFinds(
      job,
      containerExited(137, ['downloading https://media.example.com/clip.webm', 'out of memory'], 'Killed'),
    );
    // The report may still be in flight: a short grace period comes first.
    const grace = job
      .pendingTimers()
      .find((t) => t.fireAt.getTime() === job.now.getTime() + EXIT_REPORT_GRACE_SECONDS * 1000);
    expect(grace).toBeDefined();
    await job.fireTimer(grace);
    expect(job.pendingActivities('deleteJobContainer')).toHaveLength(1);
    const reply = await cleanUpFailedJob(job, GONE);
    expectEndedFailed(job, reply, 'CONTAINER_EXITED', true);
    expect(reply.error).toMatch(/^CONTAINER_EXITED: The container exited with code 137 without reporting/);
    expect(reply.error).toContain(
      'Last log lines:\ndownloading https://media.example.com/clip.webm\nout of memory',
    );
  });

  it('fails InaccessibleImage when the liveness poll finds the image could not be pulled', async () => {
    const job = await runningJob();
    await pollFinds(job, {
      terminated: true,
      provisioningState: 'Failed',
      containerState: 'Waiting',
      failureCode: 'InaccessibleImage',
      detail: 'Failed to pull image "myacr.azurecr.io/worker:1": image not found or access denied',
    });
    expect(job.pendingTimers()).toEqual([]);
    const reply = await cleanUpFailedJob(job, GONE);
    expect(reply.error).toBe(
      'InaccessibleImage: The container could not start: Failed to pull image "myacr.azurecr.io/worker:1": image not found or access denied.',
    );
    expect(job.customStatus).toMatchObject({ error: { code: 'InaccessibleImage', retryable: false } });
  });

  it('accepts a report that arrives during the grace period after the container exited', async () => {
    const job = await runningJob();
    await pollFinds(job, { terminated: true, exitCode: 0 });
    await job.raiseEvent('JobFinished', RESULT);
    const reply = await job.completeActivity('deleteJobContainer', GONE);
    expect(reply).toMatchObject({ isDone: true, output: RESULT });
    expect(job.pendingTimers()).toEqual([]);
  });

  it('retries a transient create failure and then runs the job', async () => {
    const job = await startJob();
    await job.failActivity('createJobContainer', 'ContainerGroupTransitioning: The group is transitioning.');
    const attempts = job.activities('createJobContainer');
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
    expect(attempts[1]?.input).toEqual(attempts[0]?.input);
    await job.completeActivity('createJobContainer', CREATED);
    await job.raiseEvent('JobFinished', RESULT);
    expect((await job.completeActivity('deleteJobContainer', GONE)).output).toEqual(RESULT);
  });

  it('fails CONTAINER_CREATE_FAILED once every create attempt failed, and still cleans up', async () => {
    const job = await startJob();
    for (let attempt = 1; attempt <= 5; attempt++)
      await job.failActivity('createJobContainer', 'Http503: The service is unavailable.');
    expect(job.activities('createJobContainer')).toHaveLength(5);
    const reply = await cleanUpFailedJob(job, ALREADY_GONE);
    expect(reply.failed).toBe(true);
    expect(reply.error).toBe(
      'CONTAINER_CREATE_FAILED: The container group could not be created: Http503: The service is unavailable.',
    );
  });

  it('waits on a durable timer when the quota is full and creates the group later', async () => {
    const job = await startJob();
    await refuseCreate(
      job,
      'quota',
      'ContainerGroupQuotaReached',
      'Resource type Microsoft.ContainerInstance/containerGroups has reached its quota.',
    );
    expect(job.pendingActivities()).toEqual([]);
    expect(job.customStatus).toMatchObject({ phase: 'Provisioning', detail: expect.stringMatching(/quota/) });
    const wait = job.pendingTimers();
    expect(wait.map((t) => t.fireAt.getTime())).toEqual([
      START.getTime() + QUOTA_RETRY_INTERVAL_SECONDS * 1000,
    ]);
    await job.fireTimer(wait[0]);
    expect(job.pendingActivities('createJobContainer')).toHaveLength(1);
    await job.completeActivity('createJobContainer', CREATED);
    expect(job.customStatus).toEqual({ phase: 'Provisioning' });
    await job.raiseEvent('JobFinished', RESULT);
    expect((await job.completeActivity('deleteJobContainer', GONE)).isDone).toBe(true);
  });

  it('fails QUOTA_EXCEEDED when the quota stays full for longer than the quota wait', async () => {
    const job = await startJob({ quotaWaitMinutes: 2 });
    const quotaFull = () => refuseCreate(job, 'quota', 'ContainerGroupQuotaReached', 'The quota is full.');
    await quotaFull();
    await job.fireTimer();
    await quotaFull();
    await job.fireTimer();
    await quotaFull();
    expect(job.activities('createJobContainer')).toHaveLength(3);
    const reply = await cleanUpFailedJob(job, ALREADY_GONE);
    expect(reply.error).toMatch(/^QUOTA_EXCEEDED: The container quota stayed full for 2 minutes/);
    expect(job.customStatus).toMatchObject({ error: { code: 'QUOTA_EXCEEDED', retryable: true } });
  });

  it('fails with Azure’s code on a terminal create error (InaccessibleImage) and still cleans up', async () => {
    const job = await startJob();
    const notAccessible =
      "The image 'myacr.azurecr.io/worker:1' in container group 'mf-job-0001' is not accessible.";
    await refuseCreate(job, 'terminal', 'InaccessibleImage', notAccessible);
    expect(job.activities('createJobContainer')).toHaveLength(1);
    expect(job.pendingActivities('deleteJobContainer')).toHaveLength(1);
    const reply = await cleanUpFailedJob(job, ALREADY_GONE);
    expectEndedFailed(job, reply, 'InaccessibleImage', false);
    expect(reply.error).toBe(`InaccessibleImage: ${notAccessible}`);
  });

  it('falls back from Spot to Regular when Spot capacity is refused', async () => {
    const job = await startJob({ aciPriority: 'Spot' });
    expect(job.pendingActivities('createJobContainer')[0]?.input).toMatchObject({ priority: 'Spot' });
    await refuseCreate(
      job,
      'spot',
      'SpotCapacityNotAvailable',
      'Spot capacity is not available in westeurope.',
    );
    const retried = job.pendingActivities('createJobContainer');
    expect(retried.map((a) => a.input)).toEqual([expect.objectContaining({ priority: 'Regular' })]);
    await job.completeActivity('createJobContainer', { ...CREATED, priority: 'Regular' });
    await job.raiseEvent('JobFinished', RESULT);
    expect((await job.completeActivity('deleteJobContainer', GONE)).output).toEqual(RESULT);
  });

  it('retries a failed cleanup and then completes', async () => {
    const job = await runningJob();
    await job.raiseEvent('JobFinished', RESULT);
    await job.failActivity('deleteJobContainer', 'Http503: Service Unavailable');
    expect(job.activities('deleteJobContainer').map((a) => a.attempt)).toEqual([1, 2]);
    const reply = await job.completeActivity('deleteJobContainer', GONE);
    expect(reply).toMatchObject({ isDone: true, output: RESULT });
    expect(job.customStatus).toEqual({ phase: 'Done', percent: 100 });
  });

  it('still returns the result when cleanup keeps failing, and says the janitor will remove the group', async () => {
    const job = await runningJob();
    await job.raiseEvent('JobFinished', RESULT);
    for (let attempt = 1; attempt <= 6; attempt++)
      await job.failActivity('deleteJobContainer', 'Http503: Service Unavailable');
    expect(job.reply).toMatchObject({ isDone: true, output: RESULT });
    expect(job.customStatus).toMatchObject({
      phase: 'Done',
      percent: 100,
      detail: expect.stringMatching(/janitor/),
    });
  });

  it('treats deleting a group that no longer exists as done', async () => {
    const job = await runningJob();
    await job.raiseEvent('JobFinished', RESULT);
    const reply = await job.completeActivity('deleteJobContainer', ALREADY_GONE);
    expect(reply).toMatchObject({ isDone: true, output: RESULT });
    expect(job.customStatus).toEqual({ phase: 'Done', percent: 100 });
  });

  it('stops instead of deleting a failed job’s group when failed groups are kept', async () => {
    const job = await runningJob({ keepFailedGroups: true, jobDeadlineMinutes: 1 });
    await job.fireTimer(timerAt(job, minutes(1)));
    expect(job.pendingActivities('deleteJobContainer')).toEqual([]);
    expect(job.pendingActivities('stopJobContainer').map((a) => a.input)).toEqual([
      { instanceId: INSTANCE_ID },
    ]);
    await job.completeActivity('stopJobContainer', GONE);
    const reply = await job.completeActivity('deleteJobBlobs', NO_BLOBS_LEFT);
    expect(reply.error).toMatch(/^TIMEOUT: /);
  });

  it('still deletes a successful job’s group when failed groups are kept', async () => {
    const job = await runningJob({ keepFailedGroups: true });
    await job.raiseEvent('JobFinished', RESULT);
    expect(job.pendingActivities('deleteJobContainer')).toHaveLength(1);
    expect(job.pendingActivities('stopJobContainer')).toEqual([]);
  });

  it('fails with the worker’s own error when the worker reports a failure', async () => {
    const job = await runningJob();
    await job.raiseEvent('JobFinished', failedWith('NOT_FOUND', 'The source URL answered 404.', false));
    const reply = await cleanUpFailedJob(job, GONE);
    expect(reply.error).toBe('NOT_FOUND: The source URL answered 404.');
    expect(job.customStatus).toEqual({
      phase: 'Done',
      error: { code: 'NOT_FOUND', message: 'The source URL answered 404.', retryable: false },
    });
  });

  it('fails BAD_CONFIG without creating anything when the settings are invalid', async () => {
    const job = await OrchestratorReplay.start(await loadJobOrchestrator(), {
      instanceId: INSTANCE_ID,
      input: INPUT,
      start: START,
    });
    const reply = await job.completeActivity('loadJobSettings', {
      ok: false,
      kind: 'terminal',
      code: 'BAD_CONFIG',
      message: 'Invalid configuration: WORKER_IMAGE: is required but not set.',
    });
    expect(reply.error).toBe('BAD_CONFIG: Invalid configuration: WORKER_IMAGE: is required but not set.');
    expect(job.activities('createJobContainer')).toEqual([]);
  });
});
