import type { OrchestrationContext, Task } from 'durable-functions';
import type { JobSettings } from '../activities/loadJobSettings.js';
import { proxyActivities } from '../durable/typedActivities.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { CANCELED_CODE, CANCEL_JOB_EVENT } from '../jobs/cancelJobEvent.js';
import {
  jobSucceededSchema,
  type JobCustomStatus,
  type JobError,
  type JobRequest,
  type PlaylistItem,
  type PlaylistProgress,
} from '../../shared/contracts.js';
import { JOB_ERROR_CODES, type KnownJobErrorCode } from '../../shared/errors/errorCodes.js';
import type { PlaylistChild, PlaylistSummary } from '../../shared/jobView.js';
import { outputBlobName, playlistChildId } from '../../shared/naming.js';
import { checkOrchestrationInput } from './checkOrchestrationInput.js';
import { jobActivities } from './jobActivities.js';
import { startNotifications, type JobOrchestrationInput } from './jobOrchestrator.js';
import { canceled, failed, failure, jobError, reason, type Outcome } from './jobOutcome.js';
import { addSeconds, cancelUnfired, logOnce } from './orchestrationSteps.js';
import { playlistActivities } from './playlistActivities.js';
import { listPlaylist } from './playlistListing.js';

type Step<T> = Generator<Task, T, unknown>;

/** How often a running playlist looks for finished items, at most (the liveness poll when shorter). */
export const PLAYLIST_POLL_SECONDS = 10;
/** After a cancel, how long the playlist waits for its running items to end before it ends itself. */
export const CANCEL_WAIT_MINUTES = 10;

interface ChildRun {
  id: string;
  item: PlaylistItem;
  task?: Task;
  result?: PlaylistChild;
}

/**
 * A playlist job: list the playlist in a short container run (the worker's list mode), leave out
 * entries that name an item already listed (the playlist's download archive), then run each item as
 * a child job (a jobOrchestrator sub-orchestration with the playlist request's options) with at most
 * `playlist.concurrency` running at once. One item's failure does not stop the others; a cancel is
 * passed to every running item and stops the rest from starting. Always ends with a PlaylistSummary.
 */
export function* playlistOrchestrator(context: OrchestrationContext): Step<PlaylistSummary> {
  const activities = proxyActivities(context, jobActivities);
  const status = new PlaylistStatus(context);
  status.publish({ phase: 'Queued' });

  const loaded = yield* activities.loadJobSettings();
  if (!loaded.ok) return finish(status, failure(loaded.code, loaded.message, false));
  const settings = loaded.settings;
  const checked = checkOrchestrationInput(context.df.instanceId, context.df.getInput(), settings, 'playlist');
  if (!checked.ok)
    return finish(status, failed('INVALID_INPUT', `The job input was refused: ${checked.message}`));
  const input: JobOrchestrationInput = {
    ...context.df.getInput<JobOrchestrationInput>(),
    request: checked.request,
    outputBlobName: checked.outputBlobName,
  };
  const request = input.request as JobRequest;
  const options = request.playlist ?? { maxItems: 1, concurrency: 1 };

  status.publish({ phase: 'Provisioning', detail: 'Listing the playlist.' });
  const listed = yield* listPlaylist(context, activities, status, input, settings);
  // The listing was the only run that needed the full URL of a signed playlist source.
  if (input.signedSource) {
    try {
      yield* activities.forgetSignedSource({ instanceId: context.df.instanceId });
    } catch (error) {
      logOnce(context, `The signed source URL of this playlist could not be deleted: ${reason(error)}`);
    }
  }
  if (!listed.ok) {
    const summary = finish(status, listed);
    yield* notifyFinalState(context, input, summary);
    return summary;
  }

  // The playlist's download archive: an entry naming an item already listed (same extractor id or
  // same URL) is fetched once, by the first child that names it.
  const children: ChildRun[] = [];
  const duplicates: PlaylistSummary['duplicates'] = [];
  const archive = new Map<string, string>();
  for (const item of listed.value.items) {
    const earlier = (item.archiveKey && archive.get(item.archiveKey)) || archive.get(item.url);
    if (earlier) {
      duplicates.push({
        url: item.url,
        ...(item.archiveKey ? { archiveKey: item.archiveKey } : {}),
        sameAs: earlier,
      });
      continue;
    }
    const id = playlistChildId(context.df.instanceId, children.length);
    if (item.archiveKey) archive.set(item.archiveKey, id);
    archive.set(item.url, id);
    children.push({ id, item });
  }
  status.progress = {
    items: children.length,
    started: 0,
    succeeded: 0,
    failed: 0,
    canceled: 0,
    duplicates: duplicates.length,
  };

  const canceled = yield* runChildren(
    context,
    status,
    input,
    request,
    children,
    options.concurrency,
    settings,
  );
  const results = children.map((child) => child.result ?? unfinished(child));
  const summary = finish(status, summarise(results, canceled), {
    ...(listed.value.title ? { title: listed.value.title } : {}),
    listed: listed.value.items.length,
    children: results,
    duplicates,
  });
  yield* notifyFinalState(context, input, summary);
  return summary;
}

/** The playlist's outcome from its items': canceled, failed when no item succeeded, else succeeded. */
function summarise(results: PlaylistChild[], wasCanceled: boolean): Outcome<void> {
  if (wasCanceled) return canceled('playlist job');
  const succeeded = results.filter((r) => r.status === 'Succeeded').length;
  if (succeeded > 0) return { ok: true, value: undefined };
  return failed('PLAYLIST_FAILED', `None of the playlist's ${results.length} item(s) succeeded.`);
}

/**
 * Starts children in listing order, at most `concurrency` running at once. Each sub-orchestration
 * task is yielded once only (a task yielded again in another Task.any would be scheduled again), so
 * finished children are found by a short poll. Returns whether the playlist was canceled.
 */
function* runChildren(
  context: OrchestrationContext,
  status: PlaylistStatus,
  input: JobOrchestrationInput,
  request: JobRequest,
  children: ChildRun[],
  concurrency: number,
  settings: JobSettings,
): Step<boolean> {
  const own = proxyActivities(context, playlistActivities);
  const df = context.df;
  const pollSeconds = Math.min(PLAYLIST_POLL_SECONDS, settings.livenessPollSeconds);
  const running: ChildRun[] = [];
  let next = 0;
  let canceled = false;
  let cancelGiveUpAt: Date | undefined;
  status.publish({ phase: 'Downloading', percent: 0 });
  while (running.length > 0 || (!canceled && next < children.length)) {
    const fresh: Task[] = [];
    while (!canceled && running.length < concurrency && next < children.length) {
      const child = children[next++] as ChildRun;
      child.task = df.callSubOrchestrator(
        FUNCTION_NAMES.jobOrchestrator,
        childInput(context, input, request, child),
        child.id,
      );
      fresh.push(child.task);
      running.push(child);
      status.progress.started++;
    }
    status.publishCounts();
    const poll = df.createTimer(addSeconds(df.currentUtcDateTime, pollSeconds));
    const cancel = df.waitForExternalEvent(CANCEL_JOB_EVENT);
    yield df.Task.any([...fresh, cancel, poll]);
    cancelUnfired(poll);

    for (const child of [...running]) {
      const task = child.task as Task;
      if (!task.isCompleted && !task.isFaulted) continue;
      child.result = childResult(child, task);
      status.count(child.result.status);
      running.splice(running.indexOf(child), 1);
    }
    if (cancel.isCompleted && !canceled) {
      canceled = true;
      cancelGiveUpAt = addSeconds(df.currentUtcDateTime, CANCEL_WAIT_MINUTES * 60);
      status.publish({ ...status.current, detail: 'Canceling the running items.' });
      if (running.length > 0) {
        try {
          yield* own.cancelPlaylistChildren({ childIds: running.map((c) => c.id) });
        } catch (error) {
          logOnce(context, `Canceling the playlist's running items failed: ${reason(error)}`);
        }
      }
    }
    // Items that do not end after a cancel are left to their own deadline; the playlist ends.
    if (canceled && cancelGiveUpAt && df.currentUtcDateTime.getTime() >= cancelGiveUpAt.getTime()) break;
  }
  return canceled;
}

/** A child job's input: the playlist request's options for one item, its blobs under its own id. */
function childInput(
  context: OrchestrationContext,
  input: JobOrchestrationInput,
  request: JobRequest,
  child: ChildRun,
): JobOrchestrationInput {
  // One playlist, one set of notifications (the playlist's own, listing every item).
  const {
    playlist: _playlist,
    idempotencyKey: _key,
    notifyUrl: _url,
    notifyEmail: _email,
    ...options
  } = request;
  return {
    request: { ...options, url: child.item.url },
    outputBlobName: outputBlobName(child.id, request.outputName),
    submittedAt: context.df.currentUtcDateTime.toISOString(),
    parentId: context.df.instanceId,
    // Items belong to the playlist's owner; their ids carry the same owner prefix.
    ...(input.owner ? { owner: input.owner } : {}),
  };
}

function childResult(child: ChildRun, task: Task): PlaylistChild {
  const base = {
    id: child.id,
    url: child.item.url,
    ...(child.item.title ? { title: child.item.title } : {}),
  };
  if (task.isCompleted && !task.isFaulted) {
    const parsed = jobSucceededSchema.safeParse(task.result);
    if (parsed.success) return { ...base, status: 'Succeeded', outputs: parsed.data.outputs };
    return {
      ...base,
      status: 'Failed',
      error: jobError('INTERNAL', 'The item ended without a valid result.', false),
    };
  }
  const error = childError(task.result);
  return { ...base, status: error.code === CANCELED_CODE ? 'Canceled' : 'Failed', error };
}

/** A failed child's `CODE: message` (JobFailedError), whatever the host put around it. */
export function childError(thrown: unknown): JobError {
  const text = thrown instanceof Error ? thrown.message : String(thrown);
  const match = /(?:^|[\s:])([A-Z][A-Z0-9_]{1,63}): ([^\n]*)/.exec(text);
  if (!match) return jobError('INTERNAL', reason(thrown), true);
  const code = match[1] as string;
  const retryable =
    Object.hasOwn(JOB_ERROR_CODES, code) && JOB_ERROR_CODES[code as KnownJobErrorCode].retryable;
  return jobError(code, match[2]?.trim() ?? '', retryable);
}

/** An item without a result: never started (the playlist was canceled), or still running when it gave up waiting. */
function unfinished(child: ChildRun): PlaylistChild {
  const base = {
    id: child.id,
    url: child.item.url,
    ...(child.item.title ? { title: child.item.title } : {}),
  };
  // Its own job view tells how it ends.
  if (child.task) return { ...base, status: 'Running' };
  return {
    ...base,
    status: 'Canceled',
    error: jobError(CANCELED_CODE, 'The playlist was canceled before this item started.', false),
  };
}

function notifyFinalState(
  context: OrchestrationContext,
  input: JobOrchestrationInput,
  summary: PlaylistSummary,
): Step<void> {
  const outcome = summary.error
    ? { ok: false as const, error: summary.error }
    : { ok: true as const, value: summary };
  return startNotifications(context, input, outcome, "The playlist's");
}

/** Publishes customStatus with the playlist's counts. */
export class PlaylistStatus {
  current: JobCustomStatus = { phase: 'Queued' };
  progress: PlaylistProgress = { items: 0, started: 0, succeeded: 0, failed: 0, canceled: 0, duplicates: 0 };
  constructor(private readonly context: OrchestrationContext) {}
  publish(next: JobCustomStatus): void {
    this.current = next;
    this.context.df.setCustomStatus(this.progress.items > 0 ? { ...next, playlist: this.progress } : next);
  }
  count(status: PlaylistChild['status']): void {
    if (status === 'Succeeded') this.progress.succeeded++;
    else if (status === 'Canceled') this.progress.canceled++;
    else this.progress.failed++;
  }
  publishCounts(): void {
    const { items, succeeded, failed, canceled } = this.progress;
    const done = succeeded + failed + canceled;
    this.publish({
      phase: 'Downloading',
      percent: items > 0 ? Math.round((done / items) * 1000) / 10 : 0,
      detail: `${done} of ${items} item(s) finished.`,
    });
  }
}

function finish(
  status: PlaylistStatus,
  outcome: Outcome<void> | { ok: false; error: JobError },
  parts: Omit<PlaylistSummary, 'kind' | 'status' | 'error'> = { listed: 0, children: [], duplicates: [] },
): PlaylistSummary {
  const error = outcome.ok ? undefined : outcome.error;
  status.publish({ phase: 'Done', ...(error ? { error } : { percent: 100 }) });
  const final: PlaylistSummary['status'] = !error
    ? 'Succeeded'
    : error.code === CANCELED_CODE
      ? 'Canceled'
      : 'Failed';
  return { kind: 'playlist', status: final, ...parts, ...(error ? { error } : {}) };
}
