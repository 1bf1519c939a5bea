import type * as NodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DurableStore } from '../../../emulator/durable/durableStore.js';
import { HistoryEventType, historyEvent } from '../../../emulator/durable/historyEvent.js';

/** The log syncs the store starts, held until the test lets them finish. */
const syncs = vi.hoisted(() => ({ held: [] as Array<() => void> }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>();
  const fdatasync = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) =>
    syncs.held.push(() => fs.fdatasync(fd, done));
  return { ...fs, default: { ...fs, fdatasync }, fdatasync };
});

const event = historyEvent(HistoryEventType.EventRaised, { Name: 'go', Input: null }, -1, new Date(0));
const dirs: string[] = [];
const stores: DurableStore[] = [];

afterEach(() => {
  for (const release of syncs.held.splice(0)) release();
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openStore(): DurableStore {
  const dir = mkdtempSync(join(tmpdir(), 'durable-group-'));
  dirs.push(dir);
  const store = new DurableStore(dir, 'GroupHub');
  stores.push(store);
  return store;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Whether `promise` has settled once the pending callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await nextTurn();
  return done;
}

/** A store whose first group has committed at the end of its turn, its log sync held. */
async function committedGroup(): Promise<{ store: DurableStore; committed: Promise<void> }> {
  const store = openStore();
  store.transaction(() => store.addToInbox('a', event));
  const committed = store.committed();
  await nextTurn();
  expect(syncs.held).toHaveLength(1);
  return { store, committed };
}

describe('group commit and the log sync', () => {
  it('reports a commit only once the log is synced', async () => {
    const { committed } = await committedGroup();
    expect(await settled(committed)).toBe(false);
    syncs.held.shift()!();
    await expect(committed).resolves.toBeUndefined();
  });

  it('makes a later caller wait for the sync of a group committed in an earlier turn', async () => {
    const { store } = await committedGroup();
    // The group is committed; its sync is under way. A reader now must not hear "done" before it.
    const later = store.committed();
    expect(await settled(later)).toBe(false);
    syncs.held.shift()!();
    await vi.waitFor(() => expect(syncs.held).toHaveLength(1));
    expect(await settled(later)).toBe(false);
    syncs.held.shift()!();
    await expect(later).resolves.toBeUndefined();
  });

  it('answers at once when every commit is synced', async () => {
    const { store, committed } = await committedGroup();
    syncs.held.shift()!();
    await committed;
    expect(await settled(store.committed())).toBe(true);
  });
});
