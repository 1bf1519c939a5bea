import type { HistoryEvent } from './historyEvent.js';
import type { InstanceRow } from './storeRows.js';

/** How many instances' rows and histories the store keeps read (least recently used go first). */
const CACHED_INSTANCES = 2_000;

/**
 * Instance rows and histories as last written, so an episode does not read back and parse what the
 * previous episode of the same instance wrote. Entries are copies: callers never hold a cached object.
 */
export class StoreCache {
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
