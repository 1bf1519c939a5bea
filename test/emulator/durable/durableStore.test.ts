import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DurableStore } from '../../../emulator/durable/durableStore.js';
import { HistoryEventType, historyEvent } from '../../../emulator/durable/historyEvent.js';

const dirs: string[] = [];
const stores: DurableStore[] = [];

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openStore(groupCommit: boolean): { store: DurableStore; onDisk: (instanceId: string) => number } {
  const dir = mkdtempSync(join(tmpdir(), 'durable-store-'));
  dirs.push(dir);
  const store = new DurableStore(dir, 'StoreHub', { groupCommit });
  stores.push(store);
  // What another connection (a restarted host) would find in the file.
  const onDisk = (instanceId: string) => {
    const db = new Database(join(dir, 'durable-StoreHub.sqlite'));
    try {
      return (
        db.prepare('SELECT COUNT(*) AS n FROM inbox WHERE instance_id = ?').get(instanceId) as { n: number }
      ).n;
    } finally {
      db.close();
    }
  };
  return { store, onDisk };
}

const event = historyEvent(HistoryEventType.EventRaised, { Name: 'go', Input: null }, -1, new Date(0));

describe('the durable store with group commit', () => {
  it('puts the transactions of one turn on disk together, when committed() resolves', async () => {
    const { store, onDisk } = openStore(true);
    store.transaction(() => store.addToInbox('a', event));
    store.transaction(() => store.addToInbox('a', event));
    expect(store.getInbox('a')).toHaveLength(2);
    expect(onDisk('a')).toBe(0);
    await store.committed();
    expect(onDisk('a')).toBe(2);
  });

  it('undoes only the transaction that threw', async () => {
    const { store, onDisk } = openStore(true);
    store.transaction(() => store.addToInbox('kept', event));
    expect(() =>
      store.transaction(() => {
        store.addToInbox('undone', event);
        throw new Error('rule refused');
      }),
    ).toThrow('rule refused');
    await store.committed();
    expect(onDisk('kept')).toBe(1);
    expect(onDisk('undone')).toBe(0);
  });

  it('commits what is pending when it is closed', () => {
    const { store, onDisk } = openStore(true);
    store.transaction(() => store.addToInbox('a', event));
    store.close();
    stores.splice(stores.indexOf(store), 1);
    expect(onDisk('a')).toBe(1);
  });

  it('commits each transaction on its own with group commit off', async () => {
    const { store, onDisk } = openStore(false);
    store.transaction(() => store.addToInbox('a', event));
    expect(onDisk('a')).toBe(1);
    await expect(store.committed()).resolves.toBeUndefined();
  });
});
