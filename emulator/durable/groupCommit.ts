import type Database from 'better-sqlite3';
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

type Settle = (failure?: Error) => void;

/**
 * Group commit for one SQLite connection in WAL mode: the transactions of one event-loop turn share
 * one SQLite transaction that commits at the end of the turn. The commit is then in the log file and
 * safe from a crash of this process; the log is synced on libuv's thread pool (one sync at a time,
 * commits made meanwhile share the next), and who waits in `committed()` hears only after that, when
 * the commit is safe from power loss too.
 */
export class GroupCommit {
  readonly #db: Database.Database;
  readonly #statement: (text: string) => Database.Statement;
  /** Called when a group fails to commit (what was read from it is no longer true). */
  readonly #onRollback: () => void;
  /** The write-ahead log to sync; undefined for a database in memory (or not in WAL mode). */
  readonly #logPath: string | undefined;
  /** Who waits for the open group's commit; undefined when no group is open. */
  #group: Waiter[] | undefined;
  #logFd: number | undefined;
  #syncing = false;
  #closing = false;
  /** Commits (and callers of `committed()`) waiting for the next sync of the log. */
  readonly #unsynced: Settle[] = [];

  constructor(
    db: Database.Database,
    statement: (text: string) => Database.Statement,
    onRollback: () => void,
  ) {
    this.#db = db;
    this.#statement = statement;
    this.#onRollback = onRollback;
    if (db.pragma('journal_mode', { simple: true }) === 'wal') {
      // SQLite need not sync at each commit (NORMAL keeps the database consistent); the log is synced here.
      db.pragma('synchronous = NORMAL');
      this.#logPath = `${db.name}-wal`;
    }
  }

  /** Opens a group for this turn unless one is open. */
  open(): void {
    // SQLite itself rolls back the whole transaction on some errors (a full disk, I/O): that group
    // has failed, and what follows belongs in a new one, never in a commit of its own.
    if (this.#group && !this.#db.inTransaction) this.#commit();
    if (this.#group) return;
    this.#statement('BEGIN').run();
    this.#group = [];
    setImmediate(() => this.#commit());
  }

  /** Resolves once everything written so far is committed and synced (at once when nothing is pending). */
  committed(): Promise<void> {
    const group = this.#group;
    if (group) return new Promise((resolve, reject) => group.push({ resolve, reject }));
    // A group committed earlier may still wait for its sync: answer after a sync that starts now.
    if (this.#logPath === undefined || this.#closing || (!this.#syncing && this.#unsynced.length === 0))
      return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#unsynced.push((failure) => (failure ? reject(failure) : resolve()));
      this.#syncLog();
    });
  }

  /** Commits the open group and syncs the log at once, before the connection closes. */
  close(): void {
    this.#closing = true;
    this.#commit();
    const fd = this.#logFd;
    this.#logFd = undefined;
    try {
      // Earlier commits' syncs still under way then find the file closed; this sync covers them.
      if (fd !== undefined) fdatasyncSync(fd);
    } finally {
      if (fd !== undefined) closeSync(fd);
      for (const settle of this.#unsynced.splice(0)) settle();
    }
  }

  #commit(): void {
    const waiters = this.#group;
    if (!waiters) return;
    this.#group = undefined;
    const settle: Settle = (failure) => {
      for (const waiter of waiters) {
        if (failure) waiter.reject(failure);
        else waiter.resolve();
      }
    };
    try {
      if (!this.#db.inTransaction) throw new Error('The store rolled back a group of changes.');
      this.#statement('COMMIT').run();
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      this.#onRollback();
      settle(error as Error);
      return;
    }
    if (this.#logPath === undefined || this.#closing) settle();
    else {
      this.#unsynced.push(settle);
      this.#syncLog();
    }
  }

  #syncLog(): void {
    if (this.#syncing || this.#unsynced.length === 0 || this.#closing) return;
    const settles = this.#unsynced.splice(0);
    let fd: number;
    try {
      fd = this.#openLog();
    } catch (error) {
      for (const settle of settles) settle(error as Error);
      return;
    }
    this.#syncing = true;
    fdatasync(fd, (error) => {
      this.#syncing = false;
      for (const settle of settles) settle(this.#closing ? undefined : (error ?? undefined));
      this.#syncLog();
    });
  }

  /** The log file, opened once; its folder is synced then, so the file's name is on disk too. */
  #openLog(): number {
    if (this.#logFd !== undefined) return this.#logFd;
    const fd = openSync(this.#logPath!, 'r');
    const folder = openSync(dirname(this.#logPath!), 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
    this.#logFd = fd;
    return fd;
  }
}
