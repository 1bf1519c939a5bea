// The two HTTP starters of the durable-functions JavaScript samples: one answers with the
// check-status response at once, the other waits for the result up to ?timeout= seconds.
/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- CommonJS, as samples-js is */
const { app } = require('@azure/functions');
const df = require('durable-functions');

/**
 * Registers an HTTP starter on `route` that starts the orchestrator the route names, with the JSON body
 * as its input, and answers with what `answer` makes of the new instance.
 */
function httpStarter(name, route, answer) {
  app.http(name, {
    route,
    methods: ['POST'],
    extraInputs: [df.input.durableClient()],
    handler: async (request, context) => {
      const client = df.getClient(context);
      const input = await request.json();
      const instanceId = await client.startNew(request.params.orchestratorName, { input });
      return answer(client, instanceId, request, context);
    },
  });
}

httpStarter('httpStart', 'orchestrators/{orchestratorName}', (client, instanceId, request, context) => {
  context.log(`Started orchestration with ID = '${instanceId}'.`);
  return client.createCheckStatusResponse(request, instanceId);
});

httpStarter('httpSyncStart', 'orchestrators/wait/{orchestratorName}', (client, instanceId, request) => {
  const seconds = (name) => Number(request.query.get(name) ?? 0) * 1000 || undefined;
  return client.waitForCompletionOrCreateCheckStatusResponse(request, instanceId, {
    timeoutInMilliseconds: seconds('timeout') ?? 30000,
    retryIntervalInMilliseconds: seconds('retryInterval') ?? 1000,
  });
});
