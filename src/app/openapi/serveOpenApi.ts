import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { jsonResponse } from '../http/jsonResponse.js';
import { withErrorResponses } from '../http/withErrorResponses.js';
import { methodNotAllowed } from '../jobs/methodNotAllowed.js';
import { openApiDocument } from './openApiDocument.js';

/** GET /api/openapi.json: the API's OpenAPI 3.1 document, its server the origin the caller used. */
export function serveOpenApi(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return withErrorResponses(context, () => {
    if (request.method !== 'GET') throw methodNotAllowed(request.method, ['GET']);
    return Promise.resolve(jsonResponse(200, openApiDocument(new URL(request.url).origin)));
  });
}
