import { app } from '@azure/functions';
import { FUNCTION_NAMES } from '../functionNames.js';
import { serveOpenApi } from '../openapi/serveOpenApi.js';

// Anonymous: the document describes the API and holds no job data and no secret.
app.http(FUNCTION_NAMES.openApi, {
  route: 'api/openapi.json',
  methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  authLevel: 'anonymous',
  handler: serveOpenApi,
});
