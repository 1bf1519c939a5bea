// Durable parts that more than one test app registers, CommonJS so that both the ESM apps and the
// CommonJS samples app can load them.
/* eslint-disable @typescript-eslint/no-require-imports, no-undef */
const df = require('durable-functions');

/** The official counter sample's entity: add, reset and get on a number. */
async function counterEntity(context) {
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
}

/** A request body as JSON; an empty body is `empty`. */
async function jsonBodyOr(request, empty) {
  const text = await request.text();
  return text ? JSON.parse(text) : empty;
}

/**
 * An HTTP starter of any orchestrator (named in the route) through the real DurableClient, answering
 * with the check-status response; `instanceIdOf(request)` names the instance, or leaves it to the client.
 */
function startAnyOrchestrator(instanceIdOf) {
  return async (request, context) => {
    const client = df.getClient(context);
    const instanceId = await client.startNew(request.params.orchestratorName, {
      input: await jsonBodyOr(request, undefined),
      instanceId: instanceIdOf(request),
    });
    return client.createCheckStatusResponse(request, instanceId);
  };
}

/** What a client-call route works with: the DurableClient, the operation, the instance and the JSON body. */
async function clientCallOf(request, context) {
  const { operation, instanceId } = request.params;
  return { client: df.getClient(context), operation, instanceId, body: await jsonBodyOr(request, {}) };
}

module.exports = { counterEntity, jsonBodyOr, startAnyOrchestrator, clientCallOf };
