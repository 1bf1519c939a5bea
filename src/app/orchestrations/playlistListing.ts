import type { OrchestrationContext, Task } from 'durable-functions';
import type { JobSettings } from '../activities/loadJobSettings.js';
import type { ActivityProxy } from '../durable/typedActivities.js';
import { CANCEL_JOB_EVENT } from '../jobs/cancelJobEvent.js';
import {
  EVENT_NAMES,
  jobResultSchema,
  playlistListingSchema,
  type PlaylistListing,
} from '../../shared/contracts.js';
import { containerGroupName } from '../../shared/naming.js';
import { attemptEventName } from './attemptEvents.js';
import type { jobActivities } from './jobActivities.js';
import { EXIT_REPORT_GRACE_SECONDS } from './jobAttempt.js';
import type { JobOrchestrationInput } from './jobOrchestrator.js';
import { canceled, failed, failure, reason, type Outcome } from './jobOutcome.js';
import { addSeconds, cancelUnfired, logOnce } from './orchestrationSteps.js';
import type { PlaylistStatus } from './playlistOrchestrator.js';

// A playlist's listing: a short container run lists the playlist or channel (flat, bounded by
// maxItems) and reports the entries, or why it could not; the container is removed either way.

type JobActivities = ActivityProxy<typeof jobActivities>;
type Step<T> = Generator<Task, T, unknown>;

/** The listing run is short: it fails TIMEOUT after this long (or the job deadline, if shorter). */
export const LISTING_DEADLINE_MINUTES = 10;

/** Creates the listing container, waits for its listing (or failure, cancel, exit, deadline), removes it. */
export function* listPlaylist(
  context: OrchestrationContext,
  activities: JobActivities,
  status: PlaylistStatus,
  input: JobOrchestrationInput,
  settings: JobSettings,
): Step<Outcome<PlaylistListing>> {
  const created = yield* createListingGroup(context, activities, input, settings);
  const outcome = created.ok ? yield* awaitListing(context, activities, settings) : created;
  status.publish({ phase: 'CleaningUp', detail: 'Removing the listing container.' });
  const job = { instanceId: context.df.instanceId };
  try {
    const removed = yield* activities.deleteJobContainer(job);
    if (!removed.ok)
      logOnce(
        context,
        `Removing ${containerGroupName(job.instanceId)} failed (${removed.code}: ${removed.message}).`,
      );
  } catch (error) {
    logOnce(
      context,
      `Removing ${containerGroupName(job.instanceId)} failed; the janitor will: ${reason(error)}`,
    );
  }
  return outcome;
}

function* createListingGroup(
  context: OrchestrationContext,
  activities: JobActivities,
  input: JobOrchestrationInput,
  settings: JobSettings,
): Step<Outcome<void>> {
  let priority = settings.aciPriority;
  for (;;) {
    try {
      const outcome = yield* activities.createJobContainer({
        instanceId: context.df.instanceId,
        request: input.request,
        outputBlobName: input.outputBlobName,
        ...(input.signedSource ? { signedSource: true } : {}),
        priority,
        createdAt: context.df.currentUtcDateTime.toISOString(),
      });
      if (outcome.ok) return { ok: true, value: undefined };
      if (outcome.kind === 'spot' && priority === 'Spot') {
        priority = 'Regular';
        continue;
      }
      const retryable = outcome.kind === 'quota';
      return failure(outcome.code, outcome.message, retryable, 'CONTAINER_CREATE_FAILED');
    } catch (error) {
      return failed(
        'CONTAINER_CREATE_FAILED',
        `The listing container could not be created: ${reason(error)}`,
      );
    }
  }
}

function* awaitListing(
  context: OrchestrationContext,
  activities: JobActivities,
  settings: JobSettings,
): Step<Outcome<PlaylistListing>> {
  const df = context.df;
  const deadlineMinutes = Math.min(LISTING_DEADLINE_MINUTES, settings.jobDeadlineMinutes);
  const deadlineAt = addSeconds(df.currentUtcDateTime, deadlineMinutes * 60);
  for (;;) {
    const listed = df.waitForExternalEvent(attemptEventName(EVENT_NAMES.listed, 1));
    const finished = df.waitForExternalEvent(attemptEventName(EVENT_NAMES.finished, 1));
    const cancel = df.waitForExternalEvent(CANCEL_JOB_EVENT);
    const poll = df.createTimer(addSeconds(df.currentUtcDateTime, settings.livenessPollSeconds));
    const deadline = df.createTimer(deadlineAt);
    const winner = yield df.Task.any([listed, finished, cancel, poll, deadline]);
    cancelUnfired(poll, deadline);
    if (winner === listed) return judgeListing(listed.result);
    if (winner === finished) return judgeFailure(finished.result);
    if (winner === cancel) return canceled('playlist job');
    if (winner === deadline)
      return failed('TIMEOUT', `The playlist was not listed within ${deadlineMinutes} minutes.`);

    let terminated = false;
    let detail = '';
    try {
      const inspection = yield* activities.inspectJobContainer({ instanceId: df.instanceId });
      if (inspection.ok && inspection.terminated) {
        terminated = true;
        const logs =
          inspection.logTail.length > 0 ? ` Last log lines:\n${inspection.logTail.join('\n')}` : '';
        detail = `The listing container exited with code ${inspection.exitCode ?? 'unknown'} without reporting.${logs}`;
        if (!inspection.found) detail = 'The listing container disappeared before it reported.';
      }
    } catch (error) {
      logOnce(context, `Inspecting the listing container failed: ${reason(error)}`);
    }
    if (listed.isCompleted) return judgeListing(listed.result);
    if (finished.isCompleted) return judgeFailure(finished.result);
    if (cancel.isCompleted) return canceled('playlist job');
    if (!terminated) continue;
    const lateListing = df.waitForExternalEvent(attemptEventName(EVENT_NAMES.listed, 1));
    const lateFailure = df.waitForExternalEvent(attemptEventName(EVENT_NAMES.finished, 1));
    const grace = df.createTimer(addSeconds(df.currentUtcDateTime, EXIT_REPORT_GRACE_SECONDS));
    const late = yield df.Task.any([lateListing, lateFailure, grace]);
    cancelUnfired(grace);
    if (late === lateListing) return judgeListing(lateListing.result);
    if (late === lateFailure) return judgeFailure(lateFailure.result);
    return failed('CONTAINER_EXITED', detail);
  }
}

function judgeListing(payload: unknown): Outcome<PlaylistListing> {
  const parsed = playlistListingSchema.safeParse(payload);
  if (!parsed.success)
    return failed('INTERNAL', 'The listing container reported a listing that is not valid.');
  if (parsed.data.items.length === 0)
    return failed('UNSUPPORTED_URL', 'The playlist lists no items with a downloadable URL.');
  return { ok: true, value: parsed.data };
}

function judgeFailure(payload: unknown): Outcome<PlaylistListing> {
  const parsed = jobResultSchema.safeParse(payload);
  if (parsed.success && parsed.data.status === 'Failed') return { ok: false, error: parsed.data.error };
  return failed('INTERNAL', 'The listing container reported a result instead of a listing.');
}

/** Starts the playlist's notifications (its own view lists every item) without waiting for delivery. */
