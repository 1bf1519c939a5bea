import { describe, expect, it } from 'vitest';
import {
  RETRY_BACKOFF_SECONDS,
  retryBackoffSeconds,
  shouldRetry,
} from '../../../src/app/orchestrations/jobOutcome.js';
import type { JobRequest } from '../../../src/shared/contracts.js';
import {
  containerExited,
  failedWith,
  groupCreated,
  groupDeleted,
  jobInput,
  NO_BLOBS_LEFT,
  pollFinds,
  REPLAY_START as START,
  startJobReplay,
  succeededWith,
} from '../support/jobOrchestratorFixtures.js';
import type { OrchestratorReplay } from '../../support/orchestratorReplay.js';

const INSTANCE_ID = 'job-retries';
const OWN_BLOB = `${INSTANCE_ID}/${INSTANCE_ID}.mp4`;
const RESULT = succeededWith(OWN_BLOB);
const NETWORK_FAILURE = failedWith('NETWORK', 'The source stopped answering.', true);
const CREATED = groupCreated('g');
const GONE = groupDeleted('g');

const startJob = (request: Partial<JobRequest> = {}) =>
  startJobReplay({
    instanceId: INSTANCE_ID,
    input: jobInput(INSTANCE_ID, START, request),
    start: START,
  });

/** Runs one attempt whose worker reports `report` (under the attempt's own event name), then cleans up. */
async function attemptReports(job: OrchestratorReplay, attempt: number, report: unknown): Promise<void> {
  await job.completeActivity('createJobContainer', CREATED);
  await job.raiseEvent(attempt > 1 ? `JobFinishedAttempt${attempt}` : 'JobFinished', report);
  await job.completeActivity('deleteJobContainer', GONE);
  if (job.pendingActivities('deleteJobBlobs').length > 0)
    await job.completeActivity('deleteJobBlobs', NO_BLOBS_LEFT);
}

const secondsAfter = (job: OrchestratorReplay, seconds: number) =>
  new Date(job.now.getTime() + seconds * 1000).toISOString();

describe('jobOrchestrator retries', () => {
  it('runs a second attempt in a fresh group after the container exited without a report, after a backoff on a durable timer', async () => {
    const job = await startJob();
    await job.completeActivity('createJobContainer', CREATED);
    await pollFinds(job, containerExited(137, []));
    await job.fireTimer(); // the grace period for a report in flight
    expect(job.pendingActivities('deleteJobContainer').map((a) => a.input)).toEqual([
      { instanceId: INSTANCE_ID },
    ]);
    await job.completeActivity('deleteJobContainer', GONE);
    expect(job.pendingActivities('deleteJobBlobs').map((a) => a.input)).toEqual([
      { instanceId: INSTANCE_ID },
    ]);
    await job.completeActivity('deleteJobBlobs', NO_BLOBS_LEFT);

    // Backoff: nothing is created until the durable timer fires.
    expect(job.reply.isDone).toBe(false);
    expect(job.pendingActivities()).toEqual([]);
    expect(job.pendingTimers().map((t) => t.fireAt.toISOString())).toEqual([
      secondsAfter(job, RETRY_BACKOFF_SECONDS),
    ]);
    expect(job.customStatus).toMatchObject({
      phase: 'Queued',
      attempt: 2,
      detail: expect.stringMatching(/^Attempt 1 of 2 failed \(CONTAINER_EXITED\); attempt 2 starts at /),
    });
    await job.fireTimer();

    const creates = job.activities('createJobContainer');
    expect(creates).toHaveLength(2);
    // Same job, its own group: the attempt names it, and its creation time is the attempt's.
    expect(creates[1]?.input).toEqual({
      ...(creates[0]?.input as object),
      attempt: 2,
      createdAt: job.now.toISOString(),
    });
    await job.completeActivity('createJobContainer', groupCreated('g2'));

    // The first attempt's report, raised late under its own name, is not taken for the second's.
    await job.raiseEvent('JobFinished', NETWORK_FAILURE);
    expect(job.reply.isDone).toBe(false);
    expect(job.pendingActivities()).toEqual([]);

    await job.raiseEvent('JobProgressAttempt2', { phase: 'Downloading', percent: 40 });
    expect(job.customStatus).toEqual({ phase: 'Downloading', percent: 40, attempt: 2 });
    await job.raiseEvent('JobFinishedAttempt2', RESULT);
    expect(job.pendingActivities('deleteJobContainer').map((a) => a.input)).toEqual([
      { instanceId: INSTANCE_ID, attempt: 2 },
    ]);
    const reply = await job.completeActivity('deleteJobContainer', GONE);
    expect(reply).toMatchObject({ isDone: true, failed: false, output: RESULT });
    expect(job.customStatus).toEqual({ phase: 'Done', percent: 100, attempt: 2 });
    // A success keeps its blobs.
    expect(job.activities('deleteJobBlobs')).toHaveLength(1);
  });

  it('never retries a failure whose code is not retryable', async () => {
    const job = await startJob({ maxAttempts: 5 });
    await attemptReports(job, 1, failedWith('NOT_FOUND', 'The source URL answered 404.', false));
    expect(job.reply.failed).toBe(true);
    expect(job.reply.error).toBe('NOT_FOUND: The source URL answered 404.');
    expect(job.activities('createJobContainer')).toHaveLength(1);
    expect(job.customStatus).not.toHaveProperty('attempt');
  });

  it('never retries when the request allows one attempt', async () => {
    const job = await startJob({ maxAttempts: 1 });
    await attemptReports(job, 1, NETWORK_FAILURE);
    expect(job.reply.error).toBe('NETWORK: The source stopped answering.');
    expect(job.activities('createJobContainer')).toHaveLength(1);
  });

  it('stops after maxAttempts, waiting twice as long before each further attempt, and fails with the last error', async () => {
    const job = await startJob({ maxAttempts: 3 });
    const backoffs: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await attemptReports(job, attempt, NETWORK_FAILURE);
      if (attempt === 3) break;
      const [timer] = job.pendingTimers();
      backoffs.push((timer!.fireAt.getTime() - job.now.getTime()) / 1000);
      await job.fireTimer(timer);
    }
    expect(backoffs).toEqual([RETRY_BACKOFF_SECONDS, 2 * RETRY_BACKOFF_SECONDS]);
    expect(
      job.activities('createJobContainer').map((a) => (a.input as { attempt?: number }).attempt),
    ).toEqual([undefined, 2, 3]);
    expect(job.activities('deleteJobContainer').map((a) => a.input)).toEqual([
      { instanceId: INSTANCE_ID },
      { instanceId: INSTANCE_ID, attempt: 2 },
      { instanceId: INSTANCE_ID, attempt: 3 },
    ]);
    expect(job.reply.failed).toBe(true);
    expect(job.reply.error).toBe('NETWORK: The source stopped answering.');
    expect(job.customStatus).toMatchObject({ phase: 'Done', attempt: 3, error: { code: 'NETWORK' } });
  });

  it('ends Canceled without another attempt when canceled during the backoff', async () => {
    const job = await startJob();
    await attemptReports(job, 1, NETWORK_FAILURE);
    expect(job.pendingTimers()).toHaveLength(1);
    await job.raiseEvent('CancelJob', { requestedAt: job.now.toISOString() });
    expect(job.reply.failed).toBe(true);
    expect(job.reply.error).toMatch(/^CANCELED: /);
    expect(job.activities('createJobContainer')).toHaveLength(1);
    expect(job.pendingTimers()).toEqual([]);
  });

  it('deletes the canceled job’s group, then every blob under its prefix', async () => {
    const job = await startJob();
    await job.completeActivity('createJobContainer', CREATED);
    await job.raiseEvent('CancelJob', { requestedAt: job.now.toISOString() });
    expect(job.pendingActivities().map((a) => a.name)).toEqual(['deleteJobContainer']);
    await job.completeActivity('deleteJobContainer', GONE);
    expect(job.pendingActivities().map((a) => a.name)).toEqual(['deleteJobBlobs']);
    const reply = await job.completeActivity('deleteJobBlobs', { deleted: 3 });
    expect(reply.error).toMatch(/^CANCELED: /);
    expect(job.activities('createJobContainer')).toHaveLength(1);
  });

  it('still ends with the job’s own error when its blobs cannot be deleted, and says so', async () => {
    const job = await startJob({ maxAttempts: 1 });
    await job.completeActivity('createJobContainer', CREATED);
    await job.raiseEvent('JobFinished', NETWORK_FAILURE);
    await job.completeActivity('deleteJobContainer', GONE);
    for (let attempt = 1; attempt <= 6; attempt++)
      await job.failActivity('deleteJobBlobs', 'RestError: This request is not authorized.');
    expect(job.reply.error).toBe('NETWORK: The source stopped answering.');
    expect(job.customStatus).toMatchObject({
      phase: 'Done',
      detail: expect.stringMatching(/partial blobs under job-retries\/ failed/),
    });
  });
});

describe('which failures are retried', () => {
  it.each([
    ['CONTAINER_EXITED', true, true],
    ['QUOTA_EXCEEDED', true, true],
    ['CONTAINER_CREATE_FAILED', true, true],
    ['NOT_FOUND', false, false],
    ['TOO_LARGE', false, false],
    // The failure's own flag wins: a worker that says "do not retry" is not retried.
    ['NETWORK', false, false],
    // Azure's own codes (e.g. an image that cannot be pulled) and a cancel never retry.
    ['InaccessibleImage', true, false],
    ['CANCELED', false, false],
  ])('%s (retryable: %s) is retried: %s', (code, retryable, expected) => {
    expect(shouldRetry({ code, message: 'x', retryable })).toBe(expected);
  });

  it('waits twice as long before each further attempt, at most five minutes', () => {
    expect([1, 2, 3, 4, 5].map(retryBackoffSeconds)).toEqual([30, 60, 120, 240, 300]);
  });
});
