import { beforeAll, describe, expect, it } from 'vitest';
import type { JobContinuation } from '../../../src/app/orchestrations/jobOrchestrator.js';
import type { JobRequest } from '../../../src/shared/contracts.js';
import { jobInput, JOB_SETTINGS, succeededWith } from '../support/jobOrchestratorFixtures.js';
import { loadRegisteredHandler, OrchestratorReplay } from '../../support/orchestratorReplay.js';

const START = new Date('2026-03-01T10:00:00.000Z');
/** When the backend created the job's run: the callback token is bound to it. */
const RUN_CREATED_AT = '2026-03-01T09:59:59.500Z';
const INSTANCE_ID = 'job-long';
const OWN_BLOB = `${INSTANCE_ID}/${INSTANCE_ID}.mp4`;
const RESULT = succeededWith(OWN_BLOB);
const ROUNDS = 3;
const SETTINGS = { ...JOB_SETTINGS, livenessRoundsPerGeneration: ROUNDS };
const RUNNING = { ok: true, found: true, terminated: false, containerState: 'Running', logTail: [] };
const GONE = { ok: true, groupName: 'g', existed: true };
const NOTHING_RECORDED = { cancelRequested: false };
const RUN_ENDED_INPUT = { instanceId: INSTANCE_ID, runCreatedAt: RUN_CREATED_AT };

/** A job that continued as new records, as it ends, that its run has ended; returns the last reply. */
async function runEnds(job: OrchestratorReplay) {
  expect(job.pendingActivities('recordJobRunEnded').map((a) => a.input)).toEqual([RUN_ENDED_INPUT]);
  return job.completeActivity('recordJobRunEnded', { recorded: true });
}

let handler: Awaited<ReturnType<typeof loadRegisteredHandler>>;
beforeAll(async () => {
  handler = await loadRegisteredHandler(
    () => import('../../../src/app/functions/jobOrchestration.js'),
    'jobOrchestrator',
  );
});

async function startRunningJob(
  request: Partial<JobRequest> = {},
  settings: typeof SETTINGS = SETTINGS,
): Promise<OrchestratorReplay> {
  const job = await OrchestratorReplay.start(handler, {
    instanceId: INSTANCE_ID,
    input: jobInput(INSTANCE_ID, START, request),
    start: START,
    name: 'jobOrchestrator',
  });
  await job.completeActivity('loadJobSettings', { ok: true, settings });
  await job.completeActivity('createJobContainer', {
    ok: true,
    groupName: 'g',
    priority: 'Regular',
    runCreatedAt: RUN_CREATED_AT,
  });
  return job;
}

/** One liveness round: the poll fires and the container is still running. */
async function livenessRound(job: OrchestratorReplay): Promise<void> {
  await job.fireTimer();
  await job.completeActivity('inspectJobContainer', RUNNING);
}

/** A new generation loads the settings, then reads what was recorded for its run. */
async function generationStarts(
  job: OrchestratorReplay,
  signals: unknown = NOTHING_RECORDED,
  settings: typeof SETTINGS = SETTINGS,
) {
  await job.completeActivity('loadJobSettings', { ok: true, settings });
  return job.completeActivity('readJobSignals', signals);
}

/** Runs liveness rounds up to the next continue-as-new, whose generation then reads its records. */
async function roundsUntilContinued(
  job: OrchestratorReplay,
  signals: unknown = NOTHING_RECORDED,
  settings: typeof SETTINGS = SETTINGS,
) {
  const generation = job.generation;
  while (job.generation === generation) await livenessRound(job);
  return generationStarts(job, signals, settings);
}

function continuation(job: OrchestratorReplay): JobContinuation {
  return (job.generationInputs.at(-1) as { continued: JobContinuation }).continued;
}

describe('jobOrchestrator: a long wait continues as new', () => {
  it('keeps each generation under a fixed ceiling over many liveness rounds and still completes', async () => {
    const job = await startRunningJob();
    await job.raiseEvent('JobProgress', { phase: 'Downloading', percent: 40 });
    let longest = 0;
    const seen: number[] = [];
    for (let round = 0; round < 30; round++) {
      const generation = job.generation;
      await livenessRound(job);
      if (job.generation !== generation) {
        // The new generation loads the settings, then reads what was recorded for it before it waits.
        await job.completeActivity('loadJobSettings', { ok: true, settings: SETTINGS });
        expect(job.pendingActivities('readJobSignals').map((a) => a.input)).toEqual([
          { instanceId: INSTANCE_ID, runCreatedAt: RUN_CREATED_AT, attempt: 1 },
        ]);
        await job.completeActivity('readJobSignals', NOTHING_RECORDED);
      }
      longest = Math.max(longest, job.historyLength());
      seen.push(job.historyLength());
    }
    // 31 wait rounds (one of them the progress event) at 3 per generation.
    expect(job.generation).toBe(11);
    // The ceiling holds whatever the number of rounds: about 9 events per round, plus a generation's start.
    expect(longest).toBeLessThanOrEqual(ROUNDS * 9 + 12);
    const continued = continuation(job);
    expect(continued).toEqual({
      generation: 11,
      createdAt: RUN_CREATED_AT,
      attempt: 1,
      deadlineAt: new Date(START.getTime() + SETTINGS.jobDeadlineMinutes * 60_000).toISOString(),
      status: { phase: 'Downloading', percent: 40, createdAt: RUN_CREATED_AT },
    });
    // The next generation's input is still the job's: the view and the list read its request from it.
    expect(job.generationInputs.at(-1)).toMatchObject({
      request: { url: 'https://media.example.com/clip.webm' },
      outputBlobName: OWN_BLOB,
      submittedAt: START.toISOString(),
    });
    // The phase and percent stay, and customStatus carries the run's creation time.
    expect(job.customStatus).toEqual({ phase: 'Downloading', percent: 40, createdAt: RUN_CREATED_AT });
    // Each generation loaded the settings; no second group was created.
    expect(job.activities('loadJobSettings')).toHaveLength(11);
    expect(job.activities('createJobContainer')).toHaveLength(1);

    await job.raiseEvent('JobFinished', RESULT);
    expect(job.pendingActivities('deleteJobContainer').map((a) => a.input)).toEqual([
      { instanceId: INSTANCE_ID },
    ]);
    await job.completeActivity('deleteJobContainer', GONE);
    const reply = await runEnds(job);
    expect(reply).toMatchObject({ isDone: true, continuedAsNew: false, failed: false, output: RESULT });
    expect(job.customStatus).toEqual({ phase: 'Done', percent: 100, createdAt: RUN_CREATED_AT });
  });

  it('fails TIMEOUT at the deadline set when the group was created, generations later', async () => {
    const settings = { ...SETTINGS, jobDeadlineMinutes: 5, livenessPollSeconds: 40 };
    const job = await startRunningJob({ maxAttempts: 1 }, settings);
    const deadline = new Date(START.getTime() + 5 * 60_000);
    await roundsUntilContinued(job, NOTHING_RECORDED, settings);
    await roundsUntilContinued(job, NOTHING_RECORDED, settings);
    expect(job.generation).toBe(3);
    expect(continuation(job).deadlineAt).toBe(deadline.toISOString());
    // Two polls then the deadline: polls at 280 s, then the deadline (300 s) before the next at 320 s.
    await livenessRound(job);
    await job.fireTimer();
    expect(job.now.toISOString()).toBe(deadline.toISOString());
    expect(job.pendingActivities('deleteJobContainer')).toHaveLength(1);
    await job.completeActivity('deleteJobContainer', GONE);
    await job.completeActivity('deleteJobBlobs', { deleted: 0 });
    const reply = await runEnds(job);
    expect(reply.failed).toBe(true);
    expect(reply.error).toBe('TIMEOUT: The job did not finish within 5 minutes.');
  });

  it('takes a final report the backend dropped while continuing from the record the callback kept', async () => {
    const job = await startRunningJob();
    job.dropEventsOnContinue = true;
    for (let round = 1; round < ROUNDS; round++) await livenessRound(job);
    // The report arrives while the episode that continues as new runs, and is lost with it.
    await job.fireTimer();
    job.raiseDuringNextEpisode('JobFinished', RESULT);
    await job.completeActivity('inspectJobContainer', RUNNING);
    expect(job.generation).toBe(2);
    await generationStarts(job, { finished: RESULT, cancelRequested: false });
    expect(job.pendingTimers()).toEqual([]);
    await job.completeActivity('deleteJobContainer', GONE);
    const reply = await runEnds(job);
    expect(reply).toMatchObject({ isDone: true, failed: false, output: RESULT });
  });

  it('judges a recorded report like the event: an output outside the job is refused', async () => {
    const job = await startRunningJob({ maxAttempts: 1 });
    await roundsUntilContinued(job, {
      finished: succeededWith('other-job/clip.mp4'),
      cancelRequested: false,
    });
    await job.completeActivity('deleteJobContainer', GONE);
    await job.completeActivity('deleteJobBlobs', { deleted: 0 });
    const reply = await runEnds(job);
    expect(reply.error).toMatch(/^OUTPUT_OUTSIDE_JOB: /);
  });

  it('honours a cancel the backend dropped while continuing, from the recorded request', async () => {
    const job = await startRunningJob();
    job.dropEventsOnContinue = true;
    for (let round = 1; round < ROUNDS; round++) await livenessRound(job);
    await job.fireTimer();
    job.raiseDuringNextEpisode('CancelJob', { requestedAt: job.now.toISOString() });
    await job.completeActivity('inspectJobContainer', RUNNING);
    expect(job.generation).toBe(2);
    await generationStarts(job, { cancelRequested: true });
    expect(job.customStatus).toMatchObject({ phase: 'CleaningUp', error: { code: 'CANCELED' } });
    await job.completeActivity('deleteJobContainer', GONE);
    await job.completeActivity('deleteJobBlobs', { deleted: 0 });
    const reply = await runEnds(job);
    expect(reply.error).toBe('CANCELED: The job was canceled before it finished.');
    // A cancel never retries.
    expect(job.activities('createJobContainer')).toHaveLength(1);
  });

  it('honours a cancel raised during the continue that the engine carried over to the next generation', async () => {
    const job = await startRunningJob();
    for (let round = 1; round < ROUNDS; round++) await livenessRound(job);
    await job.fireTimer();
    job.raiseDuringNextEpisode('CancelJob', { requestedAt: job.now.toISOString() });
    await job.completeActivity('inspectJobContainer', RUNNING);
    expect(job.generation).toBe(2);
    // Not recorded yet when read: the event itself still ends the wait.
    await generationStarts(job);
    expect(job.customStatus).toMatchObject({ phase: 'CleaningUp', error: { code: 'CANCELED' } });
    await job.completeActivity('deleteJobContainer', GONE);
    await job.completeActivity('deleteJobBlobs', { deleted: 0 });
    const reply = await runEnds(job);
    expect(reply.error).toBe('CANCELED: The job was canceled before it finished.');
  });

  it('reads the records again at the next round when they could not be read at the start', async () => {
    const job = await startRunningJob();
    for (let round = 0; round < ROUNDS; round++) await livenessRound(job);
    expect(job.generation).toBe(2);
    await job.completeActivity('loadJobSettings', { ok: true, settings: SETTINGS });
    for (let attempt = 0; attempt < 3; attempt++)
      await job.failActivity('readJobSignals', 'The storage account did not answer.');
    // Waiting on: the next round reads them again.
    expect(job.pendingActivities()).toEqual([]);
    await job.fireTimer();
    await job.completeActivity('inspectJobContainer', RUNNING);
    await job.completeActivity('readJobSignals', { cancelRequested: true });
    expect(job.customStatus).toMatchObject({ phase: 'CleaningUp', error: { code: 'CANCELED' } });
  });

  it('continues a later attempt with its own attempt number and binds its group to the run', async () => {
    const job = await startRunningJob();
    await job.raiseEvent('JobFinished', {
      status: 'Failed',
      error: { code: 'NETWORK', message: 'The source stopped answering.', retryable: true },
    });
    await job.completeActivity('deleteJobContainer', GONE);
    await job.completeActivity('deleteJobBlobs', { deleted: 0 });
    await job.fireTimer(); // the backoff
    // The second create binds the worker's token to the run's creation time the first one reported.
    expect(job.pendingActivities('createJobContainer')[0]?.input).toMatchObject({
      attempt: 2,
      runCreatedAt: RUN_CREATED_AT,
    });
    await job.completeActivity('createJobContainer', {
      ok: true,
      groupName: 'g2',
      priority: 'Regular',
      runCreatedAt: RUN_CREATED_AT,
    });
    // The generation's rounds count on from the first attempt's (one event round so far).
    await job.raiseEvent('JobProgressAttempt2', { phase: 'Downloading', percent: 10 });
    await roundsUntilContinued(job);
    expect(job.activities('readJobSignals').at(-1)?.input).toEqual({
      instanceId: INSTANCE_ID,
      runCreatedAt: RUN_CREATED_AT,
      attempt: 2,
    });
    expect(continuation(job)).toMatchObject({ attempt: 2, generation: 2 });
    expect(job.customStatus).toEqual({
      phase: 'Downloading',
      percent: 10,
      attempt: 2,
      createdAt: RUN_CREATED_AT,
    });
    await job.raiseEvent('JobFinishedAttempt2', RESULT);
    await job.completeActivity('deleteJobContainer', GONE);
    const reply = await runEnds(job);
    expect(reply).toMatchObject({ isDone: true, failed: false, output: RESULT });
    expect(job.customStatus).toEqual({ phase: 'Done', percent: 100, attempt: 2, createdAt: RUN_CREATED_AT });
  });

  it('starts a Durable restart of a finished job that had continued as new afresh', async () => {
    // A restart starts the instance again with the input of its last generation.
    const job = await OrchestratorReplay.start(handler, {
      instanceId: INSTANCE_ID,
      input: {
        ...jobInput(INSTANCE_ID, START),
        continued: {
          generation: 4,
          createdAt: RUN_CREATED_AT,
          attempt: 1,
          deadlineAt: new Date(START.getTime() + 3_600_000).toISOString(),
          status: { phase: 'Downloading', percent: 80 },
        },
      },
      start: START,
      name: 'jobOrchestrator',
    });
    await job.completeActivity('loadJobSettings', { ok: true, settings: SETTINGS });
    // The old run's report is recorded, but so is its end: nothing of it is taken for this run.
    await job.completeActivity('readJobSignals', {
      finished: RESULT,
      cancelRequested: false,
      runEnded: true,
    });
    expect(job.generation).toBe(2);
    expect(job.generationInputs.at(-1)).not.toHaveProperty('continued');
    expect(job.customStatus).toEqual({ phase: 'Queued' });
    await job.completeActivity('loadJobSettings', { ok: true, settings: SETTINGS });
    expect(job.pendingActivities('createJobContainer').map((a) => a.input)).toEqual([
      expect.not.objectContaining({ runCreatedAt: expect.anything() }),
    ]);
    expect(job.pendingActivities('createJobContainer')[0]?.input).not.toHaveProperty('attempt');
  });

  it('takes no settings from a made-up continuation: the policy in force still refuses a private source', async () => {
    const job = await OrchestratorReplay.start(handler, {
      instanceId: INSTANCE_ID,
      input: {
        ...jobInput(INSTANCE_ID, START, { url: 'http://10.0.0.5/secret.mp4' }),
        continued: {
          generation: 2,
          createdAt: RUN_CREATED_AT,
          attempt: 1,
          deadlineAt: new Date(START.getTime() + 3_600_000).toISOString(),
          settings: { ...SETTINGS, allowPrivateSources: true },
          status: { phase: 'Downloading' },
        },
      },
      start: START,
      name: 'jobOrchestrator',
    });
    const reply = await job.completeActivity('loadJobSettings', { ok: true, settings: SETTINGS });
    expect(reply.failed).toBe(true);
    expect(reply.error).toMatch(/^INVALID_INPUT: /);
    expect(job.activities().map((a) => a.name)).toEqual(['loadJobSettings']);
  });

  it('waits on in one generation when the create did not tell the run time its token is bound to', async () => {
    const job = await OrchestratorReplay.start(handler, {
      instanceId: INSTANCE_ID,
      input: jobInput(INSTANCE_ID, START),
      start: START,
      name: 'jobOrchestrator',
    });
    await job.completeActivity('loadJobSettings', { ok: true, settings: SETTINGS });
    await job.completeActivity('createJobContainer', { ok: true, groupName: 'g', priority: 'Regular' });
    for (let round = 0; round < ROUNDS * 3; round++) await livenessRound(job);
    expect(job.generation).toBe(1);
    await job.raiseEvent('JobFinished', RESULT);
    const reply = await job.completeActivity('deleteJobContainer', GONE);
    expect(reply).toMatchObject({ isDone: true, output: RESULT });
  });
});
