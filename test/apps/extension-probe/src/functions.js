import { app, input, trigger } from '@azure/functions';

const probeClient = input.generic({ type: 'probeClient', name: 'probeClient' });

// Driven by the probe extension only: it gets no HTTP route.
app.generic('probeWork', {
  trigger: trigger.generic({ type: 'probeTrigger', name: 'work' }),
  extraInputs: [probeClient],
  handler: async (work, context) => ({
    received: work,
    client: context.extraInputs.get(probeClient),
  }),
});

// An HTTP function whose extra input the extension fills, like a durable client starter.
app.http('status', {
  methods: ['GET'],
  route: 'status',
  extraInputs: [probeClient],
  handler: async (_request, context) => ({ jsonBody: { client: context.extraInputs.get(probeClient) } }),
});
