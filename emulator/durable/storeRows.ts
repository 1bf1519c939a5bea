import type { HistoryEvent } from './historyEvent.js';
import type { RetryOptions } from './orchestratorAction.js';

// The task hub's rows: what the store keeps and how a table row reads back.

export type RuntimeStatus =
  'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';

export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ['Completed', 'Failed', 'Terminated'];

export function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Per-instance bookkeeping that maps the orchestrator's actions to task ids across episodes. */
export interface EngineState {
  /** `actionType:functionName` of every action leaf seen so far, in order (for non-determinism checks). */
  leaves: string[];
  /** Task id of each leaf that took one (-1 otherwise). */
  leafTaskIds: number[];
  nextTaskId: number;
  /** Retry groups by the leaf index of their CallActivityWithRetry/CallSubOrchestratorWithRetry. */
  retries: Record<string, RetryGroup>;
  /** Task id → leaf index of the retry group it belongs to (attempts and retry timers). */
  retryTaskOwner: Record<string, number>;
  /** Entity ids (`@name@key`) of the critical section the orchestrator asked for and not yet released. */
  lockedEntities?: string[];
}

export interface RetryGroup {
  kind: 'activity' | 'subOrchestration';
  functionName: string;
  input: unknown;
  instanceId?: string;
  options: RetryOptions;
  attempt: number;
  currentTaskId: number;
  retryTimerId?: number;
}

export function emptyEngineState(): EngineState {
  return { leaves: [], leafTaskIds: [], nextTaskId: 0, retries: {}, retryTaskOwner: {} };
}

export interface InstanceRow {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdAt: number;
  updatedAt: number;
  parentInstanceId: string | null;
  parentTaskId: number | null;
  executionId: string;
  engineState: EngineState;
}

export type WorkKind = 'activity' | 'timer';

export interface WorkItem {
  id: number;
  instanceId: string;
  kind: WorkKind;
  taskId: number;
  dueAt: number;
  /** activity: { name, input (JSON text) }; timer: { fireAt } */
  payload: Record<string, unknown>;
}

export interface InboxMessage {
  id: number;
  instanceId: string;
  event: HistoryEvent;
}

export interface InstanceFilter {
  createdTimeFrom?: number;
  createdTimeTo?: number;
  runtimeStatus?: RuntimeStatus[];
  instanceIdPrefix?: string;
}

/** A durable entity's persisted state; `lockedBy` is the orchestration holding its lock. */
export interface EntityRow {
  entityId: string;
  name: string;
  key: string;
  exists: boolean;
  /** JSON text of the state, null when the entity does not exist. */
  state: string | null;
  lockedBy: string | null;
  lastModifiedAt: number;
}

/** A message waiting in an entity's queue (JSON as the entity rules write it). */
export interface EntityQueueMessage {
  id: number;
  entityId: string;
  message: Record<string, unknown>;
}

export interface RawEntity {
  entity_id: string;
  name: string;
  entity_key: string;
  entity_exists: number;
  state: string | null;
  locked_by: string | null;
  last_modified_at: number;
}

export function toEntity(raw: RawEntity): EntityRow {
  return {
    entityId: raw.entity_id,
    name: raw.name,
    key: raw.entity_key,
    exists: raw.entity_exists === 1,
    state: raw.state,
    lockedBy: raw.locked_by,
    lastModifiedAt: raw.last_modified_at,
  };
}

export interface RawInstance {
  instance_id: string;
  name: string;
  runtime_status: RuntimeStatus;
  input: string | null;
  output: string | null;
  custom_status: string | null;
  created_at: number;
  updated_at: number;
  parent_instance_id: string | null;
  parent_task_id: number | null;
  execution_id: string;
  engine_state: string;
}

export function toInstance(raw: RawInstance): InstanceRow {
  return {
    instanceId: raw.instance_id,
    name: raw.name,
    runtimeStatus: raw.runtime_status,
    input: raw.input,
    output: raw.output,
    customStatus: raw.custom_status,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    parentInstanceId: raw.parent_instance_id,
    parentTaskId: raw.parent_task_id,
    executionId: raw.execution_id,
    engineState: JSON.parse(raw.engine_state) as EngineState,
  };
}

/** The task hub's tables (created when missing). */
export const STORE_SCHEMA = `
      CREATE TABLE IF NOT EXISTS instances (
        instance_id TEXT PRIMARY KEY, name TEXT NOT NULL, runtime_status TEXT NOT NULL,
        input TEXT, output TEXT, custom_status TEXT,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        parent_instance_id TEXT, parent_task_id INTEGER, execution_id TEXT NOT NULL,
        engine_state TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS instances_by_created ON instances (created_at, instance_id);
      CREATE TABLE IF NOT EXISTS history (
        instance_id TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL,
        PRIMARY KEY (instance_id, seq)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS inbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, event TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS inbox_by_instance ON inbox (instance_id, id);
      CREATE TABLE IF NOT EXISTS work (
        id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, kind TEXT NOT NULL,
        task_id INTEGER NOT NULL, due_at INTEGER NOT NULL, payload TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS work_by_due ON work (kind, due_at);
      CREATE INDEX IF NOT EXISTS work_by_instance ON work (instance_id);
      CREATE TABLE IF NOT EXISTS entities (
        entity_id TEXT PRIMARY KEY, name TEXT NOT NULL, entity_key TEXT NOT NULL,
        entity_exists INTEGER NOT NULL, state TEXT, locked_by TEXT, last_modified_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS entity_queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT, entity_id TEXT NOT NULL, message TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS entity_queue_by_entity ON entity_queue (entity_id, id);
`;
