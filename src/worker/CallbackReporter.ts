import {
  EVENT_NAMES,
  type JobEventName,
  type JobProgress,
  type JobResult,
  type PlaylistListing,
} from '../shared/contracts.js';
import { jobEventUrl } from '../shared/jobCallbackUrl.js';

/**
 * How the final report ended:
 * - `delivered`: the app accepted it (202);
 * - `gone`: the app answered 410, the job had already finished and nobody waits any more;
 * - `rejected`: the app refused it for good (400/401/404/...), so retrying cannot help;
 * - `undelivered`: no answer before the report deadline.
 */
export type ReportOutcome = 'delivered' | 'gone' | 'rejected' | 'undelivered';

export interface CallbackReporterOptions {
  /** The job's callback base; the event name is appended to its path. */
  callbackUrl: string;
  token: string;
  progressIntervalMs: number;
  reportDeadlineMs: number;
  log: (line: string) => void;
  /** Called once when the app says the job is over (410): the work may stop. */
  onJobGone?: () => void;
  /** Backoff bounds for the final report. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  attemptTimeoutMs?: number;
}

type AttemptResult =
  | { kind: 'accepted'; status: number }
  | { kind: 'gone'; status: number }
  | { kind: 'rejected'; status: number }
  | { kind: 'retry'; status?: number; retryAfterMs?: number; reason: string };

/** Waits `ms`, or less if `signal` aborts meanwhile. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Once the container is being stopped, the result gets only this much more time. */
export const STOPPING_REPORT_DEADLINE_MS = 8000;

/**
 * Sends the worker's events to the app's per-job callback. Progress is best effort and rate-limited
 * (one request in flight, at most one per interval, phase changes go out at once); the final result
 * is retried with backoff until the report deadline, because the app may be restarting.
 */
export class CallbackReporter {
  readonly #options: CallbackReporterOptions;
  #lastProgressAt = 0;
  #lastPhase: string | undefined;
  #inFlight: Promise<void> | undefined;
  #pendingPhaseChange: JobProgress | undefined;
  #finished = false;
  #gone = false;

  constructor(options: CallbackReporterOptions) {
    this.#options = options;
  }

  /** Where a given event goes: the base URL's path plus `/<event>`, keeping any query it carries. */
  eventUrl(event: JobEventName): URL {
    return jobEventUrl(this.#options.callbackUrl, event);
  }

  /** The callback target without query or token, for logs. */
  get safeTarget(): string {
    const url = new URL(this.#options.callbackUrl);
    return `${url.origin}${url.pathname}`;
  }

  /**
   * Queues a progress event. Same-phase updates inside the interval, or while one is in flight, are
   * dropped; a phase change waits for the request in flight so the app sees every phase.
   */
  progress(progress: JobProgress): void {
    if (this.#finished || this.#gone) return;
    const phaseChanged = progress.phase !== this.#lastPhase;
    if (this.#inFlight) {
      if (phaseChanged || this.#pendingPhaseChange?.phase === progress.phase)
        this.#pendingPhaseChange = progress;
      return;
    }
    const now = Date.now();
    if (!phaseChanged && now - this.#lastProgressAt < this.#options.progressIntervalMs) return;
    this.#lastProgressAt = now;
    this.#lastPhase = progress.phase;
    this.#inFlight = this.#attempt(EVENT_NAMES.progress, progress, 10_000)
      .then((result) => {
        if (result.kind === 'gone') this.#markGone();
        else if (result.kind !== 'accepted')
          this.#options.log(
            `progress report not accepted (${'status' in result && result.status ? `HTTP ${result.status}` : 'no answer'})`,
          );
      })
      .finally(() => {
        this.#inFlight = undefined;
        const next = this.#pendingPhaseChange;
        this.#pendingPhaseChange = undefined;
        if (next) this.progress(next);
      });
  }

  /**
   * Sends the final result, retrying until accepted, refused for good, or the deadline passes.
   * When `stopping` aborts (SIGTERM while retrying) the deadline shrinks to a few seconds from then.
   */
  async finish(result: JobResult, stopping?: AbortSignal): Promise<ReportOutcome> {
    return this.#finishWith(EVENT_NAMES.finished, result, stopping);
  }

  /** Sends a playlist's listing as the final report (list mode), with the same retries as a result. */
  async finishListing(listing: PlaylistListing, stopping?: AbortSignal): Promise<ReportOutcome> {
    return this.#finishWith(EVENT_NAMES.listed, listing, stopping);
  }

  async #finishWith(event: JobEventName, payload: unknown, stopping?: AbortSignal): Promise<ReportOutcome> {
    this.#finished = true;
    await this.#inFlight;
    const deadlineFromNow = (ms: number) => Date.now() + ms;
    let deadline = deadlineFromNow(
      stopping?.aborted
        ? Math.min(STOPPING_REPORT_DEADLINE_MS, this.#options.reportDeadlineMs)
        : this.#options.reportDeadlineMs,
    );
    const onStop = () => (deadline = Math.min(deadline, deadlineFromNow(STOPPING_REPORT_DEADLINE_MS)));
    stopping?.addEventListener('abort', onStop, { once: true });
    try {
      return await this.#deliver(event, payload, () => deadline, stopping);
    } finally {
      stopping?.removeEventListener('abort', onStop);
    }
  }

  async #deliver(
    event: JobEventName,
    payload: unknown,
    deadlineOf: () => number,
    stopping?: AbortSignal,
  ): Promise<ReportOutcome> {
    let backoff = this.#options.initialBackoffMs ?? 1000;
    const maxBackoff = this.#options.maxBackoffMs ?? 30_000;
    for (let attempt = 1; ; attempt++) {
      const remaining = deadlineOf() - Date.now();
      const outcome = await this.#attempt(
        event,
        payload,
        Math.max(1000, Math.min(this.#options.attemptTimeoutMs ?? 15_000, remaining)),
      );
      if (outcome.kind === 'accepted') return 'delivered';
      if (outcome.kind === 'gone') {
        this.#options.log(
          'the app says the job has already finished (HTTP 410); nobody waits for this result',
        );
        return 'gone';
      }
      if (outcome.kind === 'rejected') {
        this.#options.log(`the app refused the result for good (HTTP ${outcome.status}); not retrying`);
        return 'rejected';
      }
      const wait = Math.min(Math.max(backoff, outcome.retryAfterMs ?? 0), maxBackoff);
      if (Date.now() + wait >= deadlineOf()) {
        this.#options.log(`giving up reporting the result after ${attempt} attempts: ${outcome.reason}`);
        return 'undelivered';
      }
      this.#options.log(
        `result report attempt ${attempt} failed (${outcome.reason}); retrying in ${Math.round(wait / 100) / 10} s`,
      );
      await sleep(wait, stopping);
      backoff = Math.min(backoff * 2, maxBackoff);
    }
  }

  #markGone(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#options.log('the app says the job has already finished (HTTP 410); stopping');
    this.#options.onJobGone?.();
  }

  async #attempt(event: JobEventName, payload: unknown, timeoutMs: number): Promise<AttemptResult> {
    let response: Response;
    try {
      response = await fetch(this.eventUrl(event), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.#options.token}` },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      // fetch wraps the socket error; with several addresses tried it is an AggregateError.
      const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } })
        .cause;
      const code = cause?.code ?? cause?.errors?.find((e) => e.code)?.code;
      const name = (error as { name?: string }).name;
      return {
        kind: 'retry',
        reason: code ?? (name === 'TimeoutError' ? 'timed out' : (cause?.message ?? 'connection failed')),
      };
    }
    // The body is not needed; drain it so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    const status = response.status;
    if (status >= 200 && status < 300) return { kind: 'accepted', status };
    if (status === 410) return { kind: 'gone', status };
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfter = Number(response.headers.get('retry-after'));
      return {
        kind: 'retry',
        status,
        reason: `HTTP ${status}`,
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      };
    }
    return { kind: 'rejected', status };
  }
}
