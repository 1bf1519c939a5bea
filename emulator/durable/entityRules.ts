import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import { type DurableStore } from './durableStore.js';
import { type EntityRow, isTerminal } from './storeRows.js';
import { type HistoryEvent, HistoryEventType, historyEvent, toJsonText } from './historyEvent.js';
import { ActionType, type OrchestratorAction } from './orchestratorAction.js';

/** Operations handed to one entity function invocation at most (the extension batches too). */
const MAX_BATCH_SIZE = 50;
const LOCK_GRANTED_RESULT = JSON.stringify('Lock Acquisition Completed');

/** The extension's id for an entity: `@name@key`, the name in lower case (entity names ignore case). */
export function entitySchedulerId(name: string, key: string): string {
  return `@${name.toLowerCase()}@${key}`;
}

export function parseEntitySchedulerId(entityId: string): { name: string; key: string } {
  const at = entityId.indexOf('@', 1);
  return { name: entityId.slice(1, at), key: entityId.slice(at + 1) };
}

/** Orchestration instance ids never start with '@'; entity ids always do. */
export function isEntityId(id: string): boolean {
  return id.startsWith('@');
}

/** An operation for the entity function: a call (answered to `parent`) or a signal (not answered). */
export interface OperationMessage {
  kind: 'operation';
  id: string;
  operation: string;
  /** JSON text of the input, null for none. */
  input: string | null;
  signal: boolean;
  /** The orchestration that sent it, null from a client or another entity. */
  parent: string | null;
}

/** A lock request travels the sorted lock set, each entity locking itself and passing it on. */
export interface LockMessage {
  kind: 'lock';
  id: string;
  parent: string;
  lockSet: string[];
  position: number;
}

export interface ReleaseMessage {
  kind: 'release';
  parent: string;
}

export type EntityMessage = OperationMessage | LockMessage | ReleaseMessage;

/** Operations read from an entity's queue for one invocation of its function. */
export interface EntityBatch {
  entity: EntityRow;
  operations: Array<{ queueId: number; message: OperationMessage }>;
}

/** What the library's entity handler returns (EntityState). */
export interface EntityFunctionResult {
  entityExists: boolean;
  entityState?: string;
  results: Array<{ isError: boolean; result?: string }>;
  signals: Array<{ target: { name: string; key: string }; name: string; input?: string }>;
}

export type EntityBatchOutcome = { result: EntityFunctionResult } | { error: Error };

/** The entityTrigger payload the extension sends for one batch. */
export function entityTriggerPayload(batch: EntityBatch): Record<string, unknown> {
  const { entity } = batch;
  return {
    self: { name: entity.name, key: entity.key },
    exists: entity.exists,
    state: entity.state ?? undefined,
    batch: batch.operations.map(({ message }) => ({
      id: message.id,
      name: message.operation,
      input: message.input ?? undefined,
      signal: message.signal,
      parent: message.parent ?? undefined,
    })),
  };
}

/** What an orchestration's entity action sends: EventSent history events and the queued messages. */
export interface EntitySend {
  events: HistoryEvent[];
  messages: Array<{ entityId: string; message: EntityMessage }>;
}

function eventSent(entityId: string, name: string, message: EntityMessage, taskId: number, now: Date) {
  return historyEvent(
    HistoryEventType.EventSent,
    { InstanceId: entityId, Name: name, Input: JSON.stringify(message) },
    taskId,
    now,
  );
}

/** callEntity / signalEntity: the request's `id` (in EventSent) is the name its answer is raised under. */
export function sendOperation(
  instanceId: string,
  action: OrchestratorAction,
  taskId: number,
  now: Date,
): EntitySend {
  const entityId = action.instanceId ?? '';
  const message: OperationMessage = {
    kind: 'operation',
    id: randomUUID(),
    operation: action.operation ?? '',
    input: toJsonText(action.input),
    signal: action.actionType === ActionType.SignalEntity,
    parent: instanceId,
  };
  return { events: [eventSent(entityId, 'op', message, taskId, now)], messages: [{ entityId, message }] };
}

/** A lock request goes to the first entity of the sorted set, which passes it on once locked. */
export function sendLockRequest(
  instanceId: string,
  lockRequestId: string,
  lockSet: string[],
  taskId: number,
  now: Date,
): EntitySend {
  const entityId = lockSet[0] ?? '';
  const message: LockMessage = { kind: 'lock', id: lockRequestId, parent: instanceId, lockSet, position: 0 };
  return { events: [eventSent(entityId, 'op', message, taskId, now)], messages: [{ entityId, message }] };
}

/** One release per locked entity, each under its own task id. */
export function sendRelease(
  instanceId: string,
  lockedEntities: readonly string[],
  firstTaskId: number,
  now: Date,
): EntitySend {
  const message: ReleaseMessage = { kind: 'release', parent: instanceId };
  return {
    events: lockedEntities.map((entityId, i) =>
      eventSent(entityId, 'release', message, firstTaskId + i, now),
    ),
    messages: lockedEntities.map((entityId) => ({ entityId, message })),
  };
}

/** Releases the locks an orchestration still holds (it ended or continued as new inside a critical section). */
export function releaseHeldLocks(
  store: DurableStore,
  instanceId: string,
  lockedEntities: readonly string[] | undefined,
  wake: Set<string>,
): void {
  for (const entityId of lockedEntities ?? []) {
    store.enqueueEntityMessage(entityId, { kind: 'release', parent: instanceId });
    wake.add(entityId);
  }
}

function newEntityRow(entityId: string, now: number): EntityRow {
  const { name, key } = parseEntitySchedulerId(entityId);
  return { entityId, name, key, exists: false, state: null, lockedBy: null, lastModifiedAt: now };
}

function senderOf(message: EntityMessage): string | null {
  return message.parent;
}

/**
 * The rules of entities: queues of operations per entity, one batch at a time, state and the
 * messages a batch produces (responses to orchestrations, signals to entities) committed in one
 * transaction with the removal of the batch from the queue; critical sections as locks that only
 * the holder's messages pass.
 */
export class EntityRules {
  constructor(
    private readonly store: DurableStore,
    private readonly clock: Clock,
  ) {}

  /** Queues a signal from a client; returns the entity id to wake. */
  signal(name: string, key: string, operation: string, inputText: string | null): string {
    const entityId = entitySchedulerId(name, key);
    this.store.transaction(() =>
      this.enqueue(entityId, {
        kind: 'operation',
        id: randomUUID(),
        operation,
        input: inputText,
        signal: true,
        parent: null,
      }),
    );
    return entityId;
  }

  /** Adds a message to an entity's queue (inside the caller's transaction). */
  enqueue(entityId: string, message: EntityMessage): void {
    this.store.enqueueEntityMessage(entityId, message as unknown as Record<string, unknown>);
  }

  /**
   * The next batch of operations the entity may run. Lock and release messages ahead of it are
   * applied on the way (each in its own transaction); `wake` names whom they sent messages to.
   */
  begin(entityId: string, wake: Set<string>): EntityBatch | undefined {
    for (;;) {
      const step = this.store.transaction((): EntityBatch | 'again' | undefined => {
        const entity = this.store.getEntity(entityId) ?? newEntityRow(entityId, this.clock.now());
        const operations: EntityBatch['operations'] = [];
        for (const queued of this.store.getEntityQueue(entityId)) {
          const message = queued.message as unknown as EntityMessage;
          // A locked entity only serves the orchestration that holds the lock; others wait.
          if (entity.lockedBy !== null && senderOf(message) !== entity.lockedBy) continue;
          if (message.kind === 'operation') {
            operations.push({ queueId: queued.id, message });
            if (operations.length >= MAX_BATCH_SIZE) break;
            continue;
          }
          if (operations.length > 0) break;
          this.store.removeEntityMessages([queued.id]);
          this.#applyLockMessage(entity, message, wake);
          return 'again';
        }
        return operations.length > 0 ? { entity, operations } : undefined;
      });
      if (step !== 'again') return step;
    }
  }

  /** Commits a batch: state, responses and signals, and its removal from the queue, in one transaction. */
  complete(batch: EntityBatch, outcome: EntityBatchOutcome, wake: Set<string>): void {
    const { entity, operations } = batch;
    this.store.transaction(() => {
      if (this.store.removeEntityMessages(operations.map((o) => o.queueId)) !== operations.length) {
        throw new Error(`The queue of entity ${entity.entityId} changed while a batch ran.`);
      }
      const next: EntityRow = { ...entity, lastModifiedAt: this.clock.now() };
      let results: EntityFunctionResult['results'];
      if ('error' in outcome) {
        results = operations.map(() => ({ isError: true, result: JSON.stringify(outcome.error.message) }));
      } else {
        const { result } = outcome;
        next.exists = result.entityExists;
        next.state = result.entityExists ? (result.entityState ?? null) : null;
        results = operations.map(
          (_, i) =>
            result.results[i] ?? {
              isError: true,
              result: JSON.stringify('The entity function returned no result for this operation.'),
            },
        );
        for (const signal of result.signals ?? []) {
          const target = entitySchedulerId(signal.target.name, signal.target.key);
          this.enqueue(target, {
            kind: 'operation',
            id: randomUUID(),
            operation: signal.name,
            input: signal.input ? signal.input : null,
            signal: true,
            parent: null,
          });
          wake.add(target);
        }
      }
      this.store.putEntity(next);
      operations.forEach(({ message }, i) => {
        if (message.signal || !message.parent) return;
        const { isError, result } = results[i]!;
        const response = { result, ...(isError ? { exceptionType: 'Error' } : {}) };
        if (this.#deliver(message.parent, message.id, JSON.stringify(response))) wake.add(message.parent);
      });
    });
  }

  #applyLockMessage(entity: EntityRow, message: LockMessage | ReleaseMessage, wake: Set<string>): void {
    if (message.kind === 'release') {
      if (entity.lockedBy === message.parent) {
        this.store.putEntity({ ...entity, lockedBy: null, lastModifiedAt: this.clock.now() });
      }
      return;
    }
    const parent = this.store.getInstance(message.parent);
    if (!parent || isTerminal(parent.runtimeStatus)) {
      // The orchestration ended while its request travelled: give back the locks it already took.
      for (const earlier of message.lockSet.slice(0, message.position)) {
        this.enqueue(earlier, { kind: 'release', parent: message.parent });
        wake.add(earlier);
      }
      return;
    }
    this.store.putEntity({ ...entity, lockedBy: message.parent, lastModifiedAt: this.clock.now() });
    const next = message.lockSet[message.position + 1];
    if (next !== undefined) {
      this.enqueue(next, { ...message, position: message.position + 1 });
      wake.add(next);
    } else if (this.#deliver(message.parent, message.id, JSON.stringify({ result: LOCK_GRANTED_RESULT }))) {
      wake.add(message.parent);
    }
  }

  /** An entity's answer reaches the orchestration as an event named after the request id. */
  #deliver(instanceId: string, requestId: string, inputText: string): boolean {
    const instance = this.store.getInstance(instanceId);
    if (!instance || isTerminal(instance.runtimeStatus)) return false;
    this.store.addToInbox(
      instanceId,
      historyEvent(
        HistoryEventType.EventRaised,
        { Name: requestId, Input: inputText },
        -1,
        new Date(this.clock.now()),
      ),
    );
    return true;
  }
}
