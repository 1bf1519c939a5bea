import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import {
  BadDurableRequestError,
  InstanceAlreadyExistsError,
  InstanceAlreadyFinishedError,
  InstanceNotFoundError,
  NotSupportedLocallyError,
  OrchestratorNotFoundError,
} from './durableErrors.js';
import { type DurableStore } from './durableStore.js';
import {
  type InstanceFilter,
  type InstanceRow,
  type WorkItem,
  emptyEngineState,
  isTerminal,
} from './storeRows.js';
import { releaseHeldLocks } from './entityRules.js';
import {
  type FailureDetails,
  type HistoryEvent,
  HistoryEventType,
  failureDetailsOf,
  historyEvent,
  toJsonText,
} from './historyEvent.js';

/** How an instance ended, with the extension's Reason / Details / FailureDetails when it failed. */
export interface TerminalOutcome {
  status: 'Completed' | 'Failed';
  output: string | null;
  failure?: InstanceFailure;
}

export interface InstanceFailure {
  reason: string;
  details: string;
  failureDetails: FailureDetails;
}

/** What an activity invocation gave back: its return value, or the error it threw. */
export type ActivityOutcome = { returnValue: unknown } | { error: Error };

export function compactUuid(): string {
  return randomUUID().replace(/-/g, '');
}

/**
 * The rules of an instance's life: starting, client operations (events, terminate, suspend, resume,
 * restart, purge), finishing and telling the parent, and recording activity results and fired timers.
 * Synchronous state changes over the store, one transaction each; the callers wake the instances
 * named in what these return.
 */
export class InstanceRules {
  constructor(
    private readonly store: DurableStore,
    private readonly clock: Clock,
    /** Whether `name` is an orchestrator function of the app. */
    private readonly isOrchestrator: (name: string) => boolean,
  ) {}

  now(): Date {
    return new Date(this.clock.now());
  }

  start(name: string, instanceId: string | undefined, inputText: string | null): InstanceRow {
    if (!this.isOrchestrator(name)) throw new OrchestratorNotFoundError(name);
    const id = instanceId ?? compactUuid();
    if (!/^[^/\\#?\s]{1,256}$/.test(id)) {
      throw new BadDurableRequestError(
        'Instance ids must be 1-256 characters without /, \\, #, ? or spaces.',
      );
    }
    return this.store.transaction(() => this.createInstance(name, id, inputText, null, null));
  }

  raiseEvent(instanceId: string, eventName: string, inputText: string | null): void {
    this.store.transaction(() => {
      this.requireActive(instanceId);
      this.store.addToInbox(
        instanceId,
        historyEvent(HistoryEventType.EventRaised, { Name: eventName, Input: inputText }, -1, this.now()),
      );
    });
  }

  /** Ends a running instance as Terminated; returns the instances to wake (its parent). */
  terminate(instanceId: string, reason: string): Set<string> {
    const wake = new Set<string>();
    this.store.transaction(() => {
      const instance = this.requireActive(instanceId);
      this.store.appendHistory(instanceId, [
        historyEvent(HistoryEventType.ExecutionTerminated, { Input: reason }, -1, this.now()),
      ]);
      this.finishInstance(instance, 'Terminated', JSON.stringify(reason), wake, {
        reason: `Orchestration was terminated: ${reason}`,
        details: '',
        failureDetails: { ErrorType: 'TerminatedError', ErrorMessage: reason },
      });
    });
    return wake;
  }

  /** Suspending a suspended instance changes nothing. */
  suspend(instanceId: string, reason: string): void {
    this.store.transaction(() => {
      const instance = this.requireActive(instanceId);
      if (instance.runtimeStatus === 'Suspended') return;
      this.store.appendHistory(instanceId, [
        historyEvent(HistoryEventType.ExecutionSuspended, { Reason: reason }, -1, this.now()),
      ]);
      this.store.updateInstance({ ...instance, runtimeStatus: 'Suspended', updatedAt: this.clock.now() });
    });
  }

  /** Back to Running (Pending if it never started); resuming an instance that is not suspended changes nothing. */
  resume(instanceId: string, reason: string): void {
    this.store.transaction(() => {
      const instance = this.requireActive(instanceId);
      if (instance.runtimeStatus !== 'Suspended') return;
      this.store.appendHistory(instanceId, [
        historyEvent(HistoryEventType.ExecutionResumed, { Reason: reason }, -1, this.now()),
      ]);
      const started = this.store
        .getHistory(instanceId)
        .some((e) => e.EventType === HistoryEventType.ExecutionStarted);
      this.store.updateInstance({
        ...instance,
        runtimeStatus: started ? 'Running' : 'Pending',
        updatedAt: this.clock.now(),
      });
    });
  }

  rewind(instanceId: string): never {
    this.requireInstance(instanceId);
    throw new NotSupportedLocallyError('Rewinding a failed orchestration');
  }

  /** Starts the same orchestrator with the same input; the same id only once the instance finished. */
  restart(instanceId: string, withNewInstanceId: boolean): InstanceRow {
    const instance = this.requireInstance(instanceId);
    if (withNewInstanceId) return this.start(instance.name, undefined, instance.input);
    if (!isTerminal(instance.runtimeStatus)) {
      throw new InstanceAlreadyExistsError(instanceId, instance.runtimeStatus);
    }
    return this.start(instance.name, instanceId, instance.input);
  }

  /** Deletes a finished instance and its history; false when there is nothing finished to delete. */
  purge(instanceId: string): boolean {
    return this.store.transaction(() => {
      const instance = this.store.getInstance(instanceId);
      if (!instance || !isTerminal(instance.runtimeStatus)) return false;
      return this.store.deleteInstance(instanceId);
    });
  }

  purgeWhere(filter: InstanceFilter): number {
    return this.store.transaction(() => {
      let deleted = 0;
      for (const row of this.store.listInstances(filter, Number.MAX_SAFE_INTEGER)) {
        if (isTerminal(row.runtimeStatus) && this.store.deleteInstance(row.instanceId)) deleted++;
      }
      return deleted;
    });
  }

  requireInstance(instanceId: string): InstanceRow {
    const instance = this.store.getInstance(instanceId);
    if (!instance) throw new InstanceNotFoundError(instanceId);
    return instance;
  }

  requireActive(instanceId: string): InstanceRow {
    const instance = this.requireInstance(instanceId);
    if (isTerminal(instance.runtimeStatus)) {
      throw new InstanceAlreadyFinishedError(instanceId, instance.runtimeStatus);
    }
    return instance;
  }

  /** Must run inside a transaction. An existing finished instance with the same id is replaced. */
  createInstance(
    name: string,
    instanceId: string,
    inputText: string | null,
    parentInstanceId: string | null,
    parentTaskId: number | null,
  ): InstanceRow {
    const existing = this.store.getInstance(instanceId);
    if (existing) {
      if (!isTerminal(existing.runtimeStatus)) {
        throw new InstanceAlreadyExistsError(instanceId, existing.runtimeStatus);
      }
      this.store.deleteInstance(instanceId);
    }
    const now = this.clock.now();
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
      executionId: compactUuid(),
      engineState: emptyEngineState(),
    };
    this.store.insertInstance(row);
    this.store.addToInbox(instanceId, this.executionStartedEvent(row));
    return row;
  }

  executionStartedEvent(row: InstanceRow): HistoryEvent {
    return historyEvent(
      HistoryEventType.ExecutionStarted,
      {
        Name: row.name,
        Input: row.input,
        OrchestrationInstance: { InstanceId: row.instanceId, ExecutionId: row.executionId },
        ParentInstance: row.parentInstanceId
          ? { OrchestrationInstance: { InstanceId: row.parentInstanceId }, TaskScheduleId: row.parentTaskId }
          : null,
      },
      -1,
      this.now(),
    );
  }

  /** Must run inside a transaction: sets the final status, drops pending work, tells the parent. */
  finishInstance(
    instance: InstanceRow,
    status: 'Completed' | 'Failed' | 'Terminated',
    output: string | null,
    wake: Set<string>,
    failure?: InstanceFailure,
    customStatus: string | null = instance.customStatus,
  ): void {
    this.store.updateInstance({
      ...instance,
      runtimeStatus: status,
      output,
      customStatus,
      updatedAt: this.clock.now(),
    });
    this.store.clearWork(instance.instanceId);
    this.store.clearInbox(instance.instanceId);
    releaseHeldLocks(this.store, instance.instanceId, instance.engineState.lockedEntities, wake);
    const parentId = instance.parentInstanceId;
    if (parentId && instance.parentTaskId !== null) {
      const parent = this.store.getInstance(parentId);
      if (parent && !isTerminal(parent.runtimeStatus)) {
        const event =
          status === 'Completed'
            ? historyEvent(
                HistoryEventType.SubOrchestrationInstanceCompleted,
                { TaskScheduledId: instance.parentTaskId, Result: output },
                -1,
                this.now(),
              )
            : historyEvent(
                HistoryEventType.SubOrchestrationInstanceFailed,
                {
                  TaskScheduledId: instance.parentTaskId,
                  Reason: failure?.reason ?? `Sub-orchestration ${status}`,
                  Details: failure?.details ?? '',
                  FailureDetails: failure?.failureDetails ?? { ErrorType: 'Error', ErrorMessage: status },
                },
                -1,
                this.now(),
              );
        this.store.addToInbox(parentId, event);
        wake.add(parentId);
      }
    }
  }

  /**
   * Records an activity's outcome for its instance; false when the work item is no longer pending
   * (already recorded, or the instance ended), so a result is never applied twice.
   */
  recordActivityOutcome(item: WorkItem, outcome: ActivityOutcome): boolean {
    const name = String(item.payload.name);
    const event =
      'error' in outcome
        ? historyEvent(
            HistoryEventType.TaskFailed,
            {
              TaskScheduledId: item.taskId,
              Reason: `Activity function '${name}' failed: ${outcome.error.message}`,
              Details: outcome.error.stack ?? '',
              FailureDetails: failureDetailsOf(outcome.error),
            },
            -1,
            this.now(),
          )
        : historyEvent(
            HistoryEventType.TaskCompleted,
            { TaskScheduledId: item.taskId, Result: toJsonText(outcome.returnValue) },
            -1,
            this.now(),
          );
    return this.store.transaction(() => {
      if (!this.store.takeWork(item.id)) return false;
      this.store.addToInbox(item.instanceId, event);
      return true;
    });
  }

  /** Fires every timer whose time the clock has reached; returns the instances to wake. */
  fireDueTimers(): Set<string> {
    const wake = new Set<string>();
    for (const item of this.store.workOfKind('timer', this.clock.now())) {
      if (this.fireTimer(item)) wake.add(item.instanceId);
    }
    return wake;
  }

  /** Delivers TimerFired for one timer; false when it was no longer pending (cancelled, instance ended). */
  fireTimer(item: WorkItem): boolean {
    return this.store.transaction(() => {
      if (!this.store.takeWork(item.id)) return false;
      this.store.addToInbox(
        item.instanceId,
        historyEvent(
          HistoryEventType.TimerFired,
          { TimerId: item.taskId, FireAt: item.payload.fireAt },
          -1,
          this.now(),
        ),
      );
      return true;
    });
  }
}
