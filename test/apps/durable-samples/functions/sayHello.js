// Function chaining, a sub-orchestration and custom status, in the shape of the samples' sayHello.
/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- CommonJS, as samples-js is */
const df = require('durable-functions');

df.app.orchestration('helloSequence', function* (context) {
  const cities = ['Tokyo', 'Seattle', 'Cairo'];
  const output = [];
  for (const city of cities) output.push(yield context.df.callActivity('sayHello', city));
  return output;
});

df.app.orchestration('sayHelloWithActivity', function* (context) {
  return yield context.df.callActivity('sayHello', context.df.getInput());
});

df.app.orchestration('sayHelloWithCustomStatus', function* (context) {
  const output = yield context.df.callActivity('sayHello', context.df.getInput());
  context.df.setCustomStatus(output);
  return output;
});

df.app.orchestration('sayHelloWithSubOrchestrator', function* (context) {
  return yield context.df.callSubOrchestrator('sayHelloWithActivity', context.df.getInput());
});

df.app.activity('sayHello', { handler: (input) => `Hello ${input}` });
