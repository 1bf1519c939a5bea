import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { jsonBodyOr, startAnyOrchestrator } from '../../shared/durableParts.cjs';

// Starts any orchestrator through the real DurableClient.
app.http('startOrchestrator', {
  route: 'orchestrators/{orchestratorName}/{instanceId?}',
  methods: ['POST'],
  extraInputs: [df.input.durableClient()],
  handler: startAnyOrchestrator((request) => request.params.instanceId),
});

// POST signals an operation (body = input); GET reads the state, as the client's entity calls answer.
app.http('entity', {
  route: 'entities/{name}/{key}/{operation?}',
  methods: ['POST', 'GET'],
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const entityId = new df.EntityId(request.params.name, request.params.key);
    if (request.method === 'POST') {
      await client.signalEntity(entityId, request.params.operation, await jsonBodyOr(request, undefined));
      return { status: 202 };
    }
    const response = await client.readEntityState(entityId);
    return { jsonBody: { entityExists: response.entityExists, entityState: response.entityState } };
  },
});
