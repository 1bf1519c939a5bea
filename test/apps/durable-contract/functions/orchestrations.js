/* eslint-disable @typescript-eslint/no-require-imports, no-undef */
const df = require('durable-functions');

df.app.activity('echoAfter', {
  handler: async ({ value, delayMs }) => {
    await new Promise((resolve) => setTimeout(resolve, delayMs ?? 0));
    return value;
  },
});

df.app.orchestration('echo', function* (context) {
  return yield context.df.callActivity('echoAfter', context.df.getInput());
});

df.app.orchestration('waitForever', function* (context) {
  return yield context.df.waitForExternalEvent('Never');
});

// eslint-disable-next-line require-yield -- fails before its first yield on purpose
df.app.orchestration('alwaysFails', function* () {
  throw new Error('this orchestration always fails');
});
