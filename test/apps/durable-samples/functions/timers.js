// Timers as the samples use them: one cancelled once the activity wins the race, and a counter
// that waits, then continues as new (shorter waits and a lower limit than the samples').
/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- CommonJS, as samples-js is */
const df = require('durable-functions');

df.app.orchestration('cancelTimer', function* (context) {
  const expiration = new Date(context.df.currentUtcDateTime.getTime() + 2 * 60 * 1000);
  const timeoutTask = context.df.createTimer(expiration);
  const hello = yield context.df.callActivity('sayHello', 'from the other side');
  if (!timeoutTask.isCompleted) timeoutTask.cancel();
  return hello;
});

df.app.orchestration('continueAsNewCounter', function* (context) {
  let currentValue = context.df.getInput() || 0;
  currentValue++;
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 200));
  if (currentValue < 3) context.df.continueAsNew(currentValue);
  return currentValue;
});
