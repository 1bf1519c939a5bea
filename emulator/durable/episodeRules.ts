// Over 400 lines: choosing, applying and committing an episode share its task numbering, so they stay one unit.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import {
  NonDeterministicOrchestrationError,
  NotSupportedLocallyError,
  OrchestratorNotFoundError,
} from './durableErrors.js';
import { type DurableStore } from './durableStore.js';
import {
  type EngineState,
  type InboxMessage,
  type InstanceRow,
  type WorkItem,
  emptyEngineState,
  isTerminal,
} from './storeRows.js';
import {
  type HistoryEvent,
  HistoryEventType,
  failureDetailsOf,
  historyEvent,
  toJsonText,
} from './historyEvent.js';
import {
  type EntitySend,
  entitySchedulerId,
  releaseHeldLocks,
  sendLockRequest,
  sendOperation,
  sendRelease,
} from './entityRules.js';
import {
  type InstanceFailure,
  type InstanceRules,
  type TerminalOutcome,
  compactUuid,
} from './instanceRules.js';
import {
  ActionType,
  type OrchestratorAction,
  type OrchestratorState,
  actionTypeName,
  flattenActions,
  retryDelayMs,
  takesTaskId,
} from './orchestratorAction.js';
import { encodedInput, parseJsonText } from './orchestratorTrigger.js';

/** One episode of an instance: the events it delivers and the history the orchestrator replays. */
export interface Episode {
  instance: InstanceRow;
  /** The instance's bookkeeping as this episode changes it; saved only if the episode commits. */
  state: EngineState;
  batch: InboxMessage[];
  now: Date;
  /** OrchestratorStarted, the delivered events, then what the orchestrator's new actions record. */
  newEvents: HistoryEvent[];
  /** Old history (played) followed by the new events: what the orchestrator replays. */
  history: HistoryEvent[];
  /** The input of this generation (from its ExecutionStarted). */
  input: unknown;
  pendingWrites: Array<() => void>;
  /** Messages to entities: sent whatever way the episode ends, as the extension sends them. */
  entityWrites: Array<() => void>;
  work: EpisodeWork;
}

/** Work an episode hands to the runtime once it commits. */
export interface EpisodeWork {
  activities: WorkItem[];
  timersChanged: boolean;
  wake: Set<string>;
}

/** What the orchestrator returned, or why it could not run to a state. */
export type OrchestratorOutcome = { state: OrchestratorState } | { failure: InstanceFailure };

export interface EpisodeResult extends EpisodeWork {
  /** More inbox messages wait for this instance. */
  more: boolean;
  /** The instance ended in this episode. */
  finished: boolean;
}

function leafKey(action: OrchestratorAction): string {
  return `${action.actionType}:${action.functionName ?? action.externalEventName ?? action.instanceId ?? ''}`;
}

function describeAction(type: number, name: string | undefined): string {
  return name ? `${actionTypeName(type)}('${name}')` : actionTypeName(type);
}

/** The extension's Reason / Details / FailureDetails for an orchestrator that failed with `error`. */
export function failedOutcome(orchestratorName: string, error: Error): TerminalOutcome {
  const reason = `Orchestrator function '${orchestratorName}' failed: ${error.message}`;
  return {
    status: 'Failed',
    output: JSON.stringify(reason),
    failure: { reason, details: error.stack ?? '', failureDetails: failureDetailsOf(error) },
  };
}

export function orchestratorNotFoundFailure(name: string): InstanceFailure {
  return failedOutcome(name, new OrchestratorNotFoundError(name)).failure!;
}

/**
 * The rules of an episode: which inbox messages it delivers, how the orchestrator's actions become
 * history and work (task ids in the replay engine's order, retries, timers, sub-orchestrations,
 * non-determinism checks), and how it ends the instance or continues it as new.
 */
export class EpisodeRules {
  constructor(
    private readonly store: DurableStore,
    private readonly instances: InstanceRules,
    private readonly clock: Clock,
    /** Whether the app has a function named `name` (for sub-orchestrations). */
    private readonly hasFunction: (name: string) => boolean,
  ) {}

  /** The next episode of the instance, or undefined when it has nothing to run (or may not run). */
  begin(instanceId: string): Episode | undefined {
    const instance = this.store.getInstance(instanceId);
    if (!instance || isTerminal(instance.runtimeStatus) || instance.runtimeStatus === 'Suspended')
      return undefined;
    const inbox = this.store.getInbox(instanceId);
    if (inbox.length === 0) return undefined;
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

    const now = new Date(this.clock.now());
    const episode: Episode = {
      instance,
      state,
      batch,
      now,
      newEvents: [historyEvent(HistoryEventType.OrchestratorStarted, {}, -1, now)],
      history: [],
      input: null,
      pendingWrites: [],
      entityWrites: [],
      work: { activities: [], timersChanged: false, wake: new Set() },
    };
    for (const message of batch) episode.newEvents.push({ ...message.event, IsPlayed: false });
    if (batch.length === 1 && isRetryEvent(first.event)) this.#advanceRetry(episode, first.event);

    // The store hands out copies of its events, so they are marked played in place.
    const oldHistory = this.store.getHistory(instanceId);
    for (const event of oldHistory) event.IsPlayed = true;
    episode.history = [...oldHistory, ...episode.newEvents];
    const executionStarted = episode.history.find((e) => e.EventType === HistoryEventType.ExecutionStarted);
    episode.input = parseJsonText((executionStarted?.Input as string | null | undefined) ?? instance.input);
    return episode;
  }

  /** Applies the orchestrator's outcome and commits the episode in one transaction. */
  complete(episode: Episode, outcome: OrchestratorOutcome): EpisodeResult {
    const { instance, state, work } = episode;
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
        this.#applyActions(episode, leaves);
        const last = leaves[leaves.length - 1];
        if (orchestratorState.isDone && last?.actionType === ActionType.ContinueAsNew) {
          continueAsNewInput = encodedInput(last.input);
        } else if (orchestratorState.isDone) {
          terminal = { status: 'Completed', output: toJsonText(orchestratorState.output) ?? 'null' };
        } else if (orchestratorState.error !== undefined) {
          terminal = failedOutcome(instance.name, new Error(orchestratorState.error));
        }
      } catch (error) {
        terminal = failedOutcome(instance.name, error as Error);
      }
    }

    const instanceId = instance.instanceId;
    const more = this.store.transaction(() => {
      const current = this.store.getInstance(instanceId);
      // Terminated (or purged) while the orchestrator ran: this episode's result no longer applies.
      if (!current || isTerminal(current.runtimeStatus) || current.executionId !== instance.executionId)
        return false;
      this.store.removeFromInbox(episode.batch.map((m) => m.id));
      for (const write of episode.entityWrites) write();
      if (continueAsNewInput !== undefined) {
        this.store.clearHistory(instanceId);
        this.store.clearWork(instanceId);
        releaseHeldLocks(this.store, instanceId, state.lockedEntities, work.wake);
        const next: InstanceRow = {
          ...current,
          runtimeStatus: 'Running',
          input: continueAsNewInput,
          customStatus,
          // As on the Azure Storage backend, createdTime is the new generation's start.
          createdAt: this.clock.now(),
          updatedAt: this.clock.now(),
          executionId: compactUuid(),
          engineState: emptyEngineState(),
        };
        this.store.updateInstance(next);
        this.store.addToInbox(instanceId, this.instances.executionStartedEvent(next));
        work.activities = [];
        return true;
      }
      if (terminal) {
        const completed = historyEvent(
          HistoryEventType.ExecutionCompleted,
          {
            OrchestrationStatus: terminal.status,
            Result: terminal.output,
            FailureDetails: terminal.failure?.failureDetails,
          },
          -1,
          episode.now,
        );
        this.store.appendHistory(instanceId, [
          ...episode.newEvents,
          completed,
          historyEvent(HistoryEventType.OrchestratorCompleted, {}, -1, episode.now),
        ]);
        this.instances.finishInstance(
          { ...current, engineState: state },
          terminal.status,
          terminal.output,
          work.wake,
          terminal.failure,
          customStatus,
        );
        work.activities = [];
        return false;
      }
      for (const write of episode.pendingWrites) write();
      this.store.appendHistory(instanceId, [
        ...episode.newEvents,
        historyEvent(HistoryEventType.OrchestratorCompleted, {}, -1, episode.now),
      ]);
      this.store.updateInstance({
        ...current,
        runtimeStatus: current.runtimeStatus === 'Suspended' ? 'Suspended' : 'Running',
        customStatus,
        updatedAt: this.clock.now(),
        engineState: state,
      });
      return this.store.hasInbox(instanceId);
    });
    return { ...work, more, finished: terminal !== undefined };
  }

  /** Allocates the retry timer after a failed attempt, or the next attempt after its timer fired. */
  #advanceRetry(episode: Episode, event: HistoryEvent): void {
    const { state, now } = episode;
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
      episode.newEvents.push(
        historyEvent(HistoryEventType.TimerCreated, { FireAt: fireAt.toISOString() }, timerId, now),
      );
      this.#scheduleTimer(episode, timerId, fireAt);
      return;
    }
    if (group.attempt >= group.options.maxNumberOfAttempts) return;
    const attemptId = state.nextTaskId++;
    group.attempt++;
    group.currentTaskId = attemptId;
    state.retryTaskOwner[String(attemptId)] = ownerLeaf;
    this.#scheduleTask(episode, group.kind, attemptId, group.functionName, group.input, group.instanceId);
  }

  #scheduleTimer(episode: Episode, taskId: number, fireAt: Date): void {
    const instanceId = episode.instance.instanceId;
    episode.pendingWrites.push(() =>
      this.store.addWork({
        instanceId,
        kind: 'timer',
        taskId,
        dueAt: fireAt.getTime(),
        payload: { fireAt: fireAt.toISOString() },
      }),
    );
    episode.work.timersChanged = true;
  }

  #scheduleTask(
    episode: Episode,
    kind: 'activity' | 'subOrchestration',
    taskId: number,
    functionName: string,
    input: unknown,
    childInstanceId: string | undefined,
  ): void {
    const { instance, now, newEvents, pendingWrites, work } = episode;
    if (kind === 'activity') {
      const inputText = encodedInput(input);
      newEvents.push(
        historyEvent(HistoryEventType.TaskScheduled, { Name: functionName, Input: inputText }, taskId, now),
      );
      pendingWrites.push(() => {
        const item = { instanceId: instance.instanceId, kind: 'activity' as const, taskId, dueAt: 0 };
        const payload = { name: functionName, input: inputText };
        const id = this.store.addWork({ ...item, payload });
        work.activities.push({ id, ...item, payload });
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
        if (!this.hasFunction(functionName)) throw new OrchestratorNotFoundError(functionName);
        this.instances.createInstance(functionName, childId, inputText, instance.instanceId, taskId);
        work.wake.add(childId);
      } catch (error) {
        const failure = error as Error;
        this.store.addToInbox(
          instance.instanceId,
          historyEvent(
            HistoryEventType.SubOrchestrationInstanceFailed,
            {
              TaskScheduledId: taskId,
              Reason: failure.message,
              Details: '',
              FailureDetails: failureDetailsOf(failure),
            },
            -1,
            now,
          ),
        );
      }
    });
  }

  /** Records what an entity action sent (EventSent) and queues its messages when the episode commits. */
  #sendToEntities(episode: Episode, sent: EntitySend): void {
    episode.newEvents.push(...sent.events);
    episode.entityWrites.push(() => {
      for (const { entityId, message } of sent.messages) {
        this.store.enqueueEntityMessage(entityId, { ...message });
        episode.work.wake.add(entityId);
      }
    });
  }

  /** Checks replayed actions against the recorded ones and schedules the new ones. */
  #applyActions(episode: Episode, leaves: OrchestratorAction[]): void {
    const { instance, state, now } = episode;
    const known = state.leaves.length;
    for (let i = 0; i < Math.min(known, leaves.length); i++) {
      const leaf = leaves[i]!;
      if (leafKey(leaf) !== state.leaves[i]) {
        const [type, name] = state.leaves[i]!.split(':');
        throw new NonDeterministicOrchestrationError(
          instance.instanceId,
          `action #${i} was ${describeAction(Number(type), name)} in history but is now ${describeAction(leaf.actionType, leaf.functionName ?? leaf.externalEventName)}`,
        );
      }
      const taskId = state.leafTaskIds[i]!;
      if (leaf.actionType === ActionType.CreateTimer && leaf.isCanceled && taskId >= 0) {
        episode.pendingWrites.push(() => this.store.removeTimerWork(instance.instanceId, taskId));
        episode.work.timersChanged = true;
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
          this.#scheduleTask(episode, kind, taskId, functionName, leaf.input, leaf.instanceId || undefined);
          break;
        }
        case ActionType.CreateTimer: {
          const fireAt = new Date(leaf.fireAt ?? now.toISOString());
          if (leaf.isCanceled) break;
          episode.newEvents.push(
            historyEvent(HistoryEventType.TimerCreated, { FireAt: fireAt.toISOString() }, taskId, now),
          );
          this.#scheduleTimer(episode, taskId, fireAt);
          break;
        }
        case ActionType.WaitForExternalEvent:
        case ActionType.ContinueAsNew:
          break;
        case ActionType.CallEntity:
        case ActionType.SignalEntity:
          this.#sendToEntities(episode, sendOperation(instance.instanceId, leaf, taskId, now));
          break;
        case ActionType.LockEntities: {
          const lockSet = (leaf.lockSet ?? []).map((e) => entitySchedulerId(e.name, e.key));
          state.lockedEntities = lockSet;
          this.#sendToEntities(
            episode,
            sendLockRequest(instance.instanceId, leaf.lockRequestId ?? randomUUID(), lockSet, taskId, now),
          );
          break;
        }
        case ActionType.ReleaseEntities: {
          // The library counts one task id per released entity.
          const locked = state.lockedEntities ?? [];
          state.nextTaskId += Math.max(0, locked.length - 1);
          delete state.lockedEntities;
          this.#sendToEntities(episode, sendRelease(instance.instanceId, locked, taskId, now));
          break;
        }
        case ActionType.ScheduledSignalEntity:
          throw new NotSupportedLocallyError('Scheduled entity signals');
        case ActionType.CallHttp:
          throw new NotSupportedLocallyError('Durable HTTP (callHttp)');
        default:
          throw new NotSupportedLocallyError(`Orchestrator action type ${leaf.actionType}`);
      }
    }
  }
}
