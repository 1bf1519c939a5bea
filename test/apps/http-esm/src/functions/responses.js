import { app } from '@azure/functions';

app.http('created', {
  methods: ['POST'],
  handler: async (request) => ({
    status: 201,
    headers: { location: '/api/items/1', 'x-request-header': request.headers.get('x-test') ?? '' },
    cookies: [
      { name: 'session', value: 'abc123', path: '/', httpOnly: true, sameSite: 'Strict' },
      { name: 'theme', value: 'dark', maxAge: 60 },
    ],
    body: 'created',
  }),
});

app.get('nothing', { handler: async () => undefined });

app.get('fails', {
  handler: async () => {
    throw new Error('database password is hunter2');
  },
});

app.get('switchedOff', { handler: async () => ({ body: 'should be disabled' }) });

app.get('settings', {
  handler: async () => ({
    jsonBody: {
      greeting: process.env.GREETING ?? null,
      overridden: process.env.OVERRIDDEN_BY_ENV ?? null,
      websiteHostname: process.env.WEBSITE_HOSTNAME ?? null,
    },
  }),
});
