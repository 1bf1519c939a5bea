import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { requireSignedIn } from '../auth/caller.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { jsonResponse } from '../http/jsonResponse.js';
import { methodNotAllowed } from '../jobs/methodNotAllowed.js';
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

// Who is signed in, for the pages' header (App Service keeps no token store, so /.auth/me is not used).
app.http(FUNCTION_NAMES.webMe, {
  route: 'api/web/me',
  methods: [...ALL_METHODS],
  authLevel: 'anonymous',
  handler: (request, context) =>
    asPageRequest(request, context, async () => {
      if (request.method !== 'GET') throw methodNotAllowed(request.method, ['GET']);
      const user = requireSignedIn(request);
      return jsonResponse(200, { name: user.name, roles: user.roles, admin: user.admin });
    }),
});

// The jobs API, answered as the signed-in user.
const JOB_ROUTES = [
  { functionName: FUNCTION_NAMES.webJobs, route: 'api/web/jobs', serve: serveJobsCollection },
  { functionName: FUNCTION_NAMES.webJob, route: 'api/web/jobs/{id}', serve: serveJob },
  { functionName: FUNCTION_NAMES.webCancelJob, route: 'api/web/jobs/{id}/cancel', serve: cancelJob },
];

for (const { functionName, route, serve } of JOB_ROUTES)
  df.app.client.http(functionName, {
    route,
    methods: [...ALL_METHODS],
    authLevel: 'anonymous',
    handler: (request, client, context) =>
      asPageRequest(request, context, () => serve(request, client, context)),
  });

app.http(FUNCTION_NAMES.webUploads, {
  route: 'api/web/uploads',
  methods: [...ALL_METHODS],
  authLevel: 'anonymous',
  handler: (request, context) => asPageRequest(request, context, () => createUpload(request, context)),
});
