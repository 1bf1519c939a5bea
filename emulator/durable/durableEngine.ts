import { randomUUID } from 'node:crypto';
import type { FunctionHost } from '../host/extension.js';
import { AsyncLimiter } from './asyncLimiter.js';
import {
  BadDurableRequestError,
  InstanceAlreadyExistsError,
  InstanceAlreadyFinishedError,
  InstanceNotFoundError,
  NonDeterministicOrchestrationError,
  NotSupportedLocallyError,
  OrchestratorNotFoundError,
} from './durableErrors.js';
import type { DurableSettings } from './durableSettings.js';
import {
  type DurableStore,
  type EngineState,
  type InstanceFilter,
  type InstanceRow,
  type WorkItem,
  emptyEngineState,
  isTerminal,
} from './durableStore.js';
import {
  type FailureDetails,
  type HistoryEvent,
  HistoryEventType,
  failureDetailsOf,
  historyEvent,
  toJsonText,
} from './historyEvent.js';
import {
  ActionType,
  type OrchestratorAction,
  type OrchestratorState,
  flattenActions,
  retryDelayMs,
  takesTaskId,
} from './orchestratorAction.js';

const OUT_OF_PROC_DATA_LABEL = '$OutOfProcData$:';
/** Larger than any timer an app will ask for, so the library never splits timers into sub-timers. */
const MAXIMUM_SHORT_TIMER_DURATION = '36500.00:00:00';
const MAX_SET_TIMEOUT_MS = 2 ** 31 - 1;

/** The part of the Functions host the engine needs. */
export type EngineHost = Pick<FunctionHost, 'functions' | 'invoke' | 'log'>;

interface EpisodeWork {
  activities: WorkItem[];
  timersChanged: boolean;
  wake: Set<string>;
}

interface TerminalOutcome {
  status: 'Completed' | 'Failed';
  output: string | null;
  failure?: { reason: string; details: string; failureDetails: FailureDetails };
}

function leafKey(action: OrchestratorAction): string {
  return `${action.actionType}:${action.functionName ?? action.externalEventName ?? ''}`;
}

/** Inputs that the library already JSON-encoded (strings) travel as they are; others are encoded here. */
function encodedInput(input: unknown): string | null {
  return typeof input === 'string' ? input : toJsonText(input);
}

function parseJsonText(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Runs orchestrations through the app's real orchestrator functions: each episode replays the
 * recorded history plus newly arrived events, and turns the returned actions into history and work.
 */
export class DurableEngine {
  readonly #store: DurableStore;
  readonly #host: EngineHost;
  readonly #orchestratorLimiter: AsyncLimiter;
  readonly #activityLimiter: AsyncLimiter;
  readonly #running = new Set<string>();
  readonly #rerun = new Set<string>();
  readonly #activitiesInFlight = new Set<number>();
  readonly #pending = new Set<Promise<unknown>>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;

  constructor(store: DurableStore, host: EngineHost, settings: DurableSettings) {
    this.#store = store;
    this.#host = host;
    this.#orchestratorLimiter = new AsyncLimiter(settings.maxConcurrentOrchestratorFunctions);
    this.#activityLimiter = new AsyncLimiter(settings.maxConcurrentActivityFunctions);
  }

  get store(): DurableStore {
    return this.#store;
  }

  /** Resumes everything persisted: pending episodes, activities (run again) and timers. */
  start(): void {
    this.#stopped = false;
    for (const instanceId of this.#store.instanceIdsWithPendingInbox()) this.#wake(instanceId);
    for (const item of this.#store.workOfKind('activity')) this.#dispatchActivity(item);
    this.#armTimer();
  }

  /** Stops dispatching; waits (bounded) for running episodes and activities. Unfinished work stays persisted. */
  async stop(graceMs = 5_000): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#pending]),
      new Promise((resolve) => (timeout = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timeout);
  }

  // ---- client operations -------------------------------------------------------------------

  startNew(name: string, instanceId: string | undefined, inputText: string | null): InstanceRow {
    const fn = this.#host.functions.get(name);
    if (!fn || fn.trigger.type !== 'orchestrationTrigger') throw new OrchestratorNotFoundError(name);
    const id = instanceId ?? randomUUID().replace(/-/g, '');
    if (!/^[^/\\#?\s]{1,256}$/.test(id)) {
      throw new BadDurableRequestError(
        'Instance ids must be 1-256 characters without /, \\, #, ? or spaces.',
      );
    }
    const row = this.#store.transaction(() => this.#createInstance(name, id, inputText, null, null));
    this.#wake(id);
    return row;
  }

  raiseEvent(instanceId: string, eventName: string, inputText: string | null): void {
    this.#requireActive(instanceId);
    this.#store.addToInbox(
      instanceId,
      historyEvent(HistoryEventType.EventRaised, { Name: eventName, Input: inputText }),
    );
    this.#wake(instanceId);
  }

  terminate(instanceId: string, reason: string): void {
    const wake = new Set<string>();
    this.#store.transaction(() => {
      const instance = this.#requireActive(instanceId);
      this.#store.appendHistory(instanceId, [
        historyEvent(HistoryEventType.ExecutionTerminated, { Input: reason }),
      ]);
      const output = JSON.stringify(reason);
      this.#finishInstance(instance, 'Terminated', output, wake, {
        reason: `Orchestration was terminated: ${reason}`,
        details: '',
        failureDetails: { ErrorType: 'TerminatedError', ErrorMessage: reason },
      });
    });
    for (const id of wake) this.#wake(id);
  }

  suspend(instanceId: string, reason: string): void {
    this.#store.transaction(() => {
      const instance = this.#requireActive(instanceId);
      if (instance.runtimeStatus === 'Suspended') return;
      this.#store.appendHistory(instanceId, [
        historyEvent(HistoryEventType.ExecutionSuspended, { Reason: reason }),
      ]);
      this.#store.updateInstance({ ...instance, runtimeStatus: 'Suspended', updatedAt: Date.now() });
    });
  }

  resume(instanceId: string, reason: string): void {
    this.#store.transaction(() => {
      const instance = this.#requireActive(instanceId);
      if (instance.runtimeStatus !== 'Suspended') return;
      this.#store.appendHistory(instanceId, [
        historyEvent(HistoryEventType.ExecutionResumed, { Reason: reason }),
      ]);
      const started = this.#store
        .getHistory(instanceId)
        .some((e) => e.EventType === HistoryEventType.ExecutionStarted);
      this.#store.updateInstance({
        ...instance,
        runtimeStatus: started ? 'Running' : 'Pending',
        updatedAt: Date.now(),
      });
    });
    this.#wake(instanceId);
  }

  rewind(instanceId: string): never {
    this.#requireInstance(instanceId);
    throw new NotSupportedLocallyError('Rewinding a failed orchestration');
  }

  /** Starts the same orchestrator with the same input; returns the new instance id. */
  restart(instanceId: string, withNewInstanceId: boolean): string {
    const instance = this.#requireInstance(instanceId);
    if (withNewInstanceId) return this.startNew(instance.name, undefined, instance.input).instanceId;
    if (!isTerminal(instance.runtimeStatus)) {
      throw new InstanceAlreadyExistsError(instanceId, instance.runtimeStatus);
    }
    return this.startNew(instance.name, instanceId, instance.input).instanceId;
  }

  /** Deletes a finished instance and its history; false when there is nothing finished to delete. */
  purge(instanceId: string): boolean {
    return this.#store.transaction(() => {
      const instance = this.#store.getInstance(instanceId);
      if (!instance || !isTerminal(instance.runtimeStatus)) return false;
      return this.#store.deleteInstance(instanceId);
    });
  }

  purgeWhere(filter: InstanceFilter): number {
    return this.#store.transaction(() => {
      let deleted = 0;
      for (const row of this.#store.listInstances(filter, Number.MAX_SAFE_INTEGER)) {
        if (isTerminal(row.runtimeStatus) && this.#store.deleteInstance(row.instanceId)) deleted++;
      }
      return deleted;
    });
  }

  // ---- instance bookkeeping ----------------------------------------------------------------

  #requireInstance(instanceId: string): InstanceRow {
    const instance = this.#store.getInstance(instanceId);
    if (!instance) throw new InstanceNotFoundError(instanceId);
    return instance;
  }

  #requireActive(instanceId: string): InstanceRow {
    const instance = this.#requireInstance(instanceId);
    if (isTerminal(instance.runtimeStatus)) {
      throw new InstanceAlreadyFinishedError(instanceId, instance.runtimeStatus);
    }
    return instance;
  }

  /** Must run inside a transaction. An existing finished instance with the same id is replaced. */
  #createInstance(
    name: string,
    instanceId: string,
    inputText: string | null,
    parentInstanceId: string | null,
    parentTaskId: number | null,
  ): InstanceRow {
    const existing = this.#store.getInstance(instanceId);
    if (existing) {
      if (!isTerminal(existing.runtimeStatus)) {
        throw new InstanceAlreadyExistsError(instanceId, existing.runtimeStatus);
      }
      this.#store.deleteInstance(instanceId);
    }
    const now = Date.now();
    const row: InstanceRow = {
      instanceId,
      name,
      runtimeStatus: 'Pending',
      input: inputText,
      output: null,
      customStatus: null,
      createdAt: now,
      updatedAt: now,
      parentInstanceId,
      parentTaskId,
      executionId: randomUUID().replace(/-/g, ''),
      engineState: emptyEngineState(),
    };
    this.#store.insertInstance(row);
    this.#store.addToInbox(instanceId, this.#executionStartedEvent(row));
    return row;
  }

  #executionStartedEvent(row: InstanceRow): HistoryEvent {
    return historyEvent(HistoryEventType.ExecutionStarted, {
      Name: row.name,
      Input: row.input,
      OrchestrationInstance: { InstanceId: row.instanceId, ExecutionId: row.executionId },
      ParentInstance: row.parentInstanceId
        ? { OrchestrationInstance: { InstanceId: row.parentInstanceId }, TaskScheduleId: row.parentTaskId }
        : null,
    });
  }

  /** Must run inside a transaction: sets the final status, drops pending work, tells the parent. */
  #finishInstance(
    instance: InstanceRow,
    status: 'Completed' | 'Failed' | 'Terminated',
    output: string | null,
    wake: Set<string>,
    failure?: TerminalOutcome['failure'],
    customStatus: string | null = instance.customStatus,
  ): void {
    this.#store.updateInstance({
      ...instance,
      runtimeStatus: status,
      output,
      customStatus,
      updatedAt: Date.now(),
    });
    this.#store.clearWork(instance.instanceId);
    this.#store.clearInbox(instance.instanceId);
    const parentId = instance.parentInstanceId;
    if (parentId && instance.parentTaskId !== null) {
      const parent = this.#store.getInstance(parentId);
      if (parent && !isTerminal(parent.runtimeStatus)) {
        const event =
          status === 'Completed'
            ? historyEvent(HistoryEventType.SubOrchestrationInstanceCompleted, {
                TaskScheduledId: instance.parentTaskId,
                Result: output,
              })
            : historyEvent(HistoryEventType.SubOrchestrationInstanceFailed, {
                TaskScheduledId: instance.parentTaskId,
                Reason: failure?.reason ?? `Sub-orchestration ${status}`,
                Details: failure?.details ?? '',
                FailureDetails: failure?.failureDetails ?? { ErrorType: 'Error', ErrorMessage: status },
              });
        this.#store.addToInbox(parentId, event);
        wake.add(parentId);
      }
    }
  }

  // ---- episodes ----------------------------------------------------------------------------

  #track<T>(promise: Promise<T>): void {
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise));
  }

  /** Asks for an episode of the instance now; a wake during an episode runs another one right after. */
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
        let more = false;
        try {
          more = await this.#orchestratorLimiter.run(() => this.#runEpisode(instanceId));
        } catch (error) {
          if (this.#stopped) return;
          this.#host.log(
            'error',
            `Durable episode of ${instanceId} failed: ${(error as Error).stack ?? error}`,
          );
        }
        if (more) this.#rerun.add(instanceId);
      } while (this.#rerun.has(instanceId) && !this.#stopped);
    } finally {
      this.#running.delete(instanceId);
    }
  }

  /** Runs one episode; returns whether more inbox messages wait for this instance. */
  async #runEpisode(instanceId: string): Promise<boolean> {
    if (this.#stopped) return false;
    const instance = this.#store.getInstance(instanceId);
    if (!instance || isTerminal(instance.runtimeStatus) || instance.runtimeStatus === 'Suspended')
      return false;
    const inbox = this.#store.getInbox(instanceId);
    if (inbox.length === 0) return false;
    const state: EngineState = structuredClone(instance.engineState);

    // A new generation's ExecutionStarted goes first, ahead of events carried over by continueAsNew.
    const startIndex = inbox.findIndex((m) => m.event.EventType === HistoryEventType.ExecutionStarted);
    if (startIndex > 0) inbox.unshift(...inbox.splice(startIndex, 1));

    // Retry failures and retry timers allocate task ids exactly where the replay engine does, so each
    // is delivered in an episode of its own; other events are delivered together.
    const isRetryEvent = (e: HistoryEvent): boolean => {
      const id =
        e.EventType === HistoryEventType.TaskFailed ||
        e.EventType === HistoryEventType.SubOrchestrationInstanceFailed
          ? e.TaskScheduledId
          : e.EventType === HistoryEventType.TimerFired
            ? e.TimerId
            : undefined;
      return typeof id === 'number' && state.retryTaskOwner[String(id)] !== undefined;
    };
    const first = inbox[0]!;
    const batch = isRetryEvent(first.event) ? [first] : [];
    if (batch.length === 0) {
      for (const message of inbox) {
        if (isRetryEvent(message.event)) break;
        batch.push(message);
      }
    }

    const now = new Date();
    const work: EpisodeWork = { activities: [], timersChanged: false, wake: new Set() };
    const pendingWrites: Array<() => void> = [];
    const newEvents: HistoryEvent[] = [historyEvent(HistoryEventType.OrchestratorStarted, {}, -1, now)];
    for (const message of batch) newEvents.push({ ...message.event, IsPlayed: false });
    if (batch.length === 1 && isRetryEvent(first.event)) {
      this.#advanceRetry(instance, state, first.event, now, newEvents, pendingWrites, work);
    }

    const oldHistory = this.#store.getHistory(instanceId);
    const replayedHistory = [...oldHistory.map((e) => ({ ...e, IsPlayed: true })), ...newEvents];
    const executionStarted = replayedHistory.find((e) => e.EventType === HistoryEventType.ExecutionStarted);
    const outcome = await this.#invokeOrchestrator(instance, replayedHistory, executionStarted);
    if (this.#stopped) return false;

    let terminal: TerminalOutcome | undefined;
    let continueAsNewInput: string | null | undefined;
    let customStatus = instance.customStatus;
    if ('failure' in outcome) {
      terminal = {
        status: 'Failed',
        output: JSON.stringify(outcome.failure.reason),
        failure: outcome.failure,
      };
    } else {
      const orchestratorState = outcome.state;
      if (orchestratorState.customStatus !== undefined)
        customStatus = toJsonText(orchestratorState.customStatus);
      const leaves = flattenActions(orchestratorState.actions ?? []);
      try {
        this.#applyActions(instance, state, leaves, now, newEvents, pendingWrites, work);
        const last = leaves[leaves.length - 1];
        if (orchestratorState.isDone && last?.actionType === ActionType.ContinueAsNew) {
          continueAsNewInput = encodedInput(last.input);
        } else if (orchestratorState.isDone) {
          terminal = { status: 'Completed', output: toJsonText(orchestratorState.output) ?? 'null' };
        } else if (orchestratorState.error !== undefined) {
          terminal = this.#failedOutcome(instance.name, new Error(orchestratorState.error));
        }
      } catch (error) {
        terminal = this.#failedOutcome(instance.name, error as Error);
      }
    }

    const more = this.#store.transaction(() => {
      const current = this.#store.getInstance(instanceId);
      // Terminated (or purged) while the orchestrator ran: this episode's result no longer applies.
      if (!current || isTerminal(current.runtimeStatus) || current.executionId !== instance.executionId)
        return false;
      this.#store.removeFromInbox(batch.map((m) => m.id));
      if (continueAsNewInput !== undefined) {
        this.#store.clearHistory(instanceId);
        this.#store.clearWork(instanceId);
        const next: InstanceRow = {
          ...current,
          runtimeStatus: 'Running',
          input: continueAsNewInput,
          customStatus,
          updatedAt: Date.now(),
          executionId: randomUUID().replace(/-/g, ''),
          engineState: emptyEngineState(),
        };
        this.#store.updateInstance(next);
        this.#store.addToInbox(instanceId, this.#executionStartedEvent(next));
        work.activities = [];
        return true;
      }
      if (terminal) {
        const completed = historyEvent(HistoryEventType.ExecutionCompleted, {
          OrchestrationStatus: terminal.status,
          Result: terminal.output,
          FailureDetails: terminal.failure?.failureDetails,
        });
        this.#store.appendHistory(instanceId, [
          ...newEvents,
          completed,
          historyEvent(HistoryEventType.OrchestratorCompleted),
        ]);
        this.#finishInstance(
          current,
          terminal.status,
          terminal.output,
          work.wake,
          terminal.failure,
          customStatus,
        );
        work.activities = [];
        return false;
      }
      for (const write of pendingWrites) write();
      this.#store.appendHistory(instanceId, [
        ...newEvents,
        historyEvent(HistoryEventType.OrchestratorCompleted),
      ]);
      this.#store.updateInstance({
        ...current,
        runtimeStatus: current.runtimeStatus === 'Suspended' ? 'Suspended' : 'Running',
        customStatus,
        updatedAt: Date.now(),
        engineState: state,
      });
      return this.#store.getInbox(instanceId).length > 0;
    });

    for (const item of work.activities) this.#dispatchActivity(item);
    if (work.timersChanged || terminal) this.#armTimer();
    for (const id of work.wake) this.#wake(id);
    return more;
  }

  #failedOutcome(orchestratorName: string, error: Error): TerminalOutcome {
    const reason = `Orchestrator function '${orchestratorName}' failed: ${error.message}`;
    return {
      status: 'Failed',
      output: JSON.stringify(reason),
      failure: { reason, details: error.stack ?? '', failureDetails: failureDetailsOf(error) },
    };
  }

  async #invokeOrchestrator(
    instance: InstanceRow,
    history: HistoryEvent[],
    executionStarted: HistoryEvent | undefined,
  ): Promise<{ state: OrchestratorState } | { failure: NonNullable<TerminalOutcome['failure']> }> {
    const fn = this.#host.functions.get(instance.name);
    if (!fn || fn.trigger.type !== 'orchestrationTrigger') {
      return {
        failure: this.#failedOutcome(instance.name, new OrchestratorNotFoundError(instance.name)).failure!,
      };
    }
    const payload = {
      history,
      input: parseJsonText((executionStarted?.Input as string | null | undefined) ?? instance.input),
      instanceId: instance.instanceId,
      isReplaying: false,
      parentInstanceId: instance.parentInstanceId,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 2,
      longRunningTimerIntervalDuration: '3.00:00:00',
      maximumShortTimerDuration: MAXIMUM_SHORT_TIMER_DURATION,
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    const result = await this.#host.invoke(instance.name, { data: { string: JSON.stringify(payload) } });
    if (!result.error) return { state: result.returnValue as OrchestratorState };
    const message = result.error.message;
    const at = message.indexOf(OUT_OF_PROC_DATA_LABEL);
    let errorMessage = message;
    let failureDetails: FailureDetails | undefined;
    if (at >= 0) {
      const state = JSON.parse(message.slice(at + OUT_OF_PROC_DATA_LABEL.length)) as OrchestratorState;
      errorMessage = state.error ?? message.slice(0, at).trim();
      failureDetails = { ErrorType: 'Error', ErrorMessage: errorMessage };
    }
    const outcome = this.#failedOutcome(instance.name, Object.assign(new Error(errorMessage), { stack: '' }));
    if (failureDetails && outcome.failure) outcome.failure.failureDetails = failureDetails;
    return { failure: outcome.failure! };
  }

  /** Allocates the retry timer after a failed attempt, or the next attempt after its timer fired. */
  #advanceRetry(
    instance: InstanceRow,
    state: EngineState,
    event: HistoryEvent,
    now: Date,
    newEvents: HistoryEvent[],
    pendingWrites: Array<() => void>,
    work: EpisodeWork,
  ): void {
    const isTimer = event.EventType === HistoryEventType.TimerFired;
    const ownerLeaf = state.retryTaskOwner[String(isTimer ? event.TimerId : event.TaskScheduledId)]!;
    const group = state.retries[String(ownerLeaf)]!;
    if (!isTimer) {
      const timerId = state.nextTaskId++;
      state.retryTaskOwner[String(timerId)] = ownerLeaf;
      group.retryTimerId = timerId;
      const delay =
        group.attempt < group.options.maxNumberOfAttempts ? retryDelayMs(group.options, group.attempt) : 0;
      const fireAt = new Date(now.getTime() + delay);
      newEvents.push(
        historyEvent(HistoryEventType.TimerCreated, { FireAt: fireAt.toISOString() }, timerId, now),
      );
      this.#scheduleTimer(instance.instanceId, timerId, fireAt, pendingWrites, work);
      return;
    }
    if (group.attempt >= group.options.maxNumberOfAttempts) return;
    const attemptId = state.nextTaskId++;
    group.attempt++;
    group.currentTaskId = attemptId;
    state.retryTaskOwner[String(attemptId)] = ownerLeaf;
    this.#scheduleTask(
      instance,
      group.kind,
      attemptId,
      group.functionName,
      group.input,
      group.instanceId,
      now,
      newEvents,
      pendingWrites,
      work,
    );
  }

  #scheduleTimer(
    instanceId: string,
    taskId: number,
    fireAt: Date,
    pendingWrites: Array<() => void>,
    work: EpisodeWork,
  ): void {
    pendingWrites.push(() =>
      this.#store.addWork({
        instanceId,
        kind: 'timer',
        taskId,
        dueAt: fireAt.getTime(),
        payload: { fireAt: fireAt.toISOString() },
      }),
    );
    work.timersChanged = true;
  }

  #scheduleTask(
    instance: InstanceRow,
    kind: 'activity' | 'subOrchestration',
    taskId: number,
    functionName: string,
    input: unknown,
    childInstanceId: string | undefined,
    now: Date,
    newEvents: HistoryEvent[],
    pendingWrites: Array<() => void>,
    work: EpisodeWork,
  ): void {
    if (kind === 'activity') {
      const inputText = encodedInput(input);
      newEvents.push(
        historyEvent(HistoryEventType.TaskScheduled, { Name: functionName, Input: inputText }, taskId, now),
      );
      pendingWrites.push(() => {
        const payload = { name: functionName, input: inputText };
        const id = this.#store.addWork({
          instanceId: instance.instanceId,
          kind: 'activity',
          taskId,
          dueAt: 0,
          payload,
        });
        work.activities.push({
          id,
          instanceId: instance.instanceId,
          kind: 'activity',
          taskId,
          dueAt: 0,
          payload,
        });
      });
      return;
    }
    const childId = childInstanceId ?? `${instance.instanceId}:${taskId}`;
    const inputText = toJsonText(input);
    newEvents.push(
      historyEvent(
        HistoryEventType.SubOrchestrationInstanceCreated,
        { Name: functionName, InstanceId: childId, Input: inputText },
        taskId,
        now,
      ),
    );
    pendingWrites.push(() => {
      try {
        if (!this.#host.functions.has(functionName)) throw new OrchestratorNotFoundError(functionName);
        this.#createInstance(functionName, childId, inputText, instance.instanceId, taskId);
        work.wake.add(childId);
      } catch (error) {
        const failure = error as Error;
        this.#store.addToInbox(
          instance.instanceId,
          historyEvent(HistoryEventType.SubOrchestrationInstanceFailed, {
            TaskScheduledId: taskId,
            Reason: failure.message,
            Details: '',
            FailureDetails: failureDetailsOf(failure),
          }),
        );
      }
    });
  }

  /** Checks replayed actions against the recorded ones and schedules the new ones. */
  #applyActions(
    instance: InstanceRow,
    state: EngineState,
    leaves: OrchestratorAction[],
    now: Date,
    newEvents: HistoryEvent[],
    pendingWrites: Array<() => void>,
    work: EpisodeWork,
  ): void {
    const known = state.leaves.length;
    for (let i = 0; i < Math.min(known, leaves.length); i++) {
      const leaf = leaves[i]!;
      if (leafKey(leaf) !== state.leaves[i]) {
        const [type, name] = state.leaves[i]!.split(':');
        throw new NonDeterministicOrchestrationError(
          instance.instanceId,
          `action #${i} was ${this.#describe(Number(type), name)} in history but is now ${this.#describe(leaf.actionType, leaf.functionName ?? leaf.externalEventName)}`,
        );
      }
      const taskId = state.leafTaskIds[i]!;
      if (leaf.actionType === ActionType.CreateTimer && leaf.isCanceled && taskId >= 0) {
        pendingWrites.push(() => this.#store.removeTimerWork(instance.instanceId, taskId));
        work.timersChanged = true;
      }
    }
    if (leaves.length < known) {
      throw new NonDeterministicOrchestrationError(
        instance.instanceId,
        `history has ${known} scheduled actions but the orchestrator now schedules only ${leaves.length}`,
      );
    }
    for (let i = known; i < leaves.length; i++) {
      const leaf = leaves[i]!;
      state.leaves.push(leafKey(leaf));
      const taskId = takesTaskId(leaf) ? state.nextTaskId++ : -1;
      state.leafTaskIds.push(taskId);
      switch (leaf.actionType) {
        case ActionType.CallActivity:
        case ActionType.CallActivityWithRetry:
        case ActionType.CallSubOrchestrator:
        case ActionType.CallSubOrchestratorWithRetry: {
          const kind =
            leaf.actionType === ActionType.CallActivity ||
            leaf.actionType === ActionType.CallActivityWithRetry
              ? 'activity'
              : 'subOrchestration';
          const functionName = leaf.functionName ?? '';
          if (leaf.retryOptions) {
            state.retries[String(i)] = {
              kind,
              functionName,
              input: leaf.input,
              instanceId: leaf.instanceId,
              options: leaf.retryOptions,
              attempt: 1,
              currentTaskId: taskId,
            };
            state.retryTaskOwner[String(taskId)] = i;
          }
          this.#scheduleTask(
            instance,
            kind,
            taskId,
            functionName,
            leaf.input,
            leaf.instanceId || undefined,
            now,
            newEvents,
            pendingWrites,
            work,
          );
          break;
        }
        case ActionType.CreateTimer: {
          const fireAt = new Date(leaf.fireAt ?? now.toISOString());
          if (leaf.isCanceled) break;
          newEvents.push(
            historyEvent(HistoryEventType.TimerCreated, { FireAt: fireAt.toISOString() }, taskId, now),
          );
          this.#scheduleTimer(instance.instanceId, taskId, fireAt, pendingWrites, work);
          break;
        }
        case ActionType.WaitForExternalEvent:
        case ActionType.ContinueAsNew:
          break;
        case ActionType.CallEntity:
        case ActionType.SignalEntity:
        case ActionType.ScheduledSignalEntity:
          throw new NotSupportedLocallyError('Durable entities');
        case ActionType.CallHttp:
          throw new NotSupportedLocallyError('Durable HTTP (callHttp)');
        default:
          throw new NotSupportedLocallyError(`Orchestrator action type ${leaf.actionType}`);
      }
    }
  }

  #describe(type: number, name: string | undefined): string {
    const typeName = Object.entries(ActionType).find(([, v]) => v === type)?.[0] ?? `action type ${type}`;
    return name ? `${typeName}('${name}')` : typeName;
  }

  // ---- activities and timers ---------------------------------------------------------------

  #dispatchActivity(item: WorkItem): void {
    if (this.#stopped || this.#activitiesInFlight.has(item.id)) return;
    this.#activitiesInFlight.add(item.id);
    const run = this.#activityLimiter
      .run(async () => {
        if (this.#stopped) return;
        const name = String(item.payload.name);
        const input = (item.payload.input as string | null) ?? 'null';
        let event: HistoryEvent;
        if (!this.#host.functions.has(name)) {
          const error = new Error(`The activity function '${name}' does not exist.`);
          event = this.#taskFailedEvent(item.taskId, name, error);
        } else {
          const outcome = await this.#host.invoke(name, { data: { string: input } });
          event = outcome.error
            ? this.#taskFailedEvent(item.taskId, name, outcome.error)
            : historyEvent(HistoryEventType.TaskCompleted, {
                TaskScheduledId: item.taskId,
                Result: toJsonText(outcome.returnValue),
              });
        }
        // A result is recorded only if its work item is still pending (not already done, not terminated).
        if (this.#stopped) return;
        const recorded = this.#store.transaction(() => {
          if (!this.#store.takeWork(item.id)) return false;
          this.#store.addToInbox(item.instanceId, event);
          return true;
        });
        if (recorded) this.#wake(item.instanceId);
      })
      .catch((error: unknown) => {
        if (!this.#stopped) this.#host.log('error', `Activity work item ${item.id} failed: ${String(error)}`);
      })
      .finally(() => this.#activitiesInFlight.delete(item.id));
    this.#track(run);
  }

  #taskFailedEvent(taskId: number, name: string, error: Error): HistoryEvent {
    return historyEvent(HistoryEventType.TaskFailed, {
      TaskScheduledId: taskId,
      Reason: `Activity function '${name}' failed: ${error.message}`,
      Details: error.stack ?? '',
      FailureDetails: failureDetailsOf(error),
    });
  }

  /** One setTimeout for the nearest due timer, re-armed whenever timers change. */
  #armTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#stopped) return;
    const due = this.#store.nextTimerDue();
    if (due === undefined) return;
    const delay = Math.min(Math.max(0, due - Date.now()), MAX_SET_TIMEOUT_MS);
    this.#timer = setTimeout(() => this.#fireDueTimers(), delay);
  }

  #fireDueTimers(): void {
    if (this.#stopped) return;
    const wake = new Set<string>();
    for (const item of this.#store.workOfKind('timer', Date.now())) {
      this.#store.transaction(() => {
        if (!this.#store.takeWork(item.id)) return;
        this.#store.addToInbox(
          item.instanceId,
          historyEvent(HistoryEventType.TimerFired, { TimerId: item.taskId, FireAt: item.payload.fireAt }),
        );
        wake.add(item.instanceId);
      });
    }
    for (const id of wake) this.#wake(id);
    this.#armTimer();
  }
}
