/* eslint-disable @typescript-eslint/no-require-imports, no-undef */
const { app } = require('@azure/functions');
const df = require('durable-functions');
const { clientCallOf } = require('../../shared/durableParts.cjs');

// Runs one durable-functions client call and answers with its result, or with the error message
// the client produced, so tests see exactly what application code would see.
app.http('clientCall', {
  route: 'client/{operation}/{instanceId?}',
  methods: ['POST'],
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const { client, operation, instanceId, body } = await clientCallOf(request, context);
    try {
      switch (operation) {
        case 'rewind':
          await client.rewind(instanceId, 'rewound by client');
          return { jsonBody: { ok: true } };
        case 'purge':
          return { jsonBody: { ok: true, result: await client.purgeInstanceHistory(instanceId) } };
        case 'raiseEvent':
          await client.raiseEvent(instanceId, body.eventName, body.eventData);
          return { jsonBody: { ok: true } };
        case 'list':
          return { jsonBody: { ok: true, result: await client.getStatusAll() } };
        default:
          return { status: 400, jsonBody: { message: `unknown operation ${operation}` } };
      }
    } catch (error) {
      return { jsonBody: { ok: false, message: error.message } };
    }
  },
});
