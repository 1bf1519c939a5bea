import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DurableStore } from '../../../emulator/durable/durableStore.js';
import { type InstanceRow, emptyEngineState } from '../../../emulator/durable/storeRows.js';
import { HistoryEventType, historyEvent } from '../../../emulator/durable/historyEvent.js';

const dirs: string[] = [];
const stores: DurableStore[] = [];

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openStore(groupCommit: boolean): {
  store: DurableStore;
  onDisk: (instanceId: string) => number;
  dir: string;
} {
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
  return { store, onDisk, dir };
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

  it('puts what follows a group SQLite rolled back on its own into a new group, not a commit of its own', async () => {
    const { store, onDisk, dir } = openStore(true);
    // A trigger that makes SQLite roll back the whole transaction, as a full disk or an I/O error does.
    const other = new Database(join(dir, 'durable-StoreHub.sqlite'));
    other.exec(
      "CREATE TRIGGER boom BEFORE INSERT ON inbox WHEN NEW.instance_id = 'boom' BEGIN SELECT RAISE(ROLLBACK, 'disk full'); END",
    );
    other.close();
    store.transaction(() => store.addToInbox('lost', event));
    const lost = store.committed();
    expect(() => store.transaction(() => store.addToInbox('boom', event))).toThrow('disk full');
    store.transaction(() => store.addToInbox('after', event));
    const after = store.committed();
    await expect(lost).rejects.toThrow('rolled back');
    // Not on disk before its group commits: it waits with the others of its turn.
    expect(onDisk('after')).toBe(0);
    await expect(after).resolves.toBeUndefined();
    expect(onDisk('lost')).toBe(0);
    expect(onDisk('after')).toBe(1);
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

function instanceRow(instanceId: string): InstanceRow {
  return {
    instanceId,
    name: 'chaining',
    runtimeStatus: 'Running',
    input: '"in"',
    output: null,
    customStatus: null,
    createdAt: 1,
    updatedAt: 1,
    parentInstanceId: 'parent',
    parentTaskId: 3,
    executionId: 'e1',
    engineState: emptyEngineState(),
  };
}

describe.each([true, false])('what the store reads back (group commit %s)', (groupCommit) => {
  it('is what was written, and no caller can change it by editing what it got', async () => {
    const { store } = openStore(groupCommit);
    store.transaction(() => {
      store.insertInstance(instanceRow('i'));
      store.appendHistory('i', [event]);
    });
    const read = store.getInstance('i')!;
    read.engineState.leaves.push('edited');
    store.getHistory('i')[0]!.Name = 'edited';
    store.transaction(() => {
      store.updateInstance({
        ...read,
        engineState: emptyEngineState(),
        runtimeStatus: 'Completed',
        parentTaskId: 9,
      });
      store.appendHistory('i', [{ ...event, Name: 'second' }]);
    });
    await store.committed();
    const after = store.getInstance('i')!;
    expect(after.runtimeStatus).toBe('Completed');
    expect(after.engineState.leaves).toEqual([]);
    // An update leaves the parent as it was, as the table does.
    expect(after.parentTaskId).toBe(3);
    expect(store.getHistory('i').map((e) => e.Name)).toEqual(['go', 'second']);
  });

  it('forgets what a transaction that threw had written', async () => {
    const { store } = openStore(groupCommit);
    store.transaction(() => {
      store.insertInstance(instanceRow('i'));
      store.appendHistory('i', [event]);
    });
    expect(() =>
      store.transaction(() => {
        store.updateInstance({ ...instanceRow('i'), runtimeStatus: 'Failed' });
        store.appendHistory('i', [{ ...event, Name: 'undone' }]);
        throw new Error('rule refused');
      }),
    ).toThrow('rule refused');
    await store.committed();
    expect(store.getInstance('i')!.runtimeStatus).toBe('Running');
    expect(store.getHistory('i').map((e) => e.Name)).toEqual(['go']);
    store.transaction(() => store.appendHistory('i', [{ ...event, Name: 'next' }]));
    expect(store.getHistory('i').map((e) => e.Name)).toEqual(['go', 'next']);
  });

  it('forgets a deleted instance and its history', () => {
    const { store } = openStore(groupCommit);
    store.transaction(() => {
      store.insertInstance(instanceRow('i'));
      store.appendHistory('i', [event]);
    });
    store.transaction(() => store.deleteInstance('i'));
    expect(store.getInstance('i')).toBeUndefined();
    expect(store.getHistory('i')).toEqual([]);
  });
});
