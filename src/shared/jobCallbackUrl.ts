import type { JobEventName } from './contracts.js';

const JOB_EVENTS_PATH = 'api/jobs/{instanceId}/events';

/** The callback function's route (host.json's route prefix is empty: every route spells its full path). */
export const JOB_CALLBACK_ROUTE = `${JOB_EVENTS_PATH}/{eventName}`;

/** The job's own callback base, `<app>/api/jobs/<instanceId>/events`, given to its worker. */
export function jobCallbackUrl(callbackBaseUrl: string, instanceId: string): string {
  const path = JOB_EVENTS_PATH.replace('{instanceId}', encodeURIComponent(instanceId));
  return `${callbackBaseUrl.replace(/\/+$/, '')}/${path}`;
}

/** Where the worker posts one event: the callback base plus `/<event>`, keeping any query it carries. */
export function jobEventUrl(callbackUrl: string, event: JobEventName): URL {
  const url = new URL(callbackUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${event}`;
  return url;
}
