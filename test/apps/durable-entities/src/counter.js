import * as df from 'durable-functions';
import { counterEntity } from '../../shared/durableParts.cjs';

// The official counter sample's entity: add, reset and get on a number.
df.app.entity('counterEntity', counterEntity);

// Reads the counter, then signals it to add one: the orchestration half of the counter sample.
df.app.orchestration('counterOrchestration', function* (context) {
  const entityId = new df.EntityId('counterEntity', context.df.getInput() ?? 'myCounter');
  const currentValue = yield context.df.callEntity(entityId, 'get');
  context.df.signalEntity(entityId, 'add', 1);
  return currentValue;
});
