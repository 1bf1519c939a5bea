// Over 400 lines: the shim that registers orchestrators and the replay class that drives one
// instance share its registry; the class is one instance's test-side view of the engine.
import Module from 'node:module';
import * as df from 'durable-functions';
import { DurableStore } from '../../emulator/durable/durableStore.js';
import { type WorkItem } from '../../emulator/durable/storeRows.js';
import {
  EpisodeRules,
  type OrchestratorOutcome,
  failedOutcome,
} from '../../emulator/durable/episodeRules.js';
import { HistoryEventType, failureDetailsOf, historyEvent } from '../../emulator/durable/historyEvent.js';
import { InstanceRules } from '../../emulator/durable/instanceRules.js';
import {
  ActionType,
  type OrchestratorAction,
  type OrchestratorState,
  flattenActions,
} from '../../emulator/durable/orchestratorAction.js';
import {
  orchestratorTriggerPayload,
  parseJsonText,
  readOrchestratorFailure,
} from '../../emulator/durable/orchestratorTrigger.js';
import { ManualClock } from '../../emulator/shared/clock.js';

/**
 * A small host for orchestrator tests: it runs the real durable-functions replay engine (the handler
 * `df.app.orchestration` registers) on the local durable engine's own rules — task numbering,
 * TaskScheduled/TimerCreated, `callActivityWithRetry` attempts with their retry timers, cancelled
 * timers dropped — over an in-memory store and a ManualClock. The test plays the activities and
 * the timers: each completion, failure, event or timer is delivered in an episode of its own.
 */

/** Re-exported so orchestrator tests read actions with the engine's own table. */
export { ActionType };

/** The orchestrator's reply to one episode, as the host receives it. */
export interface OrchestratorReply {
  isDone: boolean;
  /** True when the orchestrator called continueAsNew: the next generation runs right after. */
  continuedAsNew: boolean;
  /** True when the orchestrator threw: the instance ends Failed with `error`. */
  failed: boolean;
  output: unknown;
  error?: string;
  customStatus: unknown;
  actions: OrchestratorAction[];
}

export interface ScheduledActivity {
  kind: 'activity';
  id: number;
  name: string;
  input: unknown;
  attempt: number;
  state: 'pending' | 'completed' | 'failed';
  retry?: OrchestratorAction['retryOptions'];
  /** The generation (1 for the first; each continueAsNew starts the next) that scheduled it. */
  generation: number;
}
export interface ScheduledTimer {
  kind: 'timer';
  id: number;
  fireAt: Date;
  state: 'pending' | 'fired' | 'canceled';
  /** Set for the delay between attempts of a retried activity. */
  retryOf?: ScheduledActivity;
  generation: number;
}

export interface ScheduledSubOrchestration {
  instanceId: string;
  name: string;
  input: unknown;
  state: 'running' | 'completed' | 'failed';
}

export type OrchestrationHandler = (trigger: unknown, context: unknown) => Promise<unknown>;

/** Function metadata as `@azure/functions` hands it to the host. */
export interface RegisteredFunctionMetadata {
  name: string;
  bindings: Record<string, { type: string; direction: string; [property: string]: unknown }>;
}

const registered = new Map<string, { metadata: RegisteredFunctionMetadata; handler: OrchestrationHandler }>();
let shimInstalled = false;

/**
 * Supplies `@azure/functions-core` (normally provided by the Functions worker) so that registrations
 * reach us: `registerFunction(metadata, handler)` records each handler by function name.
 */
function installFunctionsCoreShim(): void {
  if (shimInstalled) return;
  shimInstalled = true;
  const disposable = { dispose: () => undefined };
  const core = {
    version: '4.0.0-test',
    hostVersion: '4.0.0-test',
    registerFunction(metadata: RegisteredFunctionMetadata, handler: OrchestrationHandler) {
      registered.set(metadata.name, { metadata, handler });
      return disposable;
    },
    registerHook: () => disposable,
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    log: () => undefined,
    Disposable: class {
      dispose(): void {}
    },
  };
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = loader._load;
  loader._load = function (request: string, ...rest: unknown[]) {
    if (request === '@azure/functions-core') return core;
    return load.call(this, request, ...rest);
  };
}

/** Imports a registration module and returns the handler it registered under `functionName`. */
export async function loadRegisteredHandler(
  importRegistration: () => Promise<unknown>,
  functionName: string,
): Promise<OrchestrationHandler> {
  return (await loadRegisteredFunction(importRegistration, functionName)).handler;
}

/** Imports a registration module and returns what it registered under `functionName`. */
export async function loadRegisteredFunction(
  importRegistration: () => Promise<unknown>,
  functionName: string,
): Promise<{ metadata: RegisteredFunctionMetadata; handler: OrchestrationHandler }> {
  installFunctionsCoreShim();
  await importRegistration();
  const found = registered.get(functionName);
  if (!found)
    throw new Error(
      `No function "${functionName}" was registered; was @azure/functions loaded before the shim was installed?`,
    );
  return found;
}

/** Activity inputs arrive JSON-encoded from the library; tests compare them as values. */
function decodeInput(input: unknown): unknown {
  return typeof input === 'string' ? parseJsonText(input) : input;
}

export class OrchestratorReplay {
  /** Every reply, oldest first. */
  readonly replies: OrchestratorReply[] = [];
  /** Tasks by task id, in the order the engine numbered them. */
  readonly scheduled: (ScheduledActivity | ScheduledTimer)[] = [];
  readonly logs: string[] = [];
  /** The current generation: 1, then one more after each continueAsNew. */
  generation = 1;
  /** Inputs each generation started with, oldest first. */
  readonly generationInputs: unknown[] = [];
  /**
   * When true, events still in the inbox when an episode continues as new are dropped, as a backend
   * that loses events raised during a continue-as-new would (the local engine keeps them).
   */
  dropEventsOnContinue = false;
  #raiseDuringNextEpisode: { name: string; payload: unknown }[] = [];
  readonly #clock: ManualClock;
  readonly #store = new DurableStore(':memory:', 'OrchestratorReplay');
  readonly #instances: InstanceRules;
  readonly #episodes: EpisodeRules;
  readonly #subOrchestrationStates = new Map<string, 'completed' | 'failed'>();

  private constructor(
    private readonly handler: OrchestrationHandler,
    readonly instanceId: string,
    private readonly name: string,
    start: Date,
  ) {
    this.#clock = new ManualClock(start.getTime());
    this.#instances = new InstanceRules(this.#store, this.#clock, () => true);
    this.#episodes = new EpisodeRules(this.#store, this.#instances, this.#clock, () => true);
  }

  /** Starts an instance: ExecutionStarted, then the first episode. */
  static async start(
    handler: OrchestrationHandler,
    options: { instanceId: string; input: unknown; start?: Date; name?: string },
  ): Promise<OrchestratorReplay> {
    const replay = new OrchestratorReplay(
      handler,
      options.instanceId,
      options.name ?? 'orchestrator',
      options.start ?? new Date('2026-01-01T00:00:00Z'),
    );
    replay.#instances.start(replay.name, options.instanceId, JSON.stringify(options.input));
    await replay.runEpisode();
    return replay;
  }

  /** The time of the instance's clock: an episode's currentUtcDateTime. */
  get now(): Date {
    return new Date(this.#clock.now());
  }

  get reply(): OrchestratorReply {
    const last = this.replies.at(-1);
    if (!last) throw new Error('The orchestrator has not run yet.');
    return last;
  }

  get customStatus(): unknown {
    return this.reply.customStatus;
  }

  activities(name?: string): ScheduledActivity[] {
    return this.scheduled.filter(
      (t): t is ScheduledActivity => t.kind === 'activity' && (name === undefined || t.name === name),
    );
  }

  timers(): ScheduledTimer[] {
    return this.scheduled.filter((t): t is ScheduledTimer => t.kind === 'timer');
  }

  pendingActivities(name?: string): ScheduledActivity[] {
    return this.activities(name).filter((a) => a.state === 'pending');
  }

  pendingTimers(): ScheduledTimer[] {
    return this.timers().filter((t) => t.state === 'pending');
  }

  /** Completes the one pending attempt of activity `name` with `result`. */
  async completeActivity(name: string, result: unknown): Promise<OrchestratorReply> {
    const activity = this.onlyPending(name);
    activity.state = 'completed';
    this.#instances.recordActivityOutcome(this.workOf(activity), { returnValue: result ?? null });
    return this.runEpisode();
  }

  /**
   * Fails the pending attempt of activity `name` the way the extension reports a thrown error. For
   * `callActivityWithRetry` the retry delay timer is created and fired, and the next attempt scheduled.
   */
  async failActivity(name: string, message: string, errorType?: string): Promise<OrchestratorReply> {
    const activity = this.onlyPending(name);
    activity.state = 'failed';
    // Reason and Details without FailureDetails, as hosts that predate FailureDetails send it: the
    // library then surfaces the Reason text itself (with FailureDetails it prefixes the error type).
    // Given an error type, FailureDetails too, exactly as the local engine records a thrown error.
    const thrown = errorType ? Object.assign(new Error(message), { name: errorType }) : undefined;
    const item = this.workOf(activity);
    this.#store.transaction(() => {
      this.#store.takeWork(item.id);
      this.#store.addToInbox(
        this.instanceId,
        historyEvent(
          HistoryEventType.TaskFailed,
          {
            TaskScheduledId: activity.id,
            Reason: `Activity function '${name}' failed: ${message}`,
            Details: `Error: ${message}\n    at activity (${name}.js:1:1)`,
            ...(thrown ? { FailureDetails: failureDetailsOf(thrown) } : {}),
          },
          -1,
          this.now,
        ),
      );
    });
    await this.runEpisode();
    const retryTimer = this.pendingTimers().find((t) => t.retryOf === activity);
    return retryTimer ? this.fireTimer(retryTimer) : this.reply;
  }

  /** Fires a pending timer (the earliest when none is given), moving the clock to its time. */
  async fireTimer(timer?: ScheduledTimer): Promise<OrchestratorReply> {
    const target =
      timer ?? [...this.pendingTimers()].sort((a, b) => a.fireAt.getTime() - b.fireAt.getTime())[0];
    if (!target || target.state !== 'pending')
      throw new Error(`No pending timer to fire (state: ${target?.state ?? 'none'}).`);
    target.state = 'fired';
    const ahead = target.fireAt.getTime() - this.#clock.now();
    if (ahead > 0) this.#clock.advance(ahead);
    if (!this.#instances.fireTimer(this.workOf(target))) throw new Error('The timer was no longer pending.');
    return this.runEpisode();
  }

  /** Raises an external event, as the durable client's raiseEvent does. */
  async raiseEvent(name: string, payload: unknown): Promise<OrchestratorReply> {
    this.#instances.raiseEvent(this.instanceId, name, JSON.stringify(payload));
    return this.runEpisode();
  }

  /**
   * The sub-orchestrations the orchestrator has started, in the order it started them, with how each
   * stands: running until the test completes or fails it.
   */
  subOrchestrations(): ScheduledSubOrchestration[] {
    const started = this.replies.length > 0 ? this.reply.actions : [];
    return started
      .filter(
        (a) =>
          a.actionType === ActionType.CallSubOrchestrator ||
          a.actionType === ActionType.CallSubOrchestratorWithRetry,
      )
      .map((a) => {
        const instanceId = String(a.instanceId);
        return {
          instanceId,
          name: String(a.functionName),
          input: decodeInput(a.input),
          state: this.#subOrchestrationStates.get(instanceId) ?? 'running',
        };
      });
  }

  /** Ends a running sub-orchestration with `output`, as its instance completing does. */
  async completeSubOrchestration(instanceId: string, output: unknown): Promise<OrchestratorReply> {
    return this.endSubOrchestration(instanceId, 'completed', (taskId) =>
      historyEvent(
        HistoryEventType.SubOrchestrationInstanceCompleted,
        { TaskScheduledId: taskId, Result: JSON.stringify(output ?? null) },
        -1,
        this.now,
      ),
    );
  }

  /** Fails a running sub-orchestration with `message`, as its instance failing (e.g. a thrown JobFailedError) does. */
  async failSubOrchestration(instanceId: string, message: string): Promise<OrchestratorReply> {
    const thrown = Object.assign(new Error(message), { name: 'Error' });
    return this.endSubOrchestration(instanceId, 'failed', (taskId) =>
      historyEvent(
        HistoryEventType.SubOrchestrationInstanceFailed,
        { TaskScheduledId: taskId, Reason: message, Details: '', FailureDetails: failureDetailsOf(thrown) },
        -1,
        this.now,
      ),
    );
  }

  private async endSubOrchestration(
    instanceId: string,
    state: 'completed' | 'failed',
    event: (taskId: number) => ReturnType<typeof historyEvent>,
  ): Promise<OrchestratorReply> {
    const child = this.#store.getInstance(instanceId);
    if (!child || child.parentTaskId === null || this.#subOrchestrationStates.has(instanceId))
      throw new Error(`No running sub-orchestration ${instanceId}.`);
    this.#subOrchestrationStates.set(instanceId, state);
    const taskId = child.parentTaskId;
    this.#store.transaction(() => this.#store.addToInbox(this.instanceId, event(taskId)));
    return this.runEpisode();
  }

  /**
   * Raises an event while the next episode runs (after its batch was taken): the event waits in the
   * inbox for a later episode, or is dropped when that episode continues as new and
   * `dropEventsOnContinue` is set.
   */
  raiseDuringNextEpisode(name: string, payload: unknown): void {
    this.#raiseDuringNextEpisode.push({ name, payload });
  }

  /** How many events the instance's stored history (of its current generation) holds. */
  historyLength(): number {
    return this.#store.getHistory(this.instanceId).length;
  }

  /** Lets the clock pass without an event (e.g. to check nothing happens early). */
  advanceClock(ms: number): void {
    this.#clock.advance(ms);
  }

  private onlyPending(name: string): ScheduledActivity {
    const pending = this.pendingActivities(name);
    if (pending.length !== 1)
      throw new Error(
        `Expected one pending "${name}" activity, found ${pending.length}. Pending: ${
          this.pendingActivities()
            .map((a) => a.name)
            .join(', ') || 'none'
        }.`,
      );
    return pending[0] as ScheduledActivity;
  }

  private workOf(task: ScheduledActivity | ScheduledTimer): WorkItem {
    const kind = task.kind === 'activity' ? 'activity' : 'timer';
    const item = this.#store
      .workOfKind(kind)
      .find((w) => w.instanceId === this.instanceId && w.taskId === task.id);
    if (!item) throw new Error(`The engine has no pending ${kind} with task id ${task.id}.`);
    return item;
  }

  private async runEpisode(): Promise<OrchestratorReply> {
    const previous = this.replies.at(-1);
    if ((previous?.isDone && !previous.continuedAsNew) || previous?.failed)
      throw new Error('The orchestration has already finished.');
    const episode = this.#episodes.begin(this.instanceId);
    if (!episode) throw new Error('The engine has nothing to deliver to the orchestrator.');
    if (episode.batch.some((m) => m.event.EventType === HistoryEventType.ExecutionStarted))
      this.generationInputs.push(episode.input);
    for (const raised of this.#raiseDuringNextEpisode.splice(0))
      this.#instances.raiseEvent(this.instanceId, raised.name, JSON.stringify(raised.payload));
    const trigger = JSON.parse(
      JSON.stringify(
        orchestratorTriggerPayload({
          history: episode.history,
          input: episode.input,
          instanceId: this.instanceId,
          parentInstanceId: null,
          isReplaying: episode.history.some((e) => e.IsPlayed),
        }),
      ),
    );
    const context = new df.DummyOrchestrationContext(
      this.name,
      `episode-${this.replies.length}`,
      (_level, ...args) => this.logs.push(args.map(String).join(' ')),
    );
    let state: OrchestratorState;
    let outcome: OrchestratorOutcome;
    let failed = false;
    try {
      state = JSON.parse(JSON.stringify(await this.handler(trigger, context))) as OrchestratorState;
      outcome = { state };
    } catch (error) {
      const failure = readOrchestratorFailure(error instanceof Error ? error.message : String(error));
      if (!failure.state) throw error;
      state = failure.state;
      failed = true;
      outcome = { failure: failedOutcome(this.name, new Error(failure.errorMessage)).failure! };
    }
    const actions = flattenActions(state.actions ?? []);
    const reply: OrchestratorReply = {
      isDone: state.isDone,
      continuedAsNew: !failed && state.isDone && actions.at(-1)?.actionType === ActionType.ContinueAsNew,
      failed,
      output: state.output,
      error: state.error,
      customStatus: state.customStatus,
      actions,
    };
    this.replies.push(reply);
    const result = this.#episodes.complete(episode, outcome);
    if (reply.continuedAsNew) {
      // The engine dropped the old generation's work; its next generation starts now.
      for (const timer of this.pendingTimers()) timer.state = 'canceled';
      this.generation++;
      if (this.dropEventsOnContinue) {
        const inbox = this.#store.getInbox(this.instanceId);
        const events = inbox.filter((m) => m.event.EventType === HistoryEventType.EventRaised);
        this.#store.removeFromInbox(events.map((m) => m.id));
      }
      return this.runEpisode();
    }
    this.trackScheduledWork(result.activities);
    return reply;
  }

  /** Mirrors the engine's new work and dropped timers into `scheduled`, the tests' view of it. */
  private trackScheduledWork(newActivities: WorkItem[]): void {
    const engineState = this.#store.getInstance(this.instanceId)?.engineState;
    const known = new Map(
      this.scheduled.filter((t) => t.generation === this.generation).map((t) => [t.id, t]),
    );
    for (const item of newActivities) {
      const group = Object.values(engineState?.retries ?? {}).find((g) => g.currentTaskId === item.taskId);
      const activity: ScheduledActivity = {
        kind: 'activity',
        id: item.taskId,
        name: String(item.payload.name),
        input: decodeInput(item.payload.input),
        attempt: group?.attempt ?? 1,
        state: 'pending',
        ...(group ? { retry: group.options } : {}),
        generation: this.generation,
      };
      this.scheduled.push(activity);
    }
    const pendingTimers = this.#store.workOfKind('timer').filter((w) => w.instanceId === this.instanceId);
    for (const item of pendingTimers) {
      if (known.has(item.taskId)) continue;
      const owner = engineState?.retryTaskOwner[String(item.taskId)];
      const ownerGroup = owner === undefined ? undefined : engineState?.retries[String(owner)];
      const retryOf = ownerGroup
        ? this.activities().find((a) => a.id === ownerGroup.currentTaskId && a.generation === this.generation)
        : undefined;
      this.scheduled.push({
        kind: 'timer',
        id: item.taskId,
        fireAt: new Date(item.dueAt),
        state: 'pending',
        ...(retryOf ? { retryOf } : {}),
        generation: this.generation,
      });
    }
    const stillPending = new Set(pendingTimers.map((w) => w.taskId));
    for (const timer of this.pendingTimers()) if (!stillPending.has(timer.id)) timer.state = 'canceled';
  }
}
