import * as df from 'durable-functions';
import { FUNCTION_NAMES } from '../functionNames.js';
import { cancelJob, serveJob, serveJobsCollection } from '../jobs/jobsApi.js';
import { JOB_ROUTES } from '../jobs/jobUrls.js';

// Every method is routed to these functions so a wrong one is a 405 naming the right ones.
const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

df.app.client.http(FUNCTION_NAMES.jobs, {
  route: JOB_ROUTES.jobs,
  methods: [...ALL_METHODS],
  authLevel: 'function',
  handler: (request, client, context) => serveJobsCollection(request, client, context),
});

df.app.client.http(FUNCTION_NAMES.job, {
  route: JOB_ROUTES.job,
  methods: [...ALL_METHODS],
  authLevel: 'function',
  handler: (request, client, context) => serveJob(request, client, context),
});

df.app.client.http(FUNCTION_NAMES.cancelJob, {
  route: JOB_ROUTES.cancel,
  methods: [...ALL_METHODS],
  authLevel: 'function',
  handler: (request, client, context) => cancelJob(request, client, context),
});
