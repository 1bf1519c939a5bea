import type { OrchestrationContext, Task, TimerTask } from 'durable-functions';
import type { CreateJobContainerInput, CreateJobContainerOutcome } from '../activities/createJobContainer.js';
import type { JobContainerInspection } from '../activities/inspectJobContainer.js';
import type { JobSettings } from '../activities/loadJobSettings.js';
import type { AciPriority } from '../aci/buildContainerGroupSpec.js';
import { proxyActivities, type ActivityProxy } from '../durable/typedActivities.js';
import { JobFailedError } from '../errors/JobFailedError.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  EVENT_NAMES,
  JOB_PHASES,
  jobProgressSchema,
  jobResultSchema,
  type JobCustomStatus,
  type JobError,
  type JobSucceeded,
} from '../../shared/contracts.js';
import type { JobSpec } from '../../shared/blobSource.js';
import { JOB_ERROR_CODES, type KnownJobErrorCode } from '../../shared/errors/errorCodes.js';
import { containerGroupName, jobBlobPrefix } from '../../shared/naming.js';
import { checkOrchestrationInput } from './checkOrchestrationInput.js';
import { reportedOutputsProblem } from './checkReportedOutputs.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import type { StartJobNotificationsInput } from '../notify/finalJobEvent.js';
import { jobActivities } from './jobActivities.js';
import { CANCELED_CODE, CANCEL_JOB_EVENT } from '../jobs/cancelJobEvent.js';
import type { JobOwner } from '../auth/caller.js';
import { attemptEventName } from './attemptEvents.js';
import type { JobSignals } from '../jobs/jobSignals.js';

type JobActivities = ActivityProxy<typeof jobActivities>;

/** What the HTTP starter passes to `startNew('jobOrchestrator', { instanceId, input })`. */
export interface JobOrchestrationInput {
  /** A URL job's request, or a blob job's options with its `sourceBlob` (built by the upload trigger). */
  request: JobSpec;
  outputBlobName: string;
  /** ISO time the request was accepted. */
  submittedAt: string;
  /** sha256 of the normalised request, so a reused idempotency key with another request is told apart. */
  requestFingerprint?: string;
  /** The request's URL is redacted here; the full, signed URL waits in host storage (signedSourceStore.ts). */
  signedSource?: boolean;
  /** The signed-in user who started the job (its id carries their owner prefix); none for a key holder. */
  owner?: JobOwner;
  /** Set for a playlist's item: the playlist job that started this one (playlistOrchestrator). */
  parentId?: string;
  /** Set only by the orchestrator itself when it continues as new: where the job stands. */
  continued?: JobContinuation;
}

/**
 * What a job's next generation needs after `continueAsNew`: the attempt whose worker it waits for,
 * that attempt's hard deadline, what customStatus showed, and when the job's run was created (the
 * callback token is bound to it; a backend may report the generation's own creation time instead).
 * Settings are not carried: each generation loads them, so an input made up by whoever holds the
 * Durable system key cannot loosen the source policy or the media location reports are checked against.
 */
export interface JobContinuation {
  /** 2 for the first continuation. */
  generation: number;
  createdAt: string;
  attempt: number;
  deadlineAt: string;
  status: JobCustomStatus;
}

/**
 * Wait rounds (a liveness poll, or an event) one generation of the orchestration runs before it
 * continues as new, when the settings name none (LIVENESS_ROUNDS_PER_GENERATION).
 */
export const DEFAULT_LIVENESS_ROUNDS_PER_GENERATION = 20;

/** How often a create refused for quota is tried again, within QUOTA_WAIT_MINUTES. */
export const QUOTA_RETRY_INTERVAL_SECONDS = 60;
/** A worker reports and then exits: after seeing it exit, wait this long for a report still in flight. */
export const EXIT_REPORT_GRACE_SECONDS = 20;

const MAX_ERROR_MESSAGE = 2000;

type Step<T> = Generator<Task, T, unknown>;
type Outcome<T> = { ok: true; value: T } | { ok: false; error: JobError };
/** The wait ran its rounds for this generation: continue as new, still waiting. */
type KeepWaiting = { continueAsNew: true };

/**
 * One job: create its container group, wait for the worker's report (while polling that the container
 * is still alive, under a hard deadline), always clean the group up, then return the worker's result
 * or fail with `<CODE>: <message>`. Deterministic: time only from currentUtcDateTime, I/O only in activities.
 * A long wait continues as new every LIVENESS_ROUNDS_PER_GENERATION rounds, so the history of one
 * generation stays bounded however long the job runs (see JobContinuation).
 */
export function* jobOrchestrator(context: OrchestrationContext): Step<JobSucceeded | undefined> {
  const activities = proxyActivities(context, jobActivities);
  const status = new JobStatus(context);
  const raw = context.df.getInput<JobOrchestrationInput | undefined>();
  const continued = continuationOf(raw);

  if (continued) {
    status.attempt = continued.attempt;
    status.createdAt = continued.createdAt;
    status.publish(carriedStatus(continued.status));
  } else {
    status.publish({ phase: 'Queued' });
  }
  const loaded = yield* activities.loadJobSettings();
  // Without settings the input cannot be checked, so its notifyUrl is not called either.
  if (!loaded.ok) return finish(status, { ok: false, error: jobError(loaded.code, loaded.message, false) });
  const settings = loaded.settings;

  // Started some other way than the starter (e.g. the Durable HTTP API): nothing is created for it.
  const checked = checkOrchestrationInput(context.df.instanceId, raw, settings);
  if (!checked.ok)
    return finish(status, failed('INVALID_INPUT', `The job input was refused: ${checked.message}`));
  const { continued: _continued, ...given } = raw as JobOrchestrationInput;
  const input: JobOrchestrationInput = {
    ...given,
    request: checked.request,
    outputBlobName: checked.outputBlobName,
  };
  const maxAttempts = input.request.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  let runCreatedAt = continued?.createdAt;

  // A continued generation first reads what was recorded for its run: an event raised while the
  // previous generation continued as new may never have arrived.
  let signals: JobSignals | undefined;
  if (continued) {
    signals = yield* readSignals(context, activities, continued.createdAt, continued.attempt);
    if (signals?.runEnded) {
      // A Durable restart of a finished job (it starts with its last generation's input): run it afresh.
      context.df.continueAsNew(input);
      return undefined;
    }
  }

  let outcome: Outcome<JobSucceeded>;
  let cleanupProblem: string | undefined;
  for (let attempt = continued?.attempt ?? 1; ; attempt++) {
    let waited: Outcome<JobSucceeded> | KeepWaiting;
    let deadlineAt: Date;
    if (continued && attempt === continued.attempt) {
      // This generation picks up the wait where the previous one left it.
      deadlineAt = new Date(continued.deadlineAt);
      waited = yield* awaitWorkerReport(context, activities, status, settings, attempt, deadlineAt, {
        runCreatedAt: continued.createdAt,
        signals: signals ?? null,
      });
    } else {
      status.attempt = attempt;
      status.publish({ phase: 'Provisioning' });
      const created = yield* createGroup(context, activities, status, input, settings, attempt, runCreatedAt);
      if (created.ok) runCreatedAt ??= created.value.runCreatedAt;
      deadlineAt = addSeconds(context.df.currentUtcDateTime, settings.jobDeadlineMinutes * 60);
      waited = created.ok
        ? yield* awaitWorkerReport(context, activities, status, settings, attempt, deadlineAt)
        : created;
    }
    if ('continueAsNew' in waited) {
      if (runCreatedAt !== undefined) {
        const next: JobContinuation = {
          generation: (continued?.generation ?? 1) + 1,
          createdAt: runCreatedAt,
          attempt,
          deadlineAt: deadlineAt.toISOString(),
          status: status.current,
        };
        // Published before the continue, so a report in between is checked against the right run.
        status.createdAt = runCreatedAt;
        status.publish(status.current);
        context.df.continueAsNew({ ...input, continued: next });
        return undefined;
      }
      // The create did not say which run time the worker's token is bound to (a history recorded
      // before the activity told it): continuing could not keep the token valid, so wait on here.
      waited = yield* awaitWorkerReport(context, activities, status, settings, attempt, deadlineAt, {
        rounds: Infinity,
      });
    }
    outcome = waited as Outcome<JobSucceeded>;
    cleanupProblem = yield* cleanUp(context, activities, status, outcome, settings, attempt);
    if (outcome.ok || attempt >= maxAttempts || !shouldRetry(outcome.error)) break;

    // The next attempt is current from here on: a late report of this one is refused by its token.
    const retryAt = addSeconds(context.df.currentUtcDateTime, retryBackoffSeconds(attempt));
    status.attempt = attempt + 1;
    status.publish({
      phase: 'Queued',
      detail:
        `Attempt ${attempt} of ${maxAttempts} failed (${outcome.error.code}); attempt ${attempt + 1} starts at ${retryAt.toISOString()}.`.slice(
          0,
          500,
        ),
    });
    const backoff = context.df.createTimer(retryAt);
    const cancel = context.df.waitForExternalEvent(CANCEL_JOB_EVENT);
    const winner = yield context.df.Task.any([backoff, cancel]);
    cancelUnfired(backoff);
    if (winner === cancel) {
      outcome = canceled();
      status.publish({ phase: 'CleaningUp', error: outcome.error });
      break;
    }
  }
  // The last generation's input still names the run: a restart must not take it for a live one.
  if (continued && runCreatedAt !== undefined) yield* recordRunEnded(context, activities, runCreatedAt);
  if (input.signedSource) yield* forgetSignedSource(context, activities);
  yield* startNotifications(context, input, outcome, "The job's");
  return finish(status, outcome, cleanupProblem);
}

/** The phase, percent and detail a previous generation showed (nothing else is taken from an input). */
function carriedStatus(carried: JobCustomStatus): JobCustomStatus {
  const phase = (JOB_PHASES as readonly string[]).includes(carried.phase) ? carried.phase : 'Provisioning';
  return {
    phase,
    ...(typeof carried.percent === 'number' && carried.percent >= 0 && carried.percent <= 100
      ? { percent: carried.percent }
      : {}),
    ...(typeof carried.detail === 'string' ? { detail: carried.detail.slice(0, 500) } : {}),
  };
}

/** The continuation a previous generation passed on, when this generation is one. */
function continuationOf(input: JobOrchestrationInput | undefined): JobContinuation | undefined {
  const continued = (input as { continued?: unknown } | undefined)?.continued;
  if (typeof continued !== 'object' || continued === null) return undefined;
  const c = continued as Partial<JobContinuation>;
  const valid =
    Number.isInteger(c.generation) &&
    Number.isInteger(c.attempt) &&
    (c.attempt ?? 0) >= 1 &&
    typeof c.createdAt === 'string' &&
    Number.isFinite(Date.parse(c.createdAt)) &&
    typeof c.deadlineAt === 'string' &&
    Number.isFinite(Date.parse(c.deadlineAt)) &&
    typeof c.status === 'object' &&
    c.status !== null;
  return valid ? (c as JobContinuation) : undefined;
}

function* recordRunEnded(
  context: OrchestrationContext,
  activities: JobActivities,
  runCreatedAt: string,
): Step<void> {
  try {
    yield* activities.recordJobRunEnded({ instanceId: context.df.instanceId, runCreatedAt });
  } catch (error) {
    logOnce(context, `The end of this job's run could not be recorded: ${reason(error)}`);
  }
}

/** The job has ended: the full URL of its signed source, kept in host storage, is not needed any more. */
function* forgetSignedSource(context: OrchestrationContext, activities: JobActivities): Step<void> {
  try {
    yield* activities.forgetSignedSource({ instanceId: context.df.instanceId });
  } catch (error) {
    logOnce(context, `The signed source URL of this job could not be deleted: ${reason(error)}`);
  }
}

/** First wait before a retry; it doubles with each attempt, up to RETRY_BACKOFF_MAX_SECONDS. */
export const RETRY_BACKOFF_SECONDS = 30;
export const RETRY_BACKOFF_MAX_SECONDS = 300;

/** Seconds to wait after attempt `attempt` failed before the next one starts. */
export function retryBackoffSeconds(attempt: number): number {
  return Math.min(RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1), RETRY_BACKOFF_MAX_SECONDS);
}

/**
 * Whether a failed attempt is worth another: its code is one the error table calls retryable (the
 * container died without a report, capacity or quota, a transient create failure, a flaky source)
 * and the failure itself says so. Azure's own codes, bad input and a cancel never retry.
 */
export function shouldRetry(error: JobError): boolean {
  if (!error.retryable || !Object.hasOwn(JOB_ERROR_CODES, error.code)) return false;
  return JOB_ERROR_CODES[error.code as KnownJobErrorCode].retryable;
}

/** Publishes customStatus, keeping the last percent and detail of the current phase. */
class JobStatus {
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

function* createGroup(
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

function* awaitWorkerReport(
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
function* readSignals(
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

function* inspect(
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
function* cleanUp(
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

/**
 * Starts the notifications of a job or playlist (their own instance) without waiting for any
 * delivery; `whose` names it in the warning when they cannot start.
 */
export function* startNotifications(
  context: OrchestrationContext,
  input: JobOrchestrationInput,
  outcome: StartJobNotificationsInput['outcome'],
  whose: string,
): Step<void> {
  if (!input.request.notifyUrl && !input.request.notifyEmail) return;
  const state: StartJobNotificationsInput = {
    jobId: context.df.instanceId,
    request: input.request,
    submittedAt: input.submittedAt,
    finishedAt: context.df.currentUtcDateTime.toISOString(),
    outcome,
  };
  try {
    yield context.df.callActivity(FUNCTION_NAMES.startJobNotifications, state);
  } catch (error) {
    // A notification that cannot start never changes the job's result.
    logOnce(context, `${whose} notifications could not be started: ${reason(error)}`);
  }
}

function finish(status: JobStatus, outcome: Outcome<JobSucceeded>, cleanupProblem?: string): JobSucceeded {
  const detail = cleanupProblem ? { detail: `Cleanup of ${cleanupProblem}`.slice(0, 500) } : {};
  if (outcome.ok) {
    status.publish({ phase: 'Done', percent: 100, ...detail });
    return outcome.value;
  }
  status.publish({ phase: 'Done', error: outcome.error, ...detail });
  throw new JobFailedError(outcome.error);
}

function canceled(): { ok: false; error: JobError } {
  return { ok: false, error: jobError(CANCELED_CODE, 'The job was canceled before it finished.', false) };
}

function judgeReport(
  context: OrchestrationContext,
  settings: JobSettings,
  payload: unknown,
): Outcome<JobSucceeded> {
  const parsed = jobResultSchema.safeParse(payload);
  if (!parsed.success)
    return failed('INTERNAL', 'The worker reported a result that is not a valid JobResult.');
  if (parsed.data.status === 'Succeeded') {
    const problem = reportedOutputsProblem(context.df.instanceId, parsed.data.outputs, settings);
    if (problem) return failed('OUTPUT_OUTSIDE_JOB', `The reported result was refused. ${problem}`);
    return { ok: true, value: parsed.data };
  }
  return { ok: false, error: parsed.data.error };
}

function applyProgress(status: JobStatus, payload: unknown): void {
  const parsed = jobProgressSchema.safeParse(payload);
  if (!parsed.success) return;
  const { phase, percent, detail } = parsed.data;
  status.publish({
    phase,
    ...(percent !== undefined ? { percent } : {}),
    ...(detail !== undefined ? { detail } : {}),
  });
}

function describeExit(inspection: JobContainerInspection): JobError {
  if (!inspection.found)
    return jobError(
      'CONTAINER_EXITED',
      'The container group disappeared before the job reported a result.',
      true,
    );
  if (inspection.failureCode)
    return jobError(
      inspection.failureCode,
      `The container could not start: ${inspection.detail ?? 'its image could not be pulled'}.`,
      false,
      'CONTAINER_CREATE_FAILED',
    );
  const neverRan =
    inspection.exitCode === undefined &&
    (inspection.provisioningState === 'Failed' || inspection.provisioningState === 'Canceled');
  if (neverRan)
    return jobError(
      'CONTAINER_CREATE_FAILED',
      `The container group failed to start (provisioning ${inspection.provisioningState}${
        inspection.detail ? `: ${inspection.detail}` : ''
      }).`,
      true,
    );
  const code = inspection.exitCode === undefined ? 'unknown' : String(inspection.exitCode);
  const head = `The container exited with code ${code} without reporting a result${
    inspection.detail ? ` (${inspection.detail})` : ''
  }.`;
  const logs = inspection.logTail.length > 0 ? ` Last log lines:\n${inspection.logTail.join('\n')}` : '';
  return jobError('CONTAINER_EXITED', head + logs, true);
}

/** Warns once: not again when the orchestration replays. */
export function logOnce(context: OrchestrationContext, message: string): void {
  if (!context.df.isReplaying) context.warn(message);
}

export function cancelUnfired(...timers: TimerTask[]): void {
  for (const timer of timers) if (!timer.isCompleted && !timer.isCanceled) timer.cancel();
}

function failed(code: KnownJobErrorCode, message: string): { ok: false; error: JobError } {
  return { ok: false, error: jobError(code, message, JOB_ERROR_CODES[code].retryable) };
}

/** A JobError whose code fits the contract; a malformed foreign code falls back to `fallbackCode`. */
function jobError(code: string, message: string, retryable: boolean, fallbackCode = 'INTERNAL'): JobError {
  const safeCode = /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(code) ? code : fallbackCode;
  const text = message.trim() || 'No detail was given.';
  return {
    code: safeCode,
    message: text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE - 1)}…` : text,
    retryable,
  };
}

/**
 * First line of a failed activity's error text (the rest is a stack trace), without the
 * "Activity function '<name>' failed:" and "<ErrorType>:" prefixes the Durable host adds.
 */
export function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (
    text
      .split('\n')[0]
      ?.replace(/^Activity function '[^']*' failed:\s*/, '')
      .replace(/^(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$]*(?:Error|Exception):\s*/, '')
      .trim() || 'unknown error'
  );
}

/** Activity inputs name the attempt from the second on (the first attempt's inputs stay as they were). */
function attemptField(attempt: number): { attempt?: number } {
  return attempt > 1 ? { attempt } : {};
}

function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}
