import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { FUNCTION_NAMES } from '../functionNames.js';
import { cancelJob, serveJob, serveJobsCollection } from '../jobs/jobsApi.js';
import { createUpload } from '../uploads/uploadsApi.js';
import { asPageRequest } from '../webApi/pageRequests.js';

/**
 * The web library's API: the jobs API and uploads for the signed-in user, answered with the same
 * bodies. Anonymous at the function level (a browser holds no function key); App Service
 * Authentication supplies the principal, and asPageRequest refuses anyone not signed in and any
 * cross-site write.
 */
const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

df.app.client.http(FUNCTION_NAMES.webJobs, {
  route: 'api/web/jobs',
  methods: [...ALL_METHODS],
  authLevel: 'anonymous',
  handler: (request, client, context) =>
    asPageRequest(request, context, () => serveJobsCollection(request, client, context)),
});

df.app.client.http(FUNCTION_NAMES.webJob, {
  route: 'api/web/jobs/{id}',
  methods: [...ALL_METHODS],
  authLevel: 'anonymous',
  handler: (request, client, context) =>
    asPageRequest(request, context, () => serveJob(request, client, context)),
});

df.app.client.http(FUNCTION_NAMES.webCancelJob, {
  route: 'api/web/jobs/{id}/cancel',
  methods: [...ALL_METHODS],
  authLevel: 'anonymous',
  handler: (request, client, context) =>
    asPageRequest(request, context, () => cancelJob(request, client, context)),
});

app.http(FUNCTION_NAMES.webUploads, {
  route: 'api/web/uploads',
  methods: [...ALL_METHODS],
  authLevel: 'anonymous',
  handler: (request, context) => asPageRequest(request, context, () => createUpload(request, context)),
});
