// The two HTTP starters of the durable-functions JavaScript samples: one answers with the
// check-status response at once, the other waits for the result up to ?timeout= seconds.
/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- CommonJS, as samples-js is */
const { app } = require('@azure/functions');
const df = require('durable-functions');

/** Starts the orchestrator the route names, with the JSON body as its input. */
async function startFromBody(request, context) {
  const client = df.getClient(context);
  const body = await request.json();
  const instanceId = await client.startNew(request.params.orchestratorName, { input: body });
  return { client, instanceId };
}

app.http('httpStart', {
  route: 'orchestrators/{orchestratorName}',
  methods: ['POST'],
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const { client, instanceId } = await startFromBody(request, context);
    context.log(`Started orchestration with ID = '${instanceId}'.`);
    return client.createCheckStatusResponse(request, instanceId);
  },
});

app.http('httpSyncStart', {
  route: 'orchestrators/wait/{orchestratorName}',
  methods: ['POST'],
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const { client, instanceId } = await startFromBody(request, context);
    const seconds = (name) => Number(request.query.get(name) ?? 0) * 1000 || undefined;
    return client.waitForCompletionOrCreateCheckStatusResponse(request, instanceId, {
      timeoutInMilliseconds: seconds('timeout') ?? 30000,
      retryIntervalInMilliseconds: seconds('retryInterval') ?? 1000,
    });
  },
});
