import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DurableEngine, type EngineHost } from '../../../emulator/durable/durableEngine.js';
import { DurableStore } from '../../../emulator/durable/durableStore.js';
import type { RegisteredFunction } from '../../../emulator/host/extension.js';
import { ManualClock } from '../../../emulator/shared/clock.js';
import { loadRegisteredHandler } from '../../support/orchestratorReplay.js';

const MINUTE = 60_000;
type Handler = Awaited<ReturnType<typeof loadRegisteredHandler>>;

/** Registers through the real durable-functions library, so episodes run on its replay engine. */
async function registerOrchestrations(): Promise<void> {
  const df = await import('durable-functions');
  df.app.orchestration('waitFiveMinutes', function* (context) {
    const fireAt = new Date(context.df.currentUtcDateTime.getTime() + 5 * MINUTE);
    yield context.df.createTimer(fireAt);
    return `woke at ${context.df.currentUtcDateTime.toISOString()}`;
  });
}

let handler: Handler;
let dataDir: string;
let store: DurableStore;
let clock: ManualClock;
let engine: DurableEngine;

/** The slice of the Functions host the engine uses, invoking the registered handler directly. */
function hostFor(name: string, orchestrator: Handler): EngineHost {
  const trigger = { type: 'orchestrationTrigger', direction: 'in' as const, name: 'context' };
  const fn: RegisteredFunction = {
    name,
    bindings: { context: trigger },
    triggerBindingName: 'context',
    trigger,
  };
  return {
    functions: new Map([[name, fn]]),
    log: () => undefined,
    async invoke(_name, { data }) {
      const df = await import('durable-functions');
      const payload = JSON.parse((data as { string: string }).string) as unknown;
      try {
        return { returnValue: await orchestrator(payload, new df.DummyOrchestrationContext(name)) };
      } catch (error) {
        return { returnValue: undefined, error: error as Error };
      }
    },
  };
}

beforeAll(async () => {
  handler = await loadRegisteredHandler(registerOrchestrations, 'waitFiveMinutes');
});

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'durable-engine-'));
  store = new DurableStore(dataDir, 'ClockHub');
  clock = new ManualClock(Date.parse('2026-05-01T08:00:00.000Z'));
  engine = new DurableEngine(
    store,
    hostFor('waitFiveMinutes', handler),
    { hubName: 'ClockHub', maxConcurrentActivityFunctions: 2, maxConcurrentOrchestratorFunctions: 2 },
    clock,
  );
  engine.start();
});

afterEach(async () => {
  await engine.stop();
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('durable engine on an injected clock', () => {
  it('completes an orchestration waiting on a durable timer only once the clock passes its fire time', async () => {
    engine.startNew('waitFiveMinutes', 'nap-1', null);
    await engine.idle();
    expect(store.getInstance('nap-1')?.runtimeStatus).toBe('Running');

    clock.advance(5 * MINUTE - 1);
    await engine.idle();
    expect(store.getInstance('nap-1')?.runtimeStatus).toBe('Running');

    clock.advance(1);
    await engine.idle();
    expect(store.getInstance('nap-1')).toMatchObject({
      runtimeStatus: 'Completed',
      output: JSON.stringify('woke at 2026-05-01T08:05:00.000Z'),
    });
  });

  it('fires a timer that fell due while the engine was stopped as soon as it starts again', async () => {
    engine.startNew('waitFiveMinutes', 'nap-2', null);
    await engine.idle();
    await engine.stop();
    clock.advance(10 * MINUTE);
    expect(store.getInstance('nap-2')?.runtimeStatus).toBe('Running');

    engine.start();
    clock.advance(0);
    await engine.idle();
    expect(store.getInstance('nap-2')).toMatchObject({
      runtimeStatus: 'Completed',
      output: JSON.stringify('woke at 2026-05-01T08:10:00.000Z'),
    });
  });
});
