import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { jsonResponse } from '../http/jsonResponse.js';
import { STATUS_RETRY_AFTER_SECONDS } from './queryJobStatus.js';
import { jobUrlsFor } from './jobUrls.js';

/**
 * The starter's 202: the check-status shape of the original sample (`id`, `statusQueryGetUri`), but
 * every URL is served by the app itself; no Durable management URL or system key leaves the app.
 */
export function checkStatusResponse(request: Pick<HttpRequest, 'url'>, instanceId: string): HttpResponseInit {
  const urls = jobUrlsFor(request, instanceId);
  return jsonResponse(
    202,
    { id: instanceId, statusQueryGetUri: urls.statusQueryGetUri },
    { Location: urls.statusQueryGetUri, 'Retry-After': String(STATUS_RETRY_AFTER_SECONDS) },
  );
}
