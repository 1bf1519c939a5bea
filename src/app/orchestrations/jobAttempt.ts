import type { OrchestrationContext, Task } from 'durable-functions';
import type { CreateJobContainerInput, CreateJobContainerOutcome } from '../activities/createJobContainer.js';
import type { JobContainerInspection } from '../activities/inspectJobContainer.js';
import type { JobSettings } from '../activities/loadJobSettings.js';
import type { AciPriority } from '../aci/buildContainerGroupSpec.js';
import type { ActivityProxy } from '../durable/typedActivities.js';
import { JobFailedError } from '../errors/JobFailedError.js';
import {
  EVENT_NAMES,
  jobProgressSchema,
  type JobCustomStatus,
  type JobSucceeded,
} from '../../shared/contracts.js';
import { containerGroupName, jobBlobPrefix } from '../../shared/naming.js';
import type { jobActivities } from './jobActivities.js';
import { CANCELED_CODE, CANCEL_JOB_EVENT } from '../jobs/cancelJobEvent.js';
import { attemptEventName } from './attemptEvents.js';
import type { JobSignals } from '../jobs/jobSignals.js';
import { canceled, describeExit, failed, jobError, judgeReport, reason, type Outcome } from './jobOutcome.js';
import { addSeconds, cancelUnfired, logOnce } from './orchestrationSteps.js';
import type { JobOrchestrationInput } from './jobOrchestrator.js';

// One attempt of a job, step by step: its container group created, the worker's report awaited
// (with liveness polls, under the deadline), the group inspected and cleaned up, and customStatus.

export type JobActivities = ActivityProxy<typeof jobActivities>;

/**
 * Wait rounds (a liveness poll, or an event) one generation of the orchestration runs before it
 * continues as new, when the settings name none (LIVENESS_ROUNDS_PER_GENERATION).
 */
export const DEFAULT_LIVENESS_ROUNDS_PER_GENERATION = 20;

/** How often a create refused for quota is tried again, within QUOTA_WAIT_MINUTES. */
export const QUOTA_RETRY_INTERVAL_SECONDS = 60;
/** A worker reports and then exits: after seeing it exit, wait this long for a report still in flight. */
export const EXIT_REPORT_GRACE_SECONDS = 20;

export type Step<T> = Generator<Task, T, unknown>;
/** The wait ran its rounds for this generation: continue as new, still waiting. */
export type KeepWaiting = { continueAsNew: true };

/** Publishes customStatus, keeping the last percent and detail of the current phase. */
export class JobStatus {
  current: JobCustomStatus = { phase: 'Queued' };
  /** Published from the second attempt on, so the callback and the job view know which is current. */
  attempt = 1;
  /** Published once the orchestration continues as new (see JobCustomStatus.createdAt). */
  createdAt: string | undefined;
  constructor(private readonly context: OrchestrationContext) {}
  publish(next: JobCustomStatus): void {
    const { attempt: _ignored, createdAt: _carried, ...rest } = next;
    this.current = {
      ...rest,
      ...(this.attempt > 1 ? { attempt: this.attempt } : {}),
      ...(this.createdAt !== undefined ? { createdAt: this.createdAt } : {}),
    };
    this.context.df.setCustomStatus(this.current);
  }
  note(detail: string): void {
    this.publish({ ...this.current, detail });
  }
}

export function* createGroup(
  context: OrchestrationContext,
  activities: JobActivities,
  status: JobStatus,
  input: JobOrchestrationInput,
  settings: JobSettings,
  attempt: number,
  runCreatedAt: string | undefined,
): Step<Outcome<{ priority: AciPriority; runCreatedAt?: string }>> {
  const instanceId = context.df.instanceId;
  let priority: AciPriority = settings.aciPriority;
  const createdAt = context.df.currentUtcDateTime.toISOString();
  const quotaGiveUpAt = addSeconds(context.df.currentUtcDateTime, settings.quotaWaitMinutes * 60);
  for (;;) {
    const request: CreateJobContainerInput = {
      instanceId,
      request: input.request,
      outputBlobName: input.outputBlobName,
      ...(input.signedSource ? { signedSource: true } : {}),
      priority,
      createdAt,
      ...attemptField(attempt),
      ...(runCreatedAt !== undefined ? { runCreatedAt } : {}),
    };
    let outcome: CreateJobContainerOutcome;
    try {
      outcome = yield* activities.createJobContainer(request);
    } catch (error) {
      return failed('CONTAINER_CREATE_FAILED', `The container group could not be created: ${reason(error)}`);
    }
    if (outcome.ok) {
      status.publish({ phase: 'Provisioning' });
      return {
        ok: true,
        value: {
          priority: outcome.priority,
          ...(outcome.runCreatedAt !== undefined ? { runCreatedAt: outcome.runCreatedAt } : {}),
        },
      };
    }

    if (outcome.kind === 'spot' && priority === 'Spot') {
      priority = 'Regular';
      status.note(`Spot capacity refused (${outcome.code}); creating as Regular.`);
      continue;
    }
    if (outcome.kind === 'quota') {
      const retryAt = addSeconds(context.df.currentUtcDateTime, QUOTA_RETRY_INTERVAL_SECONDS);
      if (retryAt.getTime() <= quotaGiveUpAt.getTime()) {
        status.note(`Waiting for container quota (${outcome.code}); next try at ${retryAt.toISOString()}.`);
        yield context.df.createTimer(retryAt);
        continue;
      }
      return failed(
        'QUOTA_EXCEEDED',
        `The container quota stayed full for ${settings.quotaWaitMinutes} minutes (${outcome.code}: ${outcome.message}).`,
      );
    }
    // Terminal: Azure's own code (e.g. InaccessibleImage) tells the operator exactly what to fix.
    return { ok: false, error: jobError(outcome.code, outcome.message, false, 'CONTAINER_CREATE_FAILED') };
  }
}

export function* awaitWorkerReport(
  context: OrchestrationContext,
  activities: JobActivities,
  status: JobStatus,
  settings: JobSettings,
  attempt: number,
  deadlineAt: Date,
  /** `signals`: the records already read for this generation (null: that read failed). */
  options: { runCreatedAt?: string; signals?: JobSignals | null; rounds?: number } = {},
): Step<Outcome<JobSucceeded> | KeepWaiting> {
  const df = context.df;
  const finishedEvent = attemptEventName(EVENT_NAMES.finished, attempt);
  const progressEvent = attemptEventName(EVENT_NAMES.progress, attempt);
  const rounds =
    options.rounds ?? settings.livenessRoundsPerGeneration ?? DEFAULT_LIVENESS_ROUNDS_PER_GENERATION;
  // A continued generation's records, read before it waits (again each round until they could be).
  let signalsToRead = options.runCreatedAt;
  let alreadyRead = options.signals;
  for (let round = 0; ; round++) {
    if (signalsToRead !== undefined) {
      const signals =
        alreadyRead === undefined
          ? yield* readSignals(context, activities, signalsToRead, attempt)
          : (alreadyRead ?? undefined);
      alreadyRead = undefined;
      if (signals) {
        signalsToRead = undefined;
        if (signals.finished !== undefined) return judgeReport(context, settings, signals.finished);
        if (signals.cancelRequested) return canceled();
      }
    }
    if (round >= rounds) return { continueAsNew: true };
    if (df.currentUtcDateTime.getTime() >= deadlineAt.getTime())
      return failed('TIMEOUT', `The job did not finish within ${settings.jobDeadlineMinutes} minutes.`);

    // Fresh tasks every round: a task reused across Task.any calls is scheduled twice by the host.
    const finished = df.waitForExternalEvent(finishedEvent);
    const progress = df.waitForExternalEvent(progressEvent);
    const poll = df.createTimer(addSeconds(df.currentUtcDateTime, settings.livenessPollSeconds));
    const deadline = df.createTimer(deadlineAt);
    const cancel = df.waitForExternalEvent(CANCEL_JOB_EVENT);
    const winner = yield df.Task.any([finished, progress, cancel, poll, deadline]);
    cancelUnfired(poll, deadline);

    // Whichever of a report and a cancel came first decides: a job ends in exactly one state.
    if (winner === finished) return judgeReport(context, settings, finished.result);
    if (winner === cancel) return canceled();
    if (winner === progress) {
      applyProgress(status, progress.result);
      continue;
    }
    if (winner === deadline)
      return failed('TIMEOUT', `The job did not finish within ${settings.jobDeadlineMinutes} minutes.`);

    const inspection = yield* inspect(context, activities, attempt);
    // Events that arrived while the activity ran resolved this round's waiters.
    if (finished.isCompleted) return judgeReport(context, settings, finished.result);
    if (cancel.isCompleted) return canceled();
    if (progress.isCompleted) applyProgress(status, progress.result);
    if (!inspection?.terminated) continue;
    // A worker that never started cannot have a report in flight.
    if (inspection.failureCode) return { ok: false, error: describeExit(inspection) };

    const lateReport = df.waitForExternalEvent(finishedEvent);
    const grace = df.createTimer(addSeconds(df.currentUtcDateTime, EXIT_REPORT_GRACE_SECONDS));
    const graceWinner = yield df.Task.any([lateReport, grace]);
    cancelUnfired(grace);
    if (graceWinner === lateReport) return judgeReport(context, settings, lateReport.result);
    return { ok: false, error: describeExit(inspection) };
  }
}

/** The recorded final report and cancel request of the run's attempt; undefined when they cannot be read now. */
export function* readSignals(
  context: OrchestrationContext,
  activities: JobActivities,
  runCreatedAt: string,
  attempt: number,
): Step<JobSignals | undefined> {
  try {
    return yield* activities.readJobSignals({ instanceId: context.df.instanceId, runCreatedAt, attempt });
  } catch (error) {
    // Read again at the next round; the deadline still bounds the job.
    logOnce(context, `Reading the job's recorded report and cancel request failed: ${reason(error)}`);
    return undefined;
  }
}

export function* inspect(
  context: OrchestrationContext,
  activities: JobActivities,
  attempt: number,
): Step<JobContainerInspection | undefined> {
  try {
    const outcome = yield* activities.inspectJobContainer({
      instanceId: context.df.instanceId,
      ...attemptField(attempt),
    });
    if (outcome.ok) return outcome;
    logOnce(context, `Inspecting the job's container group failed: ${outcome.code}: ${outcome.message}`);
  } catch (error) {
    // Not knowing is not failing: the next poll looks again and the deadline still bounds the job.
    logOnce(context, `Inspecting the job's container group failed: ${reason(error)}`);
  }
  return undefined;
}

/** Returns a description of what could not be cleaned up, or undefined when cleanup succeeded. */
export function* cleanUp(
  context: OrchestrationContext,
  activities: JobActivities,
  status: JobStatus,
  outcome: Outcome<unknown>,
  settings: JobSettings,
  attempt: number,
): Step<string | undefined> {
  const keep = !outcome.ok && outcome.error.code !== CANCELED_CODE && settings.keepFailedGroups;
  status.publish({ phase: 'CleaningUp', ...(outcome.ok ? {} : { error: outcome.error }) });
  const group = containerGroupName(context.df.instanceId, attempt);
  const job = { instanceId: context.df.instanceId, ...attemptField(attempt) };
  let problem: string | undefined;
  try {
    const result = yield* keep ? activities.stopJobContainer(job) : activities.deleteJobContainer(job);
    if (!result.ok) problem = `container group ${group} failed (${result.code}: ${result.message})`;
  } catch (error) {
    problem = `container group ${group} failed after retries (${reason(error)}); the janitor will remove it`;
  }
  if (outcome.ok) return problem;
  // Only now, with the worker stopped, can nothing it writes outlive the removal of its blobs.
  try {
    yield* activities.deleteJobBlobs({ instanceId: job.instanceId });
  } catch (error) {
    problem = [
      problem,
      `the job's partial blobs under ${jobBlobPrefix(job.instanceId)} failed (${reason(error)})`,
    ]
      .filter(Boolean)
      .join('; ');
  }
  return problem;
}

export function finish(
  status: JobStatus,
  outcome: Outcome<JobSucceeded>,
  cleanupProblem?: string,
): JobSucceeded {
  const detail = cleanupProblem ? { detail: `Cleanup of ${cleanupProblem}`.slice(0, 500) } : {};
  if (outcome.ok) {
    status.publish({ phase: 'Done', percent: 100, ...detail });
    return outcome.value;
  }
  status.publish({ phase: 'Done', error: outcome.error, ...detail });
  throw new JobFailedError(outcome.error);
}

export function applyProgress(status: JobStatus, payload: unknown): void {
  const parsed = jobProgressSchema.safeParse(payload);
  if (!parsed.success) return;
  const { phase, percent, detail } = parsed.data;
  status.publish({
    phase,
    ...(percent !== undefined ? { percent } : {}),
    ...(detail !== undefined ? { detail } : {}),
  });
}

/** Activity inputs name the attempt from the second on (the first attempt's inputs stay as they were). */
export function attemptField(attempt: number): { attempt?: number } {
  return attempt > 1 ? { attempt } : {};
}
