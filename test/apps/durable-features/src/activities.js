import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as df from 'durable-functions';

df.app.activity('sayHello', { handler: (name) => `Hello ${name}!` });

df.app.activity('double', { handler: (n) => n * 2 });

// Records each execution (one line per run) in `logFile`, then doubles `n`.
df.app.activity('countedDouble', {
  handler: ({ n, logFile, workMs = 0 }) => {
    appendFileSync(logFile, `${n}\n`);
    const until = performance.now() + workMs;
    while (performance.now() < until);
    return n * 2;
  },
});

// Fails until it has been called more than `failTimes` times for `key` (counts live in this process).
const attemptsByKey = new Map();
df.app.activity('flaky', {
  handler: ({ key, failTimes }) => {
    const attempt = (attemptsByKey.get(key) ?? 0) + 1;
    attemptsByKey.set(key, attempt);
    if (attempt <= failTimes) throw new Error(`flaky attempt ${attempt} failed`);
    return attempt;
  },
});

class PaymentDeclinedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PaymentDeclinedError';
  }
}
df.app.activity('declinePayment', {
  handler: ({ amount }) => {
    throw new PaymentDeclinedError(`card declined for ${amount}`);
  },
});

// Waits, optionally records that it ran (one line per execution), and returns `value`.
df.app.activity('slowEcho', {
  handler: async ({ ms, value, logFile }) => {
    if (logFile) appendFileSync(logFile, `${value}\n`);
    await new Promise((resolve) => setTimeout(resolve, ms));
    return value;
  },
});
