import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InstanceAlreadyExistsError,
  InstanceAlreadyFinishedError,
} from '../../../emulator/durable/durableErrors.js';
import { DurableStore } from '../../../emulator/durable/durableStore.js';
import { EpisodeRules } from '../../../emulator/durable/episodeRules.js';
import { HistoryEventType } from '../../../emulator/durable/historyEvent.js';
import { InstanceRules } from '../../../emulator/durable/instanceRules.js';
import { ActionType, type OrchestratorAction } from '../../../emulator/durable/orchestratorAction.js';
import { ManualClock } from '../../../emulator/shared/clock.js';

const MINUTE = 60_000;

let dataDir: string;
let store: DurableStore;
let clock: ManualClock;
let instances: InstanceRules;
let episodes: EpisodeRules;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'instance-rules-'));
  store = new DurableStore(dataDir, 'RulesHub');
  clock = new ManualClock();
  instances = new InstanceRules(store, clock, (name) => name === 'orchestrator');
  episodes = new EpisodeRules(store, instances, clock, (name) => name === 'orchestrator' || name === 'work');
});

afterEach(() => {
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs the instance's next episode as if the orchestrator had returned `actions` (all actions so far). */
function runEpisode(instanceId: string, actions: OrchestratorAction[], done?: { output: unknown }) {
  const episode = episodes.begin(instanceId);
  if (!episode) throw new Error(`no episode to run for ${instanceId}`);
  return episodes.complete(episode, {
    state: { isDone: done !== undefined, output: done?.output, actions: [actions] },
  });
}

function inboxTypes(instanceId: string): number[] {
  return store.getInbox(instanceId).map((m) => m.event.EventType);
}

describe('instance rules', () => {
  it('fires a durable timer only once the clock reaches its fire time', () => {
    instances.start('orchestrator', 'timer-1', null);
    const fireAt = new Date(clock.now() + 5 * MINUTE).toISOString();
    runEpisode('timer-1', [{ actionType: ActionType.CreateTimer, fireAt, isCanceled: false }]);
    expect(store.nextTimerDue()).toBe(Date.parse(fireAt));

    clock.advance(5 * MINUTE - 1);
    expect([...instances.fireDueTimers()]).toEqual([]);
    expect(inboxTypes('timer-1')).toEqual([]);

    clock.advance(1);
    expect([...instances.fireDueTimers()]).toEqual(['timer-1']);
    expect(store.getInbox('timer-1').map((m) => m.event)).toEqual([
      expect.objectContaining({ EventType: HistoryEventType.TimerFired, TimerId: 0, FireAt: fireAt }),
    ]);
    expect(store.nextTimerDue()).toBeUndefined();
  });

  it('drops a timer the orchestrator cancelled, so it never fires', () => {
    instances.start('orchestrator', 'timer-2', null);
    const fireAt = new Date(clock.now() + MINUTE).toISOString();
    runEpisode('timer-2', [
      { actionType: ActionType.CreateTimer, fireAt, isCanceled: false },
      { actionType: ActionType.WaitForExternalEvent, externalEventName: 'Go' },
    ]);
    instances.raiseEvent('timer-2', 'Go', '1');
    runEpisode('timer-2', [
      { actionType: ActionType.CreateTimer, fireAt, isCanceled: true },
      { actionType: ActionType.WaitForExternalEvent, externalEventName: 'Go' },
    ]);
    clock.advance(10 * MINUTE);
    expect([...instances.fireDueTimers()]).toEqual([]);
  });

  it('waits the retry interval (with backoff) before the next attempt of a failed activity', () => {
    instances.start('orchestrator', 'retry-1', null);
    const call: OrchestratorAction = {
      actionType: ActionType.CallActivityWithRetry,
      functionName: 'work',
      input: '"x"',
      retryOptions: {
        firstRetryIntervalInMilliseconds: 1_000,
        maxNumberOfAttempts: 3,
        backoffCoefficient: 2,
      },
    };
    const first = runEpisode('retry-1', [call]);
    expect(first.activities.map((a) => a.taskId)).toEqual([0]);
    instances.recordActivityOutcome(first.activities[0]!, { error: new Error('busy') });
    runEpisode('retry-1', [call]);
    expect(store.nextTimerDue()).toBe(clock.now() + 1_000);

    clock.advance(999);
    expect([...instances.fireDueTimers()]).toEqual([]);
    clock.advance(1);
    expect([...instances.fireDueTimers()]).toEqual(['retry-1']);
    const second = runEpisode('retry-1', [call]);
    expect(second.activities.map((a) => [a.taskId, a.payload.name])).toEqual([[2, 'work']]);

    instances.recordActivityOutcome(second.activities[0]!, { error: new Error('busy') });
    runEpisode('retry-1', [call]);
    expect(store.nextTimerDue()).toBe(clock.now() + 2_000);
  });

  it('refuses to terminate a completed instance with 410 InstanceFinished', () => {
    instances.start('orchestrator', 'done-1', null);
    const result = runEpisode('done-1', [], { output: 'ok' });
    expect(result.finished).toBe(true);
    expect(store.getInstance('done-1')).toMatchObject({ runtimeStatus: 'Completed', output: '"ok"' });

    const refusal = (() => {
      try {
        instances.terminate('done-1', 'too late');
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(InstanceAlreadyFinishedError);
    expect(refusal).toMatchObject({ code: 'InstanceFinished', httpStatus: 410, retryable: false });
    expect(store.getInstance('done-1')?.runtimeStatus).toBe('Completed');
  });

  it('terminates a running instance, drops its pending timers and stamps the time of the clock', () => {
    instances.start('orchestrator', 'run-1', null);
    runEpisode('run-1', [
      { actionType: ActionType.CreateTimer, fireAt: new Date(clock.now() + MINUTE).toISOString() },
    ]);
    clock.advance(30_000);
    instances.terminate('run-1', 'no longer needed');
    expect(store.getInstance('run-1')).toMatchObject({
      runtimeStatus: 'Terminated',
      output: '"no longer needed"',
      updatedAt: clock.now(),
    });
    clock.advance(MINUTE);
    expect([...instances.fireDueTimers()]).toEqual([]);
  });

  it('holds events while suspended and delivers them after resume', () => {
    instances.start('orchestrator', 'pause-1', null);
    runEpisode('pause-1', [{ actionType: ActionType.WaitForExternalEvent, externalEventName: 'Go' }]);
    instances.suspend('pause-1', 'maintenance');
    instances.raiseEvent('pause-1', 'Go', '1');
    expect(store.getInstance('pause-1')?.runtimeStatus).toBe('Suspended');
    expect(episodes.begin('pause-1')).toBeUndefined();

    instances.resume('pause-1', 'done');
    expect(store.getInstance('pause-1')?.runtimeStatus).toBe('Running');
    expect(episodes.begin('pause-1')?.batch.map((m) => m.event.EventType)).toEqual([
      HistoryEventType.EventRaised,
    ]);
  });

  it('restarts under the same id only once the instance has finished', () => {
    instances.start('orchestrator', 'again-1', '"input"');
    expect(() => instances.restart('again-1', false)).toThrow(InstanceAlreadyExistsError);
    runEpisode('again-1', [], { output: null });
    const restarted = instances.restart('again-1', false);
    expect(restarted).toMatchObject({ instanceId: 'again-1', runtimeStatus: 'Pending', input: '"input"' });
    expect(instances.restart('again-1', true).instanceId).not.toBe('again-1');
  });
});
