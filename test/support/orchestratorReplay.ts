import Module from 'node:module';
import * as df from 'durable-functions';

/**
 * A small host for orchestrator tests: it feeds synthetic histories through the real durable-functions
 * replay engine (the handler `df.app.orchestration` registers) and plays the Durable extension's part —
 * numbering tasks in the order first yielded, recording TaskScheduled/TimerCreated, retrying
 * `callActivityWithRetry` attempts with their retry timers, and never firing cancelled timers.
 * One new event per episode keeps the host's numbering in step with the library's.
 */

/** History event type numbers of the Durable Task Framework. */
export const EventType = {
  ExecutionStarted: 0,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventRaised: 15,
} as const;

/** Action type numbers in the orchestrator's reply. */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  WhenAny: 11,
  WhenAll: 12,
} as const;
const ID_TAKING_ACTIONS = new Set<number>([0, 1, 2, 3, 5, 7, 8]);

type HistoryEvent = { EventType: number; EventId: number; Timestamp: string; IsPlayed: boolean } & Record<
  string,
  unknown
>;

interface ReplyAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  retryOptions?: {
    firstRetryIntervalInMilliseconds: number;
    maxNumberOfAttempts: number;
    backoffCoefficient?: number;
    maxRetryIntervalInMilliseconds?: number;
  };
  compoundActions?: ReplyAction[];
}

/** The orchestrator's reply to one episode, as the host receives it. */
export interface OrchestratorReply {
  isDone: boolean;
  /** True when the orchestrator threw: the instance ends Failed with `error`. */
  failed: boolean;
  output: unknown;
  error?: string;
  customStatus: unknown;
  actions: ReplyAction[];
}

export interface ScheduledActivity {
  kind: 'activity';
  id: number;
  name: string;
  input: unknown;
  attempt: number;
  state: 'pending' | 'completed' | 'failed';
  retry?: ReplyAction['retryOptions'];
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

function flatten(actions: ReplyAction[], into: ReplyAction[] = []): ReplyAction[] {
  for (const action of actions) {
    if (action.compoundActions) flatten(action.compoundActions, into);
    else into.push(action);
  }
  return into;
}

function decodeInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
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
    replay.append(EventType.ExecutionStarted, {
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
    this.append(EventType.TaskCompleted, {
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
    this.append(EventType.TaskFailed, {
      TaskScheduledId: activity.id,
      Reason: `Activity function '${name}' failed: ${message}`,
      Details: `Error: ${message}\n    at activity (${name}.js:1:1)`,
    });
    if (!activity.retry) return this.runEpisode();

    const {
      firstRetryIntervalInMilliseconds,
      backoffCoefficient = 1,
      maxRetryIntervalInMilliseconds,
    } = activity.retry;
    let delay = firstRetryIntervalInMilliseconds * backoffCoefficient ** (activity.attempt - 1);
    if (maxRetryIntervalInMilliseconds) delay = Math.min(delay, maxRetryIntervalInMilliseconds);
    const timer: ScheduledTimer = {
      kind: 'timer',
      id: this.nextId++,
      fireAt: new Date(this.now.getTime() + delay),
      state: 'pending',
      retryOf: activity,
    };
    this.scheduled.push(timer);
    this.append(EventType.TimerCreated, { FireAt: timer.fireAt.toISOString() }, timer.id);
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
    this.append(EventType.TimerFired, { TimerId: target.id, FireAt: target.fireAt.toISOString() });
    const retried = target.retryOf;
    if (retried?.retry && retried.attempt < retried.retry.maxNumberOfAttempts) {
      const next: ScheduledActivity = {
        ...retried,
        id: this.nextId++,
        attempt: retried.attempt + 1,
        state: 'pending',
      };
      this.scheduled.push(next);
      this.append(EventType.TaskScheduled, { Name: next.name, Input: JSON.stringify(next.input) }, next.id);
    }
    return this.runEpisode();
  }

  /** Raises an external event, as the durable client's raiseEvent does. */
  async raiseEvent(name: string, payload: unknown): Promise<OrchestratorReply> {
    this.append(EventType.EventRaised, { Name: name, Input: JSON.stringify(payload) });
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

  private append(type: number, fields: Record<string, unknown>, eventId = -1): void {
    this.newEvents.push({
      EventType: type,
      EventId: eventId,
      Timestamp: this.now.toISOString(),
      IsPlayed: false,
      ...fields,
    });
  }

  private async runEpisode(): Promise<OrchestratorReply> {
    if (this.replies.at(-1)?.isDone || this.replies.at(-1)?.failed)
      throw new Error('The orchestration has already finished.');
    for (const event of this.history) event.IsPlayed = true;
    this.history.push(
      {
        EventType: EventType.OrchestratorStarted,
        EventId: -1,
        Timestamp: this.now.toISOString(),
        IsPlayed: false,
      },
      ...this.newEvents,
    );
    this.newEvents = [];

    const trigger = JSON.parse(
      JSON.stringify({
        history: this.history,
        input: this.input,
        instanceId: this.instanceId,
        isReplaying: this.history.some((e) => e.IsPlayed),
        parentInstanceId: null,
        upperSchemaVersion: 1,
        upperSchemaVersionNew: 2,
        longRunningTimerIntervalDuration: '3.00:00:00',
        maximumShortTimerDuration: '6.00:00:00',
        defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
      }),
    );
    const context = new df.DummyOrchestrationContext(
      'orchestrator',
      `episode-${this.replies.length}`,
      (_level, ...args) => this.logs.push(args.map(String).join(' ')),
    );
    let state: Omit<OrchestratorReply, 'failed'>;
    let failed = false;
    try {
      state = JSON.parse(JSON.stringify(await this.handler(trigger, context)));
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      const marker = text.indexOf('$OutOfProcData$:');
      if (marker < 0) throw error;
      state = JSON.parse(text.slice(marker + '$OutOfProcData$:'.length));
      failed = true;
    }
    const reply: OrchestratorReply = {
      isDone: state.isDone,
      failed,
      output: state.output,
      error: state.error,
      customStatus: state.customStatus,
      actions: flatten((state.actions as unknown as ReplyAction[][]).flat()),
    };
    this.replies.push(reply);
    this.scheduleNewActions(reply.actions);
    this.history.push({
      EventType: EventType.OrchestratorCompleted,
      EventId: -1,
      Timestamp: this.now.toISOString(),
      IsPlayed: false,
    });
    return reply;
  }

  private scheduleNewActions(actions: ReplyAction[]): void {
    const idTaking = actions.filter((a) => ID_TAKING_ACTIONS.has(a.actionType));
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
        this.history.push({
          EventType: EventType.TimerCreated,
          EventId: id,
          Timestamp: this.now.toISOString(),
          IsPlayed: false,
          FireAt: fireAt.toISOString(),
        });
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
        this.history.push({
          EventType: EventType.TaskScheduled,
          EventId: id,
          Timestamp: this.now.toISOString(),
          IsPlayed: false,
          Name: action.functionName,
          Input: JSON.stringify(input ?? null),
        });
      } else {
        throw new Error(`This test host does not support action type ${action.actionType}.`);
      }
    });
  }
}
