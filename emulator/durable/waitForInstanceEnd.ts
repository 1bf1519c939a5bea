import type { DurableStore } from './durableStore.js';
import type { InstanceRow } from './storeRows.js';
import { isTerminal } from './storeRows.js';
import { BadDurableRequestError } from './durableErrors.js';

/** The `timeout` and `pollingInterval` query parameters (seconds) of a start or restart, when both are numbers. */
export function readWaitParameters(
  query: URLSearchParams,
): { timeoutMs: number; intervalMs: number } | undefined {
  const seconds = (name: string) => {
    const text = query.get(name);
    if (text === null || text.trim() === '') return undefined;
    const value = Number(text);
    return Number.isFinite(value) ? value * 1000 : undefined;
  };
  const timeoutMs = seconds('timeout');
  const intervalMs = seconds('pollingInterval');
  // The extension waits only when both parse; otherwise it answers 202 at once.
  if (timeoutMs === undefined || intervalMs === undefined) return undefined;
  if (intervalMs > timeoutMs) {
    throw new BadDurableRequestError(
      `Total timeout ${timeoutMs / 1000} should be bigger than retry timeout ${intervalMs / 1000}.`,
    );
  }
  return { timeoutMs, intervalMs };
}

/**
 * Polls the instance every `intervalMs` until it finishes or `timeoutMs` passes, as the extension's
 * WaitForCompletionOrCreateCheckStatusResponseAsync does; returns the last row read.
 */
export async function waitForInstanceEnd(
  store: DurableStore,
  instanceId: string,
  timeoutMs: number,
  intervalMs: number,
): Promise<InstanceRow | undefined> {
  const started = Date.now();
  for (;;) {
    const row = store.getInstance(instanceId);
    if (row && isTerminal(row.runtimeStatus)) return row;
    const remaining = timeoutMs - (Date.now() - started);
    if (remaining <= 0) return row;
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(intervalMs, remaining))));
  }
}
