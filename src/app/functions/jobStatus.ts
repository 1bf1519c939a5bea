import * as df from 'durable-functions';
import { FUNCTION_NAMES } from '../functionNames.js';
import { JOB_ROUTES } from '../jobs/jobUrls.js';
import { queryJobStatus } from '../jobs/queryJobStatus.js';

df.app.client.http(FUNCTION_NAMES.jobStatus, {
  route: JOB_ROUTES.status,
  // Every method is routed here so a wrong one is a 405, not an unexplained 404.
  methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  authLevel: 'function',
  handler: (request, client, context) => queryJobStatus(request, client, context),
});
