import type { HttpRequest } from '@azure/functions';

/** Routes of the jobs API (under the host's `api` prefix); none clashes with the callback route. */
export const JOB_ROUTES = {
  jobs: 'api/jobs',
  job: 'api/jobs/{id}',
  status: 'api/jobs/{id}/status',
  cancel: 'api/jobs/{id}/cancel',
} as const;

/** The app-served URLs of one job, as absolute URLs on the origin the caller used. */
export interface JobUrls {
  /** GET: the Durable check-status shape (202 while running, 200 when final). */
  statusQueryGetUri: string;
  /** GET: the job view. */
  jobUri: string;
  /** POST: cancel the job. */
  cancelPostUri: string;
}

/**
 * Builds a job's URLs from the request that asked for them. A function key the caller sent as
 * `?code=` is its own key, so it is carried over (as the walkthrough's curl needs in Azure); nothing
 * else from the request is.
 */
export function jobUrlsFor(request: Pick<HttpRequest, 'url'>, instanceId: string): JobUrls {
  const requestUrl = new URL(request.url);
  const code = requestUrl.searchParams.get('code');
  const url = (path: string) => {
    const target = new URL(`/api/jobs/${encodeURIComponent(instanceId)}${path}`, requestUrl.origin);
    if (code) target.searchParams.set('code', code);
    return target.toString();
  };
  return { statusQueryGetUri: url('/status'), jobUri: url(''), cancelPostUri: url('/cancel') };
}
