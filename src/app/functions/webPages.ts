import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { getConfig } from '../config.js';
import { FUNCTION_NAMES } from '../functionNames.js';
import { jsonResponse } from '../http/jsonResponse.js';
import { withErrorResponses } from '../http/withErrorResponses.js';
import { appWebAssets } from '../web/webAssets.js';
import { mediaOriginOf, servePage, type WebPageName } from '../web/webPages.js';

// The web library. Anonymous at the Functions level: App Service Authentication signs people in and
// hands the app their principal; a page without one redirects to sign-in, and the web API (not these
// functions) checks who may see which job.

function page(name: WebPageName) {
  return (request: HttpRequest, context: InvocationContext) =>
    withErrorResponses(context, async () =>
      servePage(name, request, appWebAssets().manifest, mediaOriginOf(getConfig().mediaBlobEndpoint)),
    );
}

const PAGES: readonly { functionName: string; route: string; name: WebPageName }[] = [
  // The site root: an optional parameter that must be empty (a bare "" route is not taken as the root).
  { functionName: FUNCTION_NAMES.libraryPage, route: '{root:maxlength(0)?}', name: 'library' },
  { functionName: FUNCTION_NAMES.submitPage, route: 'submit', name: 'submit' },
  { functionName: FUNCTION_NAMES.jobsPage, route: 'jobs', name: 'jobs' },
  { functionName: FUNCTION_NAMES.watchPage, route: 'watch/{id}', name: 'watch' },
];

for (const { functionName, route, name } of PAGES)
  app.http(functionName, { route, methods: ['GET'], authLevel: 'anonymous', handler: page(name) });

app.http(FUNCTION_NAMES.webAssets, {
  route: 'assets/{*file}',
  methods: ['GET', 'HEAD'],
  authLevel: 'anonymous',
  handler: async (request, context) =>
    withErrorResponses(context, async () => appWebAssets().serve(request.params['file'], request.method)),
});

// For load balancer and uptime probes: no auth, no storage round trip, never cached.
app.http(FUNCTION_NAMES.health, {
  route: 'health',
  methods: ['GET', 'HEAD'],
  authLevel: 'anonymous',
  handler: async () => jsonResponse(200, { status: 'ok' }, { 'Cache-Control': 'no-store' }),
});
