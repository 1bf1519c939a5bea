import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { clientCallOf, startAnyOrchestrator } from '../../shared/durableParts.cjs';

// Starts any orchestrator through the real DurableClient, as the Durable quickstart's starter does.
app.http('startOrchestrator', {
  route: 'orchestrators/{orchestratorName}',
  methods: ['POST'],
  extraInputs: [df.input.durableClient()],
  handler: startAnyOrchestrator((request) => request.query.get('instanceId') ?? undefined),
});

// Exercises the client's other calls: each answers with what the client returned.
app.http('clientOperation', {
  route: 'client/{operation}/{instanceId?}',
  methods: ['POST', 'GET'],
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const { client, operation, instanceId, body } = await clientCallOf(request, context);
    switch (operation) {
      case 'status':
        return { jsonBody: await client.getStatus(instanceId, { showHistory: body.showHistory === true }) };
      case 'raiseEvent':
        await client.raiseEvent(instanceId, body.eventName, body.eventData);
        return { status: 202 };
      case 'terminate':
        await client.terminate(instanceId, body.reason ?? 'terminated by client');
        return { status: 202 };
      case 'suspend':
        await client.suspend(instanceId, 'suspended by client');
        return { status: 202 };
      case 'resume':
        await client.resume(instanceId, 'resumed by client');
        return { status: 202 };
      case 'purge':
        return { jsonBody: await client.purgeInstanceHistory(instanceId) };
      case 'list':
        return {
          jsonBody: await client.getStatusBy({
            runtimeStatus: body.runtimeStatus,
            createdTimeFrom: body.createdTimeFrom ? new Date(body.createdTimeFrom) : undefined,
          }),
        };
      default:
        return { status: 400, jsonBody: { message: `unknown operation ${operation}` } };
    }
  },
});
