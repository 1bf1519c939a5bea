/** The job's own callback base; the worker appends `/JobProgress` or `/JobFinished`. */
export function jobCallbackUrl(callbackBaseUrl: string, instanceId: string): string {
  return `${callbackBaseUrl.replace(/\/+$/, '')}/api/jobs/${encodeURIComponent(instanceId)}/events`;
}
