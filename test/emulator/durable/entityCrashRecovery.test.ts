import { describe, expect, it } from 'vitest';
import type { InstanceStatusBody } from '../../../emulator/durable/instanceStatusBody.js';
import { requestJson, waitForStatus, ENTITIES_APP_DIR } from './support/durableHostProcess.js';
import { durableApi as api, useCrashHosts } from './support/crashHosts.js';

const hosts = useCrashHosts('durable-entities-crash-', { hostOptions: () => ({ appDir: ENTITIES_APP_DIR }) });

const ACCOUNTS = ['alice', 'bob', 'carol'];
const TRANSFERS = Array.from({ length: 48 }, (_, i) => ({
  from: ACCOUNTS[i % 3]!,
  to: ACCOUNTS[(i + 1 + (i % 2)) % 3]!,
  amount: i + 1,
}));
const CLIENT_SIGNALS = 75;
const COUNTER_ORCHESTRATIONS = 20;

async function entityState(origin: string, path: string): Promise<unknown> {
  const { status, body } = await requestJson(api(origin, `entities/${path}`));
  return status === 200 ? body : undefined;
}

async function waitForEntity(origin: string, path: string, expected: unknown): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last: unknown;
  while (Date.now() < deadline) {
    last = await entityState(origin, path);
    if (last === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`entity ${path} is ${JSON.stringify(last)}, expected ${JSON.stringify(expected)}`);
}

describe('durable entities survive kill -9 of the host', () => {
  // Two hosts, a hundred orchestrations and their histories: minutes on two busy cores, not seconds.
  it(
    'finishes transfers and counts after a restart with exact balances and no operation applied twice',
    { timeout: 180_000 },
    async () => {
      const first = await hosts.start();
      for (const key of ACCOUNTS) {
        await requestJson(api(first.origin, `entities/account/${key}?op=deposit`), {
          method: 'POST',
          body: 10_000,
        });
      }
      for (const key of ACCOUNTS) await waitForEntity(first.origin, `account/${key}`, 10_000);

      for (let i = 0; i < CLIENT_SIGNALS; i += 25) {
        await Promise.all(
          Array.from({ length: 25 }, () =>
            requestJson(api(first.origin, 'entities/counterEntity/crash?op=add'), {
              method: 'POST',
              body: 1,
            }),
          ),
        );
      }

      // Transfers queue behind a lock on every account, so they all start before the first one runs.
      await requestJson(api(first.origin, 'orchestrators/holdLock/crash-hold'), {
        method: 'POST',
        body: ACCOUNTS,
      });
      await waitForStatus(api(first.origin, 'instances/crash-hold?showHistory=true'), (s) =>
        (s.historyEvents ?? []).some((e) => e.EventType === 'EventRaised'),
      );
      await Promise.all([
        ...TRANSFERS.map((t, i) =>
          requestJson(api(first.origin, `orchestrators/transfer/crash-transfer-${i}`), {
            method: 'POST',
            body: t,
          }),
        ),
        ...Array.from({ length: COUNTER_ORCHESTRATIONS }, (_, i) =>
          requestJson(api(first.origin, `orchestrators/counterOrchestration/crash-counter-${i}`), {
            method: 'POST',
            body: '"crash"',
          }),
        ),
      ]);
      await requestJson(api(first.origin, 'instances/crash-hold/raiseEvent/release'), {
        method: 'POST',
        body: {},
      });

      // Kill once some transfers have finished and others have not.
      let completedAtKill = 0;
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const { body } = await requestJson(
          api(first.origin, 'instances?instanceIdPrefix=crash-transfer-&top=100'),
        );
        completedAtKill = (body as InstanceStatusBody[]).filter(
          (s) => s.runtimeStatus === 'Completed',
        ).length;
        if (completedAtKill >= 3) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await first.killNow();
      expect(first.signal()).toBe('SIGKILL');
      expect(completedAtKill).toBeGreaterThanOrEqual(3);
      expect(completedAtKill).toBeLessThan(TRANSFERS.length);

      const second = await hosts.start();
      for (let i = 0; i < TRANSFERS.length; i++) {
        const done = await waitForStatus(
          api(second.origin, `instances/crash-transfer-${i}`),
          undefined,
          60_000,
        );
        expect(done, `transfer ${i}`).toMatchObject({ runtimeStatus: 'Completed', output: true });
        const history = (
          (await requestJson(api(second.origin, `instances/crash-transfer-${i}?showHistory=true`)))
            .body as InstanceStatusBody
        ).historyEvents!;
        const sent = history.filter((e) => e.EventType === 'EventSent').map((e) => e.EventId);
        const raised = history.filter((e) => e.EventType === 'EventRaised').map((e) => e.Name);
        expect(new Set(sent).size, JSON.stringify(history)).toBe(sent.length);
        expect(new Set(raised).size, JSON.stringify(history)).toBe(raised.length);
        // lock, get, withdraw, deposit, then one release per locked account
        expect(sent).toHaveLength(6);
        expect(raised).toHaveLength(4);
      }
      for (let i = 0; i < COUNTER_ORCHESTRATIONS; i++) {
        const done = await waitForStatus(
          api(second.origin, `instances/crash-counter-${i}`),
          undefined,
          60_000,
        );
        expect(done.runtimeStatus).toBe('Completed');
      }

      const expected = new Map(ACCOUNTS.map((key) => [key, 10_000]));
      for (const t of TRANSFERS) {
        expected.set(t.from, expected.get(t.from)! - t.amount);
        expected.set(t.to, expected.get(t.to)! + t.amount);
      }
      for (const key of ACCOUNTS) await waitForEntity(second.origin, `account/${key}`, expected.get(key));
      await waitForEntity(second.origin, 'counterEntity/crash', CLIENT_SIGNALS + COUNTER_ORCHESTRATIONS);
      // Settled: nothing more arrives later (a duplicate would show up as an extra count).
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await entityState(second.origin, 'counterEntity/crash')).toBe(
        CLIENT_SIGNALS + COUNTER_ORCHESTRATIONS,
      );
      for (const key of ACCOUNTS)
        expect(await entityState(second.origin, `account/${key}`)).toBe(expected.get(key));
      await second.stop();
    },
  );
});
