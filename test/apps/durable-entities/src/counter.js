import * as df from 'durable-functions';

// The official counter sample's entity: add, reset and get on a number.
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

// Reads the counter, then signals it to add one: the orchestration half of the counter sample.
df.app.orchestration('counterOrchestration', function* (context) {
  const entityId = new df.EntityId('counterEntity', context.df.getInput() ?? 'myCounter');
  const currentValue = yield context.df.callEntity(entityId, 'get');
  context.df.signalEntity(entityId, 'add', 1);
  return currentValue;
});
