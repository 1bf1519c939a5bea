import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cancelPlaylistChildren } from '../../../src/app/orchestrations/playlistActivities.js';
import { InMemoryDurableBackend } from '../support/inMemoryDurableBackend.js';

const backend = new InMemoryDurableBackend();
/** Cancel records as the job signal store would keep them (the store itself is tested on Azurite). */
const recorded: string[] = [];
const signals = { recordCancel: async (id: string) => void recorded.push(id) };
const PARENT = '0123456789abcdef0123456789abcdef';
const child = (n: number) => `${PARENT}-p00${n}`;

beforeAll(() => backend.start());
afterAll(() => backend.stop());
beforeEach(() => {
  backend.instances.clear();
  backend.events.length = 0;
  recorded.length = 0;
});

describe('cancelPlaylistChildren', () => {
  it('raises the cancel on each running item through the durable client, and leaves finished ones alone', async () => {
    backend.addInstance(child(1), 'Running');
    backend.addInstance(child(2), 'Completed');
    backend.addInstance(child(3), 'Pending');
    const { client } = backend.invocation('cancelPlaylistChildren');
    const outcome = await cancelPlaylistChildren(
      { childIds: [child(1), child(2), child(3)] },
      client,
      signals,
    );
    expect(outcome).toEqual({ canceled: [child(1), child(3)], finished: [child(2)] });
    expect(backend.events.map((e) => [e.instanceId, e.eventName])).toEqual([
      [child(1), 'CancelJob'],
      [child(3), 'CancelJob'],
    ]);
    // Recorded before each raise, so a child between two generations still finds the request.
    expect(recorded).toEqual([child(1), child(3)]);
  });

  it('throws, to be retried, while an item it was asked to cancel does not exist yet', async () => {
    backend.addInstance(child(1), 'Running');
    const { client } = backend.invocation('cancelPlaylistChildren');
    await expect(cancelPlaylistChildren({ childIds: [child(1), child(2)] }, client, signals)).rejects.toThrow(
      child(2),
    );
    // The items that exist are canceled on this try already; raising again on the next is harmless.
    expect(backend.events.map((e) => e.instanceId)).toEqual([child(1)]);
  });
});
