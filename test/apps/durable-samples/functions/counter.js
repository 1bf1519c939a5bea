// The samples' counter entity and the orchestration that adds one while it is below 10.
/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- CommonJS, as samples-js is */
const df = require('durable-functions');
const { counterEntity } = require('../../shared/durableParts.cjs');

df.app.entity('counterEntity', counterEntity);

df.app.orchestration('counterOrchestration', function* (context) {
  const entityId = new df.EntityId('counterEntity', context.df.getInput() || 'myCounter');
  const currentValue = yield context.df.callEntity(entityId, 'get');
  if (currentValue < 10) yield context.df.callEntity(entityId, 'add', 1);
  return currentValue;
});
