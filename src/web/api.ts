import type { ApiError, JobList, JobView } from '../shared/jobView.js';
import type { UploadAnswer } from '../shared/uploadAnswer.js';

/** An error answer of the web API, with the field it concerns when there is one. */
export class WebApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The session ended (or never began): go to sign-in and come back here. */
export function signInAgain(): never {
  const back = location.pathname + location.search;
  location.assign(`/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(back)}`);
  throw new WebApiError(401, 'SIGN_IN_REQUIRED', 'Signing in again…');
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  // The web API refuses state-changing calls without it (a cross-site form cannot set it).
  if (method === 'POST') headers['X-Requested-With'] = 'mediaferry';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new WebApiError(0, 'NETWORK', 'The app cannot be reached; check your connection and try again.');
  }
  if (response.status === 401) signInAgain();
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed as Partial<ApiError> | undefined)?.error;
    throw new WebApiError(
      response.status,
      error?.code ?? 'HTTP_' + response.status,
      error?.message ?? `The app answered ${response.status}.`,
      error?.field,
    );
  }
  return parsed as T;
}

export const webApi = {
  listJobs(options: { status?: string; top?: number; continuationToken?: string | null } = {}) {
    const query = new URLSearchParams();
    if (options.status) query.set('status', options.status);
    if (options.top) query.set('top', String(options.top));
    if (options.continuationToken) query.set('continuationToken', options.continuationToken);
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    return call<JobList>('GET', `/api/web/jobs${suffix}`);
  },
  getJob: (id: string) => call<JobView>('GET', `/api/web/jobs/${encodeURIComponent(id)}`),
  submitJob: (request: Record<string, unknown>) => call<JobView>('POST', '/api/web/jobs', request),
  cancelJob: (id: string) => call<JobView>('POST', `/api/web/jobs/${encodeURIComponent(id)}/cancel`),
  createUpload: (request: Record<string, unknown>) => call<UploadAnswer>('POST', '/api/web/uploads', request),
};

/** The signed-in user's name, from the web API (App Service keeps no token store for /.auth/me). */
export async function signedInUserName(): Promise<string | undefined> {
  try {
    return (await call<{ name: string }>('GET', '/api/web/me')).name;
  } catch {
    return undefined;
  }
}
