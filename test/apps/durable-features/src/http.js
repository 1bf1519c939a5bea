import { app } from '@azure/functions';
import * as df from 'durable-functions';

// Starts any orchestrator through the real DurableClient, as the Durable quickstart's starter does.
app.http('startOrchestrator', {
  route: 'orchestrators/{orchestratorName}',
  methods: ['POST'],
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const text = await request.text();
    const instanceId = await client.startNew(request.params.orchestratorName, {
      input: text ? JSON.parse(text) : undefined,
      instanceId: request.query.get('instanceId') ?? undefined,
    });
    return client.createCheckStatusResponse(request, instanceId);
  },
});

// Exercises the client's other calls: each answers with what the client returned.
app.http('clientOperation', {
  route: 'client/{operation}/{instanceId?}',
  methods: ['POST', 'GET'],
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const { operation, instanceId } = request.params;
    const text = await request.text();
    const body = text ? JSON.parse(text) : {};
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
