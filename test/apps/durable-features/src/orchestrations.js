import { readFileSync } from 'node:fs';
import * as df from 'durable-functions';

df.app.orchestration('chaining', function* (context) {
  const names = context.df.getInput() || ['Tokyo', 'Seattle', 'London'];
  const greetings = [];
  for (const name of names) greetings.push(yield context.df.callActivity('sayHello', name));
  return greetings;
});

df.app.orchestration('fanOutFanIn', function* (context) {
  const count = context.df.getInput();
  const tasks = [];
  for (let i = 1; i <= count; i++) tasks.push(context.df.callActivity('double', i));
  const results = yield context.df.Task.all(tasks);
  return results.reduce((sum, value) => sum + value, 0);
});

// Used by the fan-out crash test: every activity records its executions in `logFile` and works for
// `workMs` (so that a kill finds activities still to run).
df.app.orchestration('countedFanOut', function* (context) {
  const { count, logFile, workMs } = context.df.getInput();
  const tasks = [];
  for (let n = 1; n <= count; n++)
    tasks.push(context.df.callActivity('countedDouble', { n, logFile, workMs }));
  const results = yield context.df.Task.all(tasks);
  return results.reduce((sum, value) => sum + value, 0);
});

df.app.orchestration('humanInteraction', function* (context) {
  const { timeoutMs } = context.df.getInput();
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + timeoutMs);
  const timeout = context.df.createTimer(deadline);
  const approval = context.df.waitForExternalEvent('Approval');
  const winner = yield context.df.Task.any([approval, timeout]);
  if (winner === approval) {
    timeout.cancel();
    return `approved by ${approval.result.by}`;
  }
  return 'timed out';
});

df.app.orchestration('monitor', function* (context) {
  const { count, max, intervalMs } = context.df.getInput();
  context.df.setCustomStatus({ checks: count });
  if (count >= max) return `checked ${count} times`;
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + intervalMs));
  context.df.continueAsNew({ count: count + 1, max, intervalMs });
  return undefined;
});

// Continues as new until `last`, then returns (or throws, with `fail`); each generation waits on a timer.
df.app.orchestration('generations', function* (context) {
  const { generation, last, fail } = context.df.getInput();
  context.df.setCustomStatus({ generation });
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 20));
  if (generation < last) {
    context.df.continueAsNew({ generation: generation + 1, last, fail });
    return undefined;
  }
  if (fail) throw new Error(`generation ${generation} failed`);
  return { finishedIn: generation, input: context.df.getInput() };
});

// Calls `generations` as sub-orchestrations: the parent gets the last generation's output or failure.
df.app.orchestration('generationsParent', function* (context) {
  const { last } = context.df.getInput();
  const id = context.df.instanceId;
  const output = yield context.df.callSubOrchestrator('generations', { generation: 1, last }, `${id}-child`);
  let failure = null;
  try {
    yield context.df.callSubOrchestrator('generations', { generation: 1, last, fail: true }, `${id}-failing`);
  } catch (error) {
    failure = error.message;
  }
  return { output, failure };
});

df.app.orchestration('retrying', function* (context) {
  const { key, failTimes, maxAttempts } = context.df.getInput();
  const retry = new df.RetryOptions(50, maxAttempts);
  retry.backoffCoefficient = 2;
  try {
    const attempts = yield context.df.callActivityWithRetry('flaky', retry, { key, failTimes });
    return { succeededOnAttempt: attempts };
  } catch (error) {
    return { gaveUp: error.message };
  }
});

df.app.orchestration('parent', function* (context) {
  const greetings = yield context.df.callSubOrchestrator(
    'chaining',
    ['Ada', 'Linus'],
    `${context.df.instanceId}-child`,
  );
  let childFailure = null;
  try {
    yield context.df.callSubOrchestrator('paymentFails', { amount: 7 });
  } catch (error) {
    childFailure = error.message;
  }
  return { greetings, childFailure };
});

df.app.orchestration('paymentFails', function* (context) {
  yield context.df.callActivity('declinePayment', context.df.getInput());
  return 'unreachable';
});

df.app.orchestration('paymentCaught', function* (context) {
  try {
    yield context.df.callActivity('declinePayment', { amount: 42 });
    return 'unreachable';
  } catch (error) {
    return { message: error.message, errorType: error.failureDetails?.errorType ?? null };
  }
});

df.app.orchestration('waitForever', function* (context) {
  context.df.setCustomStatus('waiting');
  const value = yield context.df.waitForExternalEvent('Never');
  return value;
});

df.app.orchestration('customStatus', function* (context) {
  context.df.setCustomStatus({ phase: 'Waiting' });
  const go = yield context.df.waitForExternalEvent('Go');
  context.df.setCustomStatus({ phase: 'Done', detail: go });
  return go;
});

// Raises nothing itself: the test raises "Early" while slowEcho is still running.
df.app.orchestration('earlyEvent', function* (context) {
  const first = yield context.df.callActivity('slowEcho', { ms: 400, value: 'first' });
  const early = yield context.df.waitForExternalEvent('Early');
  return { first, early };
});

// Deliberately non-deterministic: branches on a file the test rewrites between episodes.
df.app.orchestration('branchesOnFile', function* (context) {
  const branch = readFileSync(context.df.getInput().path, 'utf8').trim();
  yield context.df.callActivity(branch === 'A' ? 'sayHello' : 'double', branch === 'A' ? 'A' : 1);
  yield context.df.waitForExternalEvent('Continue');
  return branch;
});

// Used by the crash test: an activity in flight, a timer pending, and an event awaited.
df.app.orchestration('crashActivity', function* (context) {
  const { ms, logFile } = context.df.getInput();
  const a = yield context.df.callActivity('slowEcho', { ms, value: 'activity', logFile });
  const b = yield context.df.callActivity('sayHello', 'after crash');
  return [a, b];
});

df.app.orchestration('crashTimer', function* (context) {
  const { ms } = context.df.getInput();
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + ms));
  return yield context.df.callActivity('sayHello', 'timer');
});

df.app.orchestration('crashEvent', function* (context) {
  const value = yield context.df.waitForExternalEvent('Go');
  const greeting = yield context.df.callActivity('sayHello', value);
  return greeting;
});
