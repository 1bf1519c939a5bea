// Retries that run out, as in the samples: the orchestrator catches the last failure and completes
// with no output. Intervals are shorter than the samples' so the test stays quick.
/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- CommonJS, as samples-js is */
const df = require('durable-functions');

df.app.orchestration('callActivityWithRetry', function* (context) {
  const retryOptions = new df.RetryOptions(500, 2);
  let returnValue;
  try {
    returnValue = yield context.df.callActivityWithRetry('flakyFunction', retryOptions);
  } catch {
    context.log('Orchestrator caught exception. Flaky function is extremely flaky.');
  }
  return returnValue;
});

df.app.activity('flakyFunction', {
  handler: (_input, context) => {
    context.log('Flaky Function Flaking!');
    throw new Error('FlakyFunction flaked');
  },
});

df.app.orchestration('callSubOrchestratorWithRetry', function* (context) {
  const retryOptions = new df.RetryOptions(500, 2);
  const childId = `${context.df.instanceId}:0`;
  let returnValue;
  try {
    returnValue = yield context.df.callSubOrchestratorWithRetry(
      'throwsErrorInLine',
      retryOptions,
      'Matter',
      childId,
    );
  } catch {
    context.log('Orchestrator caught exception. Sub-orchestrator failed.');
  }
  return returnValue;
});

// eslint-disable-next-line require-yield -- the sample's sub-orchestrator throws before any yield
df.app.orchestration('throwsErrorInLine', function* () {
  throw new Error('throwsErrorInLine does what it says on the tin.');
});
