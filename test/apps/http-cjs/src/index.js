// CommonJS on purpose: the host must load apps that use require().
/* eslint-disable @typescript-eslint/no-require-imports, no-undef */
const { app } = require('@azure/functions');

app.http('greet', {
  methods: ['GET'],
  route: 'greet/{name:alpha}',
  handler: async (request) => ({ body: `${process.env.GREETING_PREFIX}, ${request.params.name}!` }),
});

app.http('files', {
  methods: ['GET'],
  route: 'files/{*path}',
  handler: async (request) => ({ jsonBody: { path: request.params.path ?? '' } }),
});
