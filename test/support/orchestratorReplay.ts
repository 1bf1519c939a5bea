import Module from 'node:module';
import * as df from 'durable-functions';
import {
  type HistoryEvent,
  type HistoryEventTypeNumber,
  HistoryEventType,
  historyEvent,
} from '../../emulator/durable/historyEvent.js';
import {
  ActionType,
  type OrchestratorAction,
  type OrchestratorState,
  flattenActions,
  retryDelayMs,
  takesTaskId,
} from '../../emulator/durable/orchestratorAction.js';
import {
  orchestratorTriggerPayload,
  parseJsonText,
  readOrchestratorFailure,
} from '../../emulator/durable/orchestratorTrigger.js';

/**
 * A small host for orchestrator tests: it feeds synthetic histories through the real durable-functions
 * replay engine (the handler `df.app.orchestration` registers) and plays the Durable extension's part —
 * numbering tasks in the order first yielded, recording TaskScheduled/TimerCreated, retrying
 * `callActivityWithRetry` attempts with their retry timers, and never firing cancelled timers.
 * One new event per episode keeps the host's numbering in step with the library's. Histories, actions,
 * retry delays and the trigger payload use the local durable engine's own vocabulary modules.
 */

/** Re-exported so orchestrator tests read actions with the engine's own table. */
export { ActionType };

/** The orchestrator's reply to one episode, as the host receives it. */
export interface OrchestratorReply {
  isDone: boolean;
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
}
export interface ScheduledTimer {
  kind: 'timer';
  id: number;
  fireAt: Date;
  state: 'pending' | 'fired' | 'canceled';
  /** Set for the delay between attempts of a retried activity. */
  retryOf?: ScheduledActivity;
}

type OrchestrationHandler = (trigger: unknown, context: unknown) => Promise<unknown>;

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
  readonly history: HistoryEvent[] = [];
  /** Every reply, oldest first. */
  readonly replies: OrchestratorReply[] = [];
  /** Tasks by host id, in the order the host numbered them. */
  readonly scheduled: (ScheduledActivity | ScheduledTimer)[] = [];
  readonly logs: string[] = [];
  now: Date;
  private nextId = 0;
  /** Host id of each id-taking action in the reply's flattened action list. */
  private readonly actionIds: number[] = [];
  private newEvents: HistoryEvent[] = [];

  private constructor(
    private readonly handler: OrchestrationHandler,
    readonly instanceId: string,
    private readonly input: unknown,
    start: Date,
  ) {
    this.now = start;
  }

  /** Starts an instance: ExecutionStarted, then the first episode. */
  static async start(
    handler: OrchestrationHandler,
    options: { instanceId: string; input: unknown; start?: Date; name?: string },
  ): Promise<OrchestratorReplay> {
    const replay = new OrchestratorReplay(
      handler,
      options.instanceId,
      options.input,
      options.start ?? new Date('2026-01-01T00:00:00Z'),
    );
    replay.append(HistoryEventType.ExecutionStarted, {
      Name: options.name ?? 'orchestrator',
      Input: JSON.stringify(options.input),
    });
    await replay.runEpisode();
    return replay;
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
    this.append(HistoryEventType.TaskCompleted, {
      TaskScheduledId: activity.id,
      Result: JSON.stringify(result ?? null),
    });
    return this.runEpisode();
  }

  /**
   * Fails the pending attempt of activity `name` the way the extension reports a thrown error. For
   * `callActivityWithRetry` the retry delay timer is created and fired, and the next attempt scheduled.
   */
  async failActivity(name: string, message: string): Promise<OrchestratorReply> {
    const activity = this.onlyPending(name);
    activity.state = 'failed';
    this.append(HistoryEventType.TaskFailed, {
      TaskScheduledId: activity.id,
      Reason: `Activity function '${name}' failed: ${message}`,
      Details: `Error: ${message}\n    at activity (${name}.js:1:1)`,
    });
    if (!activity.retry) return this.runEpisode();

    const delay = retryDelayMs(activity.retry, activity.attempt);
    const timer: ScheduledTimer = {
      kind: 'timer',
      id: this.nextId++,
      fireAt: new Date(this.now.getTime() + delay),
      state: 'pending',
      retryOf: activity,
    };
    this.scheduled.push(timer);
    this.append(HistoryEventType.TimerCreated, { FireAt: timer.fireAt.toISOString() }, timer.id);
    await this.runEpisode();
    return this.fireTimer(timer);
  }

  /** Fires a pending timer (the earliest when none is given), moving the clock to its time. */
  async fireTimer(timer?: ScheduledTimer): Promise<OrchestratorReply> {
    const target =
      timer ?? [...this.pendingTimers()].sort((a, b) => a.fireAt.getTime() - b.fireAt.getTime())[0];
    if (!target || target.state !== 'pending')
      throw new Error(`No pending timer to fire (state: ${target?.state ?? 'none'}).`);
    target.state = 'fired';
    if (target.fireAt > this.now) this.now = target.fireAt;
    this.append(HistoryEventType.TimerFired, { TimerId: target.id, FireAt: target.fireAt.toISOString() });
    const retried = target.retryOf;
    if (retried?.retry && retried.attempt < retried.retry.maxNumberOfAttempts) {
      const next: ScheduledActivity = {
        ...retried,
        id: this.nextId++,
        attempt: retried.attempt + 1,
        state: 'pending',
      };
      this.scheduled.push(next);
      this.append(
        HistoryEventType.TaskScheduled,
        { Name: next.name, Input: JSON.stringify(next.input) },
        next.id,
      );
    }
    return this.runEpisode();
  }

  /** Raises an external event, as the durable client's raiseEvent does. */
  async raiseEvent(name: string, payload: unknown): Promise<OrchestratorReply> {
    this.append(HistoryEventType.EventRaised, { Name: name, Input: JSON.stringify(payload) });
    return this.runEpisode();
  }

  /** Lets the clock pass without an event (e.g. to check nothing happens early). */
  advanceClock(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
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

  private append(type: HistoryEventTypeNumber, fields: Record<string, unknown>, eventId = -1): void {
    this.newEvents.push(this.event(type, fields, eventId));
  }

  private event(
    type: HistoryEventTypeNumber,
    fields: Record<string, unknown> = {},
    eventId = -1,
  ): HistoryEvent {
    return { ...historyEvent(type, fields, eventId, this.now), IsPlayed: false };
  }

  private async runEpisode(): Promise<OrchestratorReply> {
    if (this.replies.at(-1)?.isDone || this.replies.at(-1)?.failed)
      throw new Error('The orchestration has already finished.');
    for (const event of this.history) event.IsPlayed = true;
    this.history.push(this.event(HistoryEventType.OrchestratorStarted), ...this.newEvents);
    this.newEvents = [];

    const trigger = JSON.parse(
      JSON.stringify(
        orchestratorTriggerPayload({
          history: this.history,
          input: this.input,
          instanceId: this.instanceId,
          parentInstanceId: null,
          isReplaying: this.history.some((e) => e.IsPlayed),
        }),
      ),
    );
    const context = new df.DummyOrchestrationContext(
      'orchestrator',
      `episode-${this.replies.length}`,
      (_level, ...args) => this.logs.push(args.map(String).join(' ')),
    );
    let state: OrchestratorState;
    let failed = false;
    try {
      state = JSON.parse(JSON.stringify(await this.handler(trigger, context))) as OrchestratorState;
    } catch (error) {
      const failure = readOrchestratorFailure(error instanceof Error ? error.message : String(error));
      if (!failure.state) throw error;
      state = failure.state;
      failed = true;
    }
    const reply: OrchestratorReply = {
      isDone: state.isDone,
      failed,
      output: state.output,
      error: state.error,
      customStatus: state.customStatus,
      actions: flattenActions(state.actions ?? []),
    };
    this.replies.push(reply);
    this.scheduleNewActions(reply.actions);
    this.history.push(this.event(HistoryEventType.OrchestratorCompleted));
    return reply;
  }

  private scheduleNewActions(actions: OrchestratorAction[]): void {
    const idTaking = actions.filter(takesTaskId);
    idTaking.forEach((action, index) => {
      const knownId = this.actionIds[index];
      if (knownId !== undefined) {
        const timer = this.scheduled.find((t) => t.id === knownId);
        if (timer?.kind === 'timer' && action.isCanceled && timer.state === 'pending')
          timer.state = 'canceled';
        return;
      }
      const id = this.nextId++;
      this.actionIds[index] = id;
      if (action.actionType === ActionType.CreateTimer) {
        const fireAt = new Date(action.fireAt as string);
        this.scheduled.push({ kind: 'timer', id, fireAt, state: action.isCanceled ? 'canceled' : 'pending' });
        this.history.push(this.event(HistoryEventType.TimerCreated, { FireAt: fireAt.toISOString() }, id));
      } else if (
        action.actionType === ActionType.CallActivity ||
        action.actionType === ActionType.CallActivityWithRetry
      ) {
        const input = decodeInput(action.input);
        this.scheduled.push({
          kind: 'activity',
          id,
          name: action.functionName as string,
          input,
          attempt: 1,
          state: 'pending',
          ...(action.retryOptions ? { retry: action.retryOptions } : {}),
        });
        this.history.push(
          this.event(
            HistoryEventType.TaskScheduled,
            { Name: action.functionName, Input: JSON.stringify(input ?? null) },
            id,
          ),
        );
      } else {
        throw new Error(`This test host does not support action type ${action.actionType}.`);
      }
    });
  }
}
