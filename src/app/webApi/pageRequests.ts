import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { requireSignedIn } from '../auth/caller.js';
import { HttpError } from '../errors/HttpError.js';
import { withErrorResponses } from '../http/withErrorResponses.js';

/** The header every state-changing call from the pages sends; a cross-site form or image cannot. */
export const CSRF_HEADER = 'x-requested-with';
export const CSRF_HEADER_VALUE = 'mediaferry';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function csrfRejected(message: string): HttpError {
  return new HttpError(403, 'CSRF_REJECTED', message, { retryable: false });
}

/**
 * The checks in front of the pages' API, which is anonymous at the function level because a browser
 * holds no function key: a signed-in user (401 `SIGN_IN_REQUIRED` otherwise) and, for anything but a
 * read, proof that the page itself made the call — the custom header, which a cross-site form cannot
 * send and a cross-site script cannot send without a CORS preflight this app never grants, plus a
 * same-origin `Origin` and `Sec-Fetch-Site` when the browser sends them (403 `CSRF_REJECTED`).
 */
export function checkPageRequest(request: HttpRequest): void {
  requireSignedIn(request);
  if (SAFE_METHODS.has(request.method)) return;
  if (request.headers.get(CSRF_HEADER) !== CSRF_HEADER_VALUE)
    throw csrfRejected(`Calls that change something need the header X-Requested-With: ${CSRF_HEADER_VALUE}.`);
  const site = request.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin')
    throw csrfRejected(`A ${site} request may not change anything here.`);
  const origin = request.headers.get('origin');
  if (origin !== null) {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== new URL(request.url).host) throw csrfRejected('The request comes from another origin.');
  }
}

/** Runs one of the pages' API handlers behind checkPageRequest, with the same error bodies as the API. */
export function asPageRequest(
  request: HttpRequest,
  context: InvocationContext,
  handler: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  return withErrorResponses(context, async () => {
    checkPageRequest(request);
    const response = await handler();
    // Job views hold read links and the user's own data: never kept by a shared cache.
    return {
      ...response,
      headers: { ...(response.headers as Record<string, string>), 'Cache-Control': 'no-store' },
    };
  });
}
