import Database from 'better-sqlite3';
import { closeSync, fdatasync, fdatasyncSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryEvent } from './historyEvent.js';
import type { RetryOptions } from './orchestratorAction.js';

const IN_MEMORY = ':memory:';

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

interface RawEntity {
  entity_id: string;
  name: string;
  entity_key: string;
  entity_exists: number;
  state: string | null;
  locked_by: string | null;
  last_modified_at: number;
}

function toEntity(raw: RawEntity): EntityRow {
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

interface RawInstance {
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

function toInstance(raw: RawInstance): InstanceRow {
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

/** How many instances' rows and histories the store keeps read (least recently used go first). */
const CACHED_INSTANCES = 2_000;

/**
 * Instance rows and histories as last written, so an episode does not read back and parse what the
 * previous episode of the same instance wrote. Entries are copies: callers never hold a cached object.
 */
class StoreCache {
  readonly #instances = new Map<string, { row: InstanceRow; engineState: string }>();
  readonly #histories = new Map<string, HistoryEvent[]>();

  instance(instanceId: string): { row: InstanceRow; engineState: string } | undefined {
    return touch(this.#instances, instanceId);
  }

  putInstance(row: InstanceRow, engineState: string): void {
    bounded(this.#instances, row.instanceId, { row: { ...row }, engineState });
  }

  /** After an UPDATE, which leaves the parent fields as they were. */
  updateInstance(row: InstanceRow, engineState: string): void {
    const old = this.#instances.get(row.instanceId);
    if (!old) return;
    const { parentInstanceId, parentTaskId } = old.row;
    this.#instances.set(row.instanceId, { row: { ...row, parentInstanceId, parentTaskId }, engineState });
  }

  history(instanceId: string): HistoryEvent[] | undefined {
    return touch(this.#histories, instanceId);
  }

  putHistory(instanceId: string, events: HistoryEvent[]): void {
    bounded(this.#histories, instanceId, events);
  }

  forget(instanceId: string): void {
    this.#instances.delete(instanceId);
    this.#histories.delete(instanceId);
  }

  clear(): void {
    this.#instances.clear();
    this.#histories.clear();
  }
}

function touch<V>(map: Map<string, V>, key: string): V | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}

function bounded<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > CACHED_INSTANCES) map.delete(map.keys().next().value!);
}

export interface DurableStoreOptions {
  /**
   * Group commit (default true): the transactions of one event-loop turn share one commit, so one
   * fsync covers every outcome and episode that finished in that turn. Callers act on a transaction's
   * result only once `committed()` resolves. False commits each transaction on its own (for comparison).
   */
  groupCommit?: boolean;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * SQLite store for one task hub in WAL mode: a committed episode survives kill -9 and power loss.
 * Every state change is one transaction; with group commit, the transactions of one event-loop turn
 * are savepoints inside one SQLite transaction that commits at the end of the turn, the log is then
 * synced on libuv's thread pool, and `committed()` resolves once what was written so far is on disk.
 * Instance rows and histories are kept as written (bounded), so episodes do not read them back.
 */
export class DurableStore {
  readonly #db: Database.Database;
  readonly #groupCommit: boolean;
  readonly #statements = new Map<string, Database.Statement>();
  /** Who waits for the open group's commit; undefined when no group is open. */
  #group: Waiter[] | undefined;
  #savepointDepth = 0;
  /** The write-ahead log the store syncs after each group commit (undefined in memory or without groups). */
  readonly #walPath: string | undefined;
  #walFd: number | undefined;
  #closing = false;
  #syncing = false;
  /** Commits waiting for the next sync of the log. */
  readonly #unsynced: Array<(failure?: Error) => void> = [];
  /** What episodes read again and again, as last written (cleared whenever a change is undone). */
  readonly #cache = new StoreCache();

  /** `dataDir` ':memory:' keeps the hub in memory only (for tests that need no crash safety). */
  constructor(dataDir: string, hubName: string, options: DurableStoreOptions = {}) {
    this.#groupCommit = options.groupCommit ?? true;
    const safeHub = hubName.replace(/[^A-Za-z0-9_-]/g, '_');
    if (dataDir !== IN_MEMORY) mkdirSync(dataDir, { recursive: true });
    this.#db = new Database(dataDir === IN_MEMORY ? IN_MEMORY : join(dataDir, `durable-${safeHub}.sqlite`));
    this.#db.pragma('journal_mode = WAL');
    // With group commit the store syncs the write-ahead log itself after each commit (off the main
    // thread), so SQLite need not: NORMAL keeps the database consistent and leaves that sync to us.
    this.#db.pragma(this.#groupCommit ? 'synchronous = NORMAL' : 'synchronous = FULL');
    if (dataDir !== IN_MEMORY && this.#groupCommit) this.#walPath = `${this.#db.name}-wal`;
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(`
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
    `);
  }

  /** Commits what is pending, then closes the database. */
  close(): void {
    this.#closing = true;
    if (this.#group) this.#commitGroup();
    if (this.#walFd !== undefined) {
      // Syncs at once what earlier commits still wait for; their callbacks then find the file closed.
      fdatasyncSync(this.#walFd);
      closeSync(this.#walFd);
    }
    for (const settle of this.#unsynced.splice(0)) settle();
    this.#db.close();
  }

  get groupCommit(): boolean {
    return this.#groupCommit;
  }

  /**
   * Runs `body` as one atomic change (a savepoint of the open group with group commit): a throw undoes
   * all of it. Its result may be acted on only after `committed()` resolves.
   */
  transaction<T>(body: () => T): T {
    if (this.#groupCommit && !this.#group) this.#openGroup();
    try {
      if (!this.#db.inTransaction) return this.#db.transaction(body)();
      return this.#savepoint(body);
    } catch (error) {
      // What the cache holds may have been undone with the transaction.
      this.#cache.clear();
      throw error;
    }
  }

  /** A savepoint inside the open group, through statements prepared once (not a wrapper per call). */
  #savepoint<T>(body: () => T): T {
    const name = `mf${this.#savepointDepth++}`;
    this.#sql(`SAVEPOINT ${name}`).run();
    try {
      const result = body();
      this.#sql(`RELEASE ${name}`).run();
      return result;
    } catch (error) {
      if (this.#db.inTransaction) {
        this.#sql(`ROLLBACK TO ${name}`).run();
        this.#sql(`RELEASE ${name}`).run();
      }
      throw error;
    } finally {
      this.#savepointDepth--;
    }
  }

  /** Resolves once everything written so far is committed (at once when nothing is pending). */
  committed(): Promise<void> {
    const group = this.#group;
    if (!group) return Promise.resolve();
    return new Promise((resolve, reject) => group.push({ resolve, reject }));
  }

  #openGroup(): void {
    this.#sql('BEGIN').run();
    this.#group = [];
    setImmediate(() => this.#commitGroup());
  }

  #commitGroup(): void {
    const waiters = this.#group;
    if (!waiters) return;
    this.#group = undefined;
    const settle = (failure?: Error): void => {
      for (const waiter of waiters) {
        if (failure) waiter.reject(failure);
        else waiter.resolve();
      }
    };
    try {
      if (!this.#db.inTransaction) throw new Error('The store rolled back a group of changes.');
      this.#sql('COMMIT').run();
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      this.#cache.clear();
      settle(error as Error);
      return;
    }
    // The commit is in the log file and safe from a crash of this process; once the log is synced it
    // is safe from power loss too, and only then is it reported. The sync runs off the main thread,
    // one at a time: commits made while one runs share the next.
    if (this.#walPath === undefined || this.#closing) settle();
    else {
      this.#unsynced.push(settle);
      this.#syncLog();
    }
  }

  #syncLog(): void {
    if (this.#syncing || this.#unsynced.length === 0) return;
    const settles = this.#unsynced.splice(0);
    this.#syncing = true;
    fdatasync((this.#walFd ??= openSync(this.#walPath!, 'r')), (error) => {
      this.#syncing = false;
      for (const settle of settles) settle(this.#closing ? undefined : (error ?? undefined));
      if (!this.#closing) this.#syncLog();
    });
  }

  /** The statement for `text`, prepared once per store. */
  #sql(text: string): Database.Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  getInstance(instanceId: string): InstanceRow | undefined {
    const cached = this.#cache.instance(instanceId);
    if (cached) return { ...cached.row, engineState: JSON.parse(cached.engineState) as EngineState };
    const raw = this.#sql('SELECT * FROM instances WHERE instance_id = ?').get(instanceId) as
      RawInstance | undefined;
    if (!raw) return undefined;
    const row = toInstance(raw);
    this.#cache.putInstance(row, raw.engine_state);
    return row;
  }

  insertInstance(row: InstanceRow): void {
    const engineState = JSON.stringify(row.engineState);
    this.#sql(
      `INSERT INTO instances VALUES (@instanceId, @name, @runtimeStatus, @input, @output, @customStatus,
         @createdAt, @updatedAt, @parentInstanceId, @parentTaskId, @executionId, @engineState)`,
    ).run({ ...row, engineState });
    this.#cache.putInstance(row, engineState);
  }

  updateInstance(row: InstanceRow): void {
    const engineState = JSON.stringify(row.engineState);
    const { changes } = this.#sql(
      `UPDATE instances SET name=@name, runtime_status=@runtimeStatus, input=@input, output=@output,
         custom_status=@customStatus, created_at=@createdAt, updated_at=@updatedAt, execution_id=@executionId,
         engine_state=@engineState WHERE instance_id=@instanceId`,
    ).run({ ...row, engineState });
    if (changes > 0) this.#cache.updateInstance(row, engineState);
  }

  /** Deletes the instance with its history, inbox and pending work; returns whether it existed. */
  deleteInstance(instanceId: string): boolean {
    this.#cache.forget(instanceId);
    this.#sql('DELETE FROM history WHERE instance_id = ?').run(instanceId);
    this.#sql('DELETE FROM inbox WHERE instance_id = ?').run(instanceId);
    this.#sql('DELETE FROM work WHERE instance_id = ?').run(instanceId);
    return this.#sql('DELETE FROM instances WHERE instance_id = ?').run(instanceId).changes > 0;
  }

  /** Instances in creation order after the keyset cursor; `limit` rows at most. */
  listInstances(filter: InstanceFilter, limit: number, after?: [number, string]): InstanceRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.createdTimeFrom !== undefined) {
      where.push('created_at >= ?');
      params.push(filter.createdTimeFrom);
    }
    if (filter.createdTimeTo !== undefined) {
      where.push('created_at <= ?');
      params.push(filter.createdTimeTo);
    }
    if (filter.runtimeStatus && filter.runtimeStatus.length > 0) {
      where.push(`runtime_status IN (${filter.runtimeStatus.map(() => '?').join(',')})`);
      params.push(...filter.runtimeStatus);
    }
    if (filter.instanceIdPrefix) {
      where.push('substr(instance_id, 1, ?) = ?');
      params.push(filter.instanceIdPrefix.length, filter.instanceIdPrefix);
    }
    if (after) {
      where.push('(created_at > ? OR (created_at = ? AND instance_id > ?))');
      params.push(after[0], after[0], after[1]);
    }
    const sql =
      `SELECT * FROM instances ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ` +
      'ORDER BY created_at, instance_id LIMIT ?';
    return (this.#sql(sql).all(...params, limit) as RawInstance[]).map(toInstance);
  }

  instanceIdsWithPendingInbox(): string[] {
    return (this.#sql('SELECT DISTINCT instance_id FROM inbox').all() as { instance_id: string }[]).map(
      (r) => r.instance_id,
    );
  }

  getHistory(instanceId: string): HistoryEvent[] {
    const cached = this.#cache.history(instanceId);
    if (cached) return cached.map((event) => ({ ...event }));
    const events = (
      this.#sql('SELECT event FROM history WHERE instance_id = ? ORDER BY seq').all(instanceId) as {
        event: string;
      }[]
    ).map((r) => JSON.parse(r.event) as HistoryEvent);
    this.#cache.putHistory(
      instanceId,
      events.map((event) => ({ ...event })),
    );
    return events;
  }

  appendHistory(instanceId: string, events: HistoryEvent[]): void {
    const cached = this.#cache.history(instanceId);
    const next =
      cached?.length ??
      (
        this.#sql('SELECT COALESCE(MAX(seq), -1) + 1 AS next FROM history WHERE instance_id = ?').get(
          instanceId,
        ) as { next: number }
      ).next;
    const insert = this.#sql('INSERT INTO history (instance_id, seq, event) VALUES (?, ?, ?)');
    const stored = events.map(({ IsPlayed: _played, ...event }) => event);
    stored.forEach((event, i) => insert.run(instanceId, next + i, JSON.stringify(event)));
    if (cached) cached.push(...stored.map((event) => ({ ...event })));
    else if (next === 0)
      this.#cache.putHistory(
        instanceId,
        stored.map((event) => ({ ...event })),
      );
  }

  clearHistory(instanceId: string): void {
    this.#sql('DELETE FROM history WHERE instance_id = ?').run(instanceId);
    this.#cache.putHistory(instanceId, []);
  }

  getInbox(instanceId: string): InboxMessage[] {
    return (
      this.#sql('SELECT id, event FROM inbox WHERE instance_id = ? ORDER BY id').all(instanceId) as {
        id: number;
        event: string;
      }[]
    ).map((r) => ({ id: r.id, instanceId, event: JSON.parse(r.event) as HistoryEvent }));
  }

  hasInbox(instanceId: string): boolean {
    return this.#sql('SELECT 1 FROM inbox WHERE instance_id = ? LIMIT 1').get(instanceId) !== undefined;
  }

  addToInbox(instanceId: string, event: HistoryEvent): void {
    this.#sql('INSERT INTO inbox (instance_id, event) VALUES (?, ?)').run(instanceId, JSON.stringify(event));
  }

  removeFromInbox(ids: number[]): void {
    const remove = this.#sql('DELETE FROM inbox WHERE id = ?');
    for (const id of ids) remove.run(id);
  }

  clearInbox(instanceId: string): void {
    this.#sql('DELETE FROM inbox WHERE instance_id = ?').run(instanceId);
  }

  addWork(item: Omit<WorkItem, 'id'>): number {
    return Number(
      this.#sql('INSERT INTO work (instance_id, kind, task_id, due_at, payload) VALUES (?, ?, ?, ?, ?)').run(
        item.instanceId,
        item.kind,
        item.taskId,
        item.dueAt,
        JSON.stringify(item.payload),
      ).lastInsertRowid,
    );
  }

  /** Removes a work item; false when it was no longer pending (so its result must be dropped). */
  takeWork(id: number): boolean {
    return this.#sql('DELETE FROM work WHERE id = ?').run(id).changes === 1;
  }

  removeTimerWork(instanceId: string, taskId: number): void {
    this.#sql("DELETE FROM work WHERE instance_id = ? AND kind = 'timer' AND task_id = ?").run(
      instanceId,
      taskId,
    );
  }

  clearWork(instanceId: string): void {
    this.#sql('DELETE FROM work WHERE instance_id = ?').run(instanceId);
  }

  workOfKind(kind: WorkKind, dueBefore = Number.MAX_SAFE_INTEGER): WorkItem[] {
    return (
      this.#sql('SELECT * FROM work WHERE kind = ? AND due_at <= ? ORDER BY due_at, id').all(
        kind,
        dueBefore,
      ) as {
        id: number;
        instance_id: string;
        kind: WorkKind;
        task_id: number;
        due_at: number;
        payload: string;
      }[]
    ).map((r) => ({
      id: r.id,
      instanceId: r.instance_id,
      kind: r.kind,
      taskId: r.task_id,
      dueAt: r.due_at,
      payload: JSON.parse(r.payload) as Record<string, unknown>,
    }));
  }

  nextTimerDue(): number | undefined {
    const row = this.#sql("SELECT MIN(due_at) AS due FROM work WHERE kind = 'timer'").get() as {
      due: number | null;
    };
    return row.due ?? undefined;
  }

  // ---- entities ------------------------------------------------------------------------------

  getEntity(entityId: string): EntityRow | undefined {
    const raw = this.#sql('SELECT * FROM entities WHERE entity_id = ?').get(entityId) as
      RawEntity | undefined;
    return raw && toEntity(raw);
  }

  putEntity(row: EntityRow): void {
    this.#sql(
      `INSERT INTO entities VALUES (@entityId, @name, @key, @exists, @state, @lockedBy, @lastModifiedAt)
         ON CONFLICT (entity_id) DO UPDATE SET entity_exists = excluded.entity_exists,
         state = excluded.state, locked_by = excluded.locked_by, last_modified_at = excluded.last_modified_at`,
    ).run({ ...row, exists: row.exists ? 1 : 0 });
  }

  /** Entities that exist, in id order after `afterEntityId`; `name` (lower case) narrows to one entity function. */
  listEntities(name: string | undefined, limit: number, afterEntityId = ''): EntityRow[] {
    const rows = (
      name === undefined
        ? this.#sql(
            'SELECT * FROM entities WHERE entity_exists = 1 AND entity_id > ? ORDER BY entity_id LIMIT ?',
          ).all(afterEntityId, limit)
        : this.#sql(
            'SELECT * FROM entities WHERE entity_exists = 1 AND name = ? AND entity_id > ? ORDER BY entity_id LIMIT ?',
          ).all(name, afterEntityId, limit)
    ) as RawEntity[];
    return rows.map(toEntity);
  }

  enqueueEntityMessage(entityId: string, message: Record<string, unknown>): void {
    this.#sql('INSERT INTO entity_queue (entity_id, message) VALUES (?, ?)').run(
      entityId,
      JSON.stringify(message),
    );
  }

  getEntityQueue(entityId: string): EntityQueueMessage[] {
    return (
      this.#sql('SELECT id, message FROM entity_queue WHERE entity_id = ? ORDER BY id').all(entityId) as {
        id: number;
        message: string;
      }[]
    ).map((r) => ({ id: r.id, entityId, message: JSON.parse(r.message) as Record<string, unknown> }));
  }

  /** Removes queue messages; returns how many were still there. */
  removeEntityMessages(ids: number[]): number {
    const remove = this.#sql('DELETE FROM entity_queue WHERE id = ?');
    let removed = 0;
    for (const id of ids) removed += remove.run(id).changes;
    return removed;
  }

  entityIdsWithPendingQueue(): string[] {
    return (this.#sql('SELECT DISTINCT entity_id FROM entity_queue').all() as { entity_id: string }[]).map(
      (r) => r.entity_id,
    );
  }
}
