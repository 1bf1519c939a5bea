import type { OrchestrationContext } from 'durable-functions';
import { proxyActivities } from '../durable/typedActivities.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  JOB_PHASES,
  type JobCustomStatus,
  type JobSucceeded,
} from '../../shared/contracts.js';
import type { JobSpec } from '../../shared/blobSource.js';
import { checkOrchestrationInput } from './checkOrchestrationInput.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import type { StartJobNotificationsInput } from '../notify/finalJobEvent.js';
import { jobActivities } from './jobActivities.js';
import { CANCEL_JOB_EVENT } from '../jobs/cancelJobEvent.js';
import type { JobOwner } from '../auth/caller.js';
import type { JobSignals } from '../jobs/jobSignals.js';
import {
  canceled,
  failed,
  jobError,
  reason,
  retryBackoffSeconds,
  shouldRetry,
  type Outcome,
} from './jobOutcome.js';
import { addSeconds, cancelUnfired, logOnce } from './orchestrationSteps.js';
import {
  JobStatus,
  awaitWorkerReport,
  cleanUp,
  createGroup,
  finish,
  readSignals,
  type JobActivities,
  type KeepWaiting,
  type Step,
} from './jobAttempt.js';

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
