import type { FunctionHost } from '../host/extension.js';
import { type Clock, type ClockTimer, systemClock } from '../shared/clock.js';
import { AsyncLimiter } from './asyncLimiter.js';
import type { DurableSettings } from './durableSettings.js';
import type { DurableStore } from './durableStore.js';
import type { InstanceFilter, InstanceRow, WorkItem } from './storeRows.js';
import {
  type Episode,
  EpisodeRules,
  type OrchestratorOutcome,
  failedOutcome,
  orchestratorNotFoundFailure,
} from './episodeRules.js';
import {
  type EntityBatch,
  type EntityBatchOutcome,
  type EntityFunctionResult,
  EntityRules,
  entityTriggerPayload,
  isEntityId,
} from './entityRules.js';
import { type ActivityOutcome, InstanceRules } from './instanceRules.js';
import type { OrchestratorState } from './orchestratorAction.js';
import { orchestratorTriggerPayload, readOrchestratorFailure } from './orchestratorTrigger.js';

const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** How long activities may run on before the engine yields to the event loop. */
const SLICE_MS = 5;

/** What one episode (or entity batch) left to do once its transaction is committed. */
interface Step {
  more: boolean;
  afterCommit?: () => void;
}

/** The part of the Functions host the engine needs. */
export type EngineHost = Pick<FunctionHost, 'functions' | 'invoke' | 'log'>;

/**
 * The engine's runtime: runs episodes through the app's real orchestrator functions (the host's
 * worker channel), dispatches activities within the concurrency limits, arms one timer for the
 * nearest durable timer, and resumes persisted work after a restart. What each step may do is
 * decided by InstanceRules and EpisodeRules.
 */
export class DurableEngine {
  readonly #store: DurableStore;
  readonly #host: EngineHost;
  readonly #clock: Clock;
  readonly #instances: InstanceRules;
  readonly #episodes: EpisodeRules;
  readonly #entities: EntityRules;
  readonly #orchestratorLimiter: AsyncLimiter;
  readonly #activityLimiter: AsyncLimiter;
  readonly #running = new Set<string>();
  readonly #rerun = new Set<string>();
  readonly #activitiesInFlight = new Set<number>();
  readonly #pending = new Set<Promise<unknown>>();
  #timer: ClockTimer | undefined;
  #sliceStarted = 0;
  #stopped = true;

  constructor(store: DurableStore, host: EngineHost, settings: DurableSettings, clock: Clock = systemClock) {
    this.#store = store;
    this.#host = host;
    this.#clock = clock;
    const isOrchestrator = (name: string) =>
      host.functions.get(name)?.trigger.type === 'orchestrationTrigger';
    this.#instances = new InstanceRules(store, clock, isOrchestrator);
    this.#episodes = new EpisodeRules(store, this.#instances, clock, (name) => host.functions.has(name));
    this.#entities = new EntityRules(store, clock);
    this.#orchestratorLimiter = new AsyncLimiter(settings.maxConcurrentOrchestratorFunctions);
    this.#activityLimiter = new AsyncLimiter(settings.maxConcurrentActivityFunctions);
  }

  get store(): DurableStore {
    return this.#store;
  }

  /** Resolves once every change made so far is committed: answers wait for it before they report. */
  committed(): Promise<void> {
    return this.#store.committed();
  }

  /** Resumes everything persisted: pending episodes, activities (run again) and timers. */
  start(): void {
    this.#stopped = false;
    for (const instanceId of this.#store.instanceIdsWithPendingInbox()) this.#wake(instanceId);
    for (const entityId of this.#store.entityIdsWithPendingQueue()) this.#wake(entityId);
    for (const item of this.#store.workOfKind('activity')) this.#dispatchActivity(item);
    this.#armTimer();
  }

  /** Stops dispatching; waits (bounded) for running episodes and activities. Unfinished work stays persisted. */
  async stop(graceMs = 5_000): Promise<void> {
    this.#stopped = true;
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    // The grace period bounds a real shutdown, so it runs on wall time whatever the engine's clock.
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#pending]),
      new Promise((resolve) => (timeout = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timeout);
  }

  /** Resolves once no episode or activity is running or queued (for tests that drive the clock). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  // ---- client operations: the rules decide, the runtime wakes whom they name -----------------

  startNew(name: string, instanceId: string | undefined, inputText: string | null): InstanceRow {
    const row = this.#instances.start(name, instanceId, inputText);
    this.#wake(row.instanceId);
    return row;
  }

  raiseEvent(instanceId: string, eventName: string, inputText: string | null): void {
    this.#instances.raiseEvent(instanceId, eventName, inputText);
    this.#wake(instanceId);
  }

  terminate(instanceId: string, reason: string): void {
    for (const id of this.#instances.terminate(instanceId, reason)) this.#wake(id);
  }

  suspend(instanceId: string, reason: string): void {
    this.#instances.suspend(instanceId, reason);
  }

  resume(instanceId: string, reason: string): void {
    this.#instances.resume(instanceId, reason);
    this.#wake(instanceId);
  }

  rewind(instanceId: string): never {
    return this.#instances.rewind(instanceId);
  }

  /** Starts the same orchestrator with the same input; returns the new instance id. */
  restart(instanceId: string, withNewInstanceId: boolean): string {
    const row = this.#instances.restart(instanceId, withNewInstanceId);
    this.#wake(row.instanceId);
    return row.instanceId;
  }

  /** Deletes a finished instance and its history; false when there is nothing finished to delete. */
  purge(instanceId: string): boolean {
    return this.#instances.purge(instanceId);
  }

  purgeWhere(filter: InstanceFilter): number {
    return this.#instances.purgeWhere(filter);
  }

  /** Queues a signal for an entity (fire and forget, as the client's signalEntity). */
  signalEntity(name: string, key: string, operation: string, inputText: string | null): void {
    this.#wake(this.#entities.signal(name, key, operation, inputText));
  }

  /** Whether the app has an entity function of that name (entity names ignore case). */
  hasEntityFunction(name: string): boolean {
    return this.#entityFunctionName(name) !== undefined;
  }

  #entityFunctionName(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const fn of this.#host.functions.values()) {
      if (fn.trigger.type === 'entityTrigger' && fn.name.toLowerCase() === lower) return fn.name;
    }
    return undefined;
  }

  // ---- episodes ----------------------------------------------------------------------------

  #track<T>(promise: Promise<T>): void {
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise));
  }

  /**
   * Asks for an episode of the instance (or a batch of the entity, ids starting with '@') now; a wake
   * during one runs another right after.
   */
  #wake(instanceId: string): void {
    if (this.#stopped) return;
    if (this.#running.has(instanceId)) {
      this.#rerun.add(instanceId);
      return;
    }
    this.#running.add(instanceId);
    this.#track(this.#episodeLoop(instanceId));
  }

  async #episodeLoop(instanceId: string): Promise<void> {
    try {
      do {
        this.#rerun.delete(instanceId);
        let step: Step = { more: false };
        // In-process invocations can settle on microtasks alone; yielding here lets HTTP requests
        // (status queries, signals) in between a long chain of episodes and entity batches.
        await new Promise((resolve) => setImmediate(resolve));
        try {
          step = await this.#orchestratorLimiter.run(() =>
            isEntityId(instanceId) ? this.#runEntityBatch(instanceId) : this.#runEpisode(instanceId),
          );
          // What the episode started (activities, other instances) starts only once it is on disk.
          await this.#store.committed();
          if (this.#stopped) return;
          step.afterCommit?.();
        } catch (error) {
          if (this.#stopped) return;
          this.#host.log(
            'error',
            `Durable episode of ${instanceId} failed: ${(error as Error).stack ?? error}`,
          );
        }
        if (step.more) this.#rerun.add(instanceId);
      } while (this.#rerun.has(instanceId) && !this.#stopped);
    } finally {
      this.#running.delete(instanceId);
    }
  }

  /** Runs one episode; its step says whether more inbox messages wait for this instance. */
  async #runEpisode(instanceId: string): Promise<Step> {
    if (this.#stopped) return { more: false };
    const episode = this.#episodes.begin(instanceId);
    if (!episode) return { more: false };
    const outcome = await this.#invokeOrchestrator(episode);
    if (this.#stopped) return { more: false };
    const result = this.#episodes.complete(episode, outcome);
    return {
      more: result.more,
      afterCommit: () => {
        for (const item of result.activities) this.#dispatchActivity(item);
        if (result.timersChanged || result.finished) this.#armTimer();
        for (const id of result.wake) this.#wake(id);
      },
    };
  }

  /** Runs one batch of the entity's operations; its step says whether more may be ready. */
  async #runEntityBatch(entityId: string): Promise<Step> {
    if (this.#stopped) return { more: false };
    const wake = new Set<string>();
    const batch = this.#entities.begin(entityId, wake);
    if (batch) {
      const outcome = await this.#invokeEntity(batch);
      if (this.#stopped) return { more: false };
      if ('error' in outcome) {
        this.#host.log(
          'warning',
          `Entity ${entityId}: ${batch.operations.length} operation(s) failed: ${outcome.error.message}`,
        );
      }
      this.#entities.complete(batch, outcome, wake);
    }
    return {
      more: batch !== undefined,
      afterCommit: () => {
        for (const id of wake) if (id !== entityId) this.#wake(id);
      },
    };
  }

  async #invokeEntity(batch: EntityBatch): Promise<EntityBatchOutcome> {
    const functionName = this.#entityFunctionName(batch.entity.name);
    if (!functionName) {
      return { error: new Error(`The entity function '${batch.entity.name}' does not exist.`) };
    }
    const payload = entityTriggerPayload(batch);
    const invoked = await this.#host.invoke(functionName, { data: { string: JSON.stringify(payload) } });
    if (invoked.error) return { error: invoked.error };
    const value =
      typeof invoked.returnValue === 'string'
        ? (JSON.parse(invoked.returnValue) as unknown)
        : invoked.returnValue;
    if (!value || typeof value !== 'object' || !Array.isArray((value as EntityFunctionResult).results)) {
      return { error: new Error(`The entity function '${functionName}' returned no entity state.`) };
    }
    return { result: value as EntityFunctionResult };
  }

  async #invokeOrchestrator(episode: Episode): Promise<OrchestratorOutcome> {
    const { instance } = episode;
    const fn = this.#host.functions.get(instance.name);
    if (!fn || fn.trigger.type !== 'orchestrationTrigger') {
      return { failure: orchestratorNotFoundFailure(instance.name) };
    }
    const payload = orchestratorTriggerPayload({
      history: episode.history,
      input: episode.input,
      instanceId: instance.instanceId,
      parentInstanceId: instance.parentInstanceId,
    });
    const result = await this.#host.invoke(instance.name, { data: { string: JSON.stringify(payload) } });
    if (!result.error) return { state: result.returnValue as OrchestratorState };
    const { errorMessage, state } = readOrchestratorFailure(result.error.message);
    const { failure } = failedOutcome(instance.name, Object.assign(new Error(errorMessage), { stack: '' }));
    if (state) failure!.failureDetails = { ErrorType: 'Error', ErrorMessage: errorMessage };
    return { failure: failure! };
  }

  // ---- activities and timers ---------------------------------------------------------------

  #dispatchActivity(item: WorkItem): void {
    if (this.#stopped || this.#activitiesInFlight.has(item.id)) return;
    this.#activitiesInFlight.add(item.id);
    const run = this.#activityLimiter
      .run(async () => {
        await this.#yieldAfterSlice();
        if (this.#stopped) return false;
        const name = String(item.payload.name);
        const input = (item.payload.input as string | null) ?? 'null';
        let outcome: ActivityOutcome;
        if (!this.#host.functions.has(name)) {
          outcome = { error: new Error(`The activity function '${name}' does not exist.`) };
        } else {
          // The activity trigger's binding data: its instance id (and, through the host, the input's properties).
          const invoked = await this.#host.invoke(name, {
            data: { string: input },
            metadata: { instanceId: { string: item.instanceId } },
          });
          outcome = invoked.error ? { error: invoked.error } : { returnValue: invoked.returnValue };
        }
        if (this.#stopped) return false;
        return this.#instances.recordActivityOutcome(item, outcome);
      })
      // The slot is free again while the outcome waits for its commit with the others of this turn.
      .then(async (recorded) => {
        if (!recorded) return;
        await this.#store.committed();
        if (!this.#stopped) this.#wake(item.instanceId);
      })
      .catch((error: unknown) => {
        if (!this.#stopped) this.#host.log('error', `Activity work item ${item.id} failed: ${String(error)}`);
      })
      .finally(() => this.#activitiesInFlight.delete(item.id));
    this.#track(run);
  }

  /**
   * In-process activities can settle on microtasks alone: without a turn of the event loop now and
   * then, a fan-out would run every activity before a reply, a commit or the next episode gets in.
   * Yielding after every few milliseconds (not after every activity) keeps small activities cheap and
   * lets the outcomes of one slice share a commit and an episode.
   */
  async #yieldAfterSlice(): Promise<void> {
    const now = performance.now();
    if (now - this.#sliceStarted < SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.#sliceStarted = performance.now();
  }

  /** One clock timer for the nearest due durable timer, re-armed whenever timers change. */
  #armTimer(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#stopped) return;
    const due = this.#store.nextTimerDue();
    if (due === undefined) return;
    const delay = Math.min(Math.max(0, due - this.#clock.now()), MAX_TIMEOUT_MS);
    this.#timer = this.#clock.setTimeout(() => this.#fireDueTimers(), delay);
  }

  #fireDueTimers(): void {
    if (this.#stopped) return;
    for (const id of this.#instances.fireDueTimers()) this.#wake(id);
    this.#armTimer();
  }
}
