// The samples' counter entity and the orchestration that adds one while it is below 10.
/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- CommonJS, as samples-js is */
const df = require('durable-functions');

df.app.entity('counterEntity', async (context) => {
  await Promise.resolve();
  let currentValue = context.df.getState(() => 0);
  switch (context.df.operationName) {
    case 'add':
      currentValue += context.df.getInput();
      break;
    case 'reset':
      currentValue = 0;
      break;
    case 'get':
      context.df.return(currentValue);
      break;
  }
  context.df.setState(currentValue);
});

df.app.orchestration('counterOrchestration', function* (context) {
  const entityId = new df.EntityId('counterEntity', context.df.getInput() || 'myCounter');
  const currentValue = yield context.df.callEntity(entityId, 'get');
  if (currentValue < 10) yield context.df.callEntity(entityId, 'add', 1);
  return currentValue;
});
