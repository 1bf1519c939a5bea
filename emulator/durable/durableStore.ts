import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GroupCommit } from './groupCommit.js';
import type { HistoryEvent } from './historyEvent.js';
import { StoreCache } from './storeCache.js';
import {
  type EngineState,
  type EntityQueueMessage,
  type EntityRow,
  type InboxMessage,
  type InstanceFilter,
  type InstanceRow,
  type RawEntity,
  type RawInstance,
  STORE_SCHEMA,
  type WorkItem,
  type WorkKind,
  toEntity,
  toInstance,
} from './storeRows.js';

const IN_MEMORY = ':memory:';

export interface DurableStoreOptions {
  /**
   * Group commit (default true): the transactions of one event-loop turn share one commit, so one
   * fsync covers every outcome and episode that finished in that turn. Callers act on a transaction's
   * result only once `committed()` resolves. False commits each transaction on its own (for comparison).
   */
  groupCommit?: boolean;
}

/**
 * SQLite store for one task hub in WAL mode: a committed episode survives kill -9 and power loss.
 * Every state change is one transaction; with group commit (see GroupCommit), the transactions of
 * one event-loop turn are savepoints inside one SQLite transaction, and `committed()` resolves once
 * what was written so far is on disk. Instance rows and histories are kept as written (bounded), so
 * episodes do not read back what the previous episode wrote.
 */
export class DurableStore {
  readonly #db: Database.Database;
  readonly #groupCommit: boolean;
  readonly #statements = new Map<string, Database.Statement>();
  /** Undefined with group commit off (SQLite then commits each transaction and syncs itself). */
  readonly #groups: GroupCommit | undefined;
  #savepointDepth = 0;
  /** What episodes read again and again, as last written (cleared whenever a change is undone). */
  readonly #cache = new StoreCache();

  /** `dataDir` ':memory:' keeps the hub in memory only (for tests that need no crash safety). */
  constructor(dataDir: string, hubName: string, options: DurableStoreOptions = {}) {
    this.#groupCommit = options.groupCommit ?? true;
    const safeHub = hubName.replace(/[^A-Za-z0-9_-]/g, '_');
    if (dataDir !== IN_MEMORY) mkdirSync(dataDir, { recursive: true });
    this.#db = new Database(dataDir === IN_MEMORY ? IN_MEMORY : join(dataDir, `durable-${safeHub}.sqlite`));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    // Savepoints keep their undo copies in memory rather than in temporary files.
    this.#db.pragma('temp_store = MEMORY');
    this.#groups = this.#groupCommit
      ? new GroupCommit(
          this.#db,
          (text) => this.#sql(text),
          () => this.#cache.clear(),
        )
      : undefined;
    this.#db.exec(STORE_SCHEMA);
  }

  /** Commits what is pending, then closes the database. */
  close(): void {
    this.#groups?.close();
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
    this.#groups?.open();
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
    return this.#groups?.committed() ?? Promise.resolve();
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
    // New objects: the cache may keep them as they are (it hands out copies).
    const stored = events.map(({ IsPlayed: _played, ...event }) => event);
    stored.forEach((event, i) => insert.run(instanceId, next + i, JSON.stringify(event)));
    if (cached) cached.push(...stored);
    else if (next === 0) this.#cache.putHistory(instanceId, stored);
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
