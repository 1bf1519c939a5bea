import { JOB_STATUSES, type JobStatus } from '../../shared/jobView.js';
import { badRequest } from '../http/badRequest.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
const MAX_TOKEN_LENGTH = 4096;
/** `code` is the function key in Azure; it is the caller's auth, not a filter. */
const KNOWN_PARAMETERS = ['status', 'createdFrom', 'createdTo', 'top', 'continuationToken', 'code'];

/**
 * The Durable runtime statuses a job status can have (see jobStatusOf). A playlist job always
 * completes, so Canceled (like Failed) includes Completed. The runtime status `Canceled` is reserved
 * and never set by Durable Functions, so it is not queried (the local engine refuses it as unknown).
 */
export const RUNTIME_STATUSES_OF: Record<JobStatus, readonly string[]> = {
  // ContinuedAsNew: a long wait between two generations of its orchestration, still queued or running.
  Queued: ['Pending', 'Running', 'ContinuedAsNew'],
  Running: ['Running', 'ContinuedAsNew'],
  Succeeded: ['Completed'],
  Failed: ['Failed', 'Completed'],
  Canceled: ['Terminated', 'Failed', 'Completed'],
};

export interface JobListQuery {
  statuses: JobStatus[];
  createdFrom?: Date;
  createdTo?: Date;
  top: number;
  continuationToken?: string;
}

function dateOf(params: URLSearchParams, field: string): Date | undefined {
  const text = params.get(field);
  if (text === null) return undefined;
  const date = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text)
    ? new Date(text)
    : new Date(NaN);
  // Date rolls 2026-02-30 over into March; a calendar day that does not read back the same is no day.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (Number.isNaN(date.getTime()) || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day)
    throw badRequest(
      'INVALID_FILTER',
      `${field} must be an ISO 8601 date or date-time, e.g. 2026-11-22T10:00:00Z.`,
      field,
    );
  return date;
}

/** Validates GET /api/jobs query parameters; a bad or unknown one is a 400, never ignored. */
export function parseJobListQuery(params: URLSearchParams): JobListQuery {
  for (const name of new Set(params.keys())) {
    if (!KNOWN_PARAMETERS.includes(name))
      throw badRequest(
        'UNKNOWN_PARAMETER',
        `Unknown query parameter "${name.slice(0, 64)}"; use ${KNOWN_PARAMETERS.slice(0, -1).join(', ')}.`,
        name,
      );
    if (params.getAll(name).length > 1) throw badRequest('INVALID_FILTER', `Give ${name} once.`, name);
  }
  const statuses: JobStatus[] = [];
  const statusText = params.get('status');
  if (statusText !== null)
    for (const item of statusText.split(',')) {
      const status = JOB_STATUSES.find((s) => s.toLowerCase() === item.trim().toLowerCase());
      if (!status)
        throw badRequest(
          'INVALID_FILTER',
          `status must be one or more of ${JOB_STATUSES.join(', ')} (comma-separated).`,
          'status',
        );
      if (!statuses.includes(status)) statuses.push(status);
    }
  const createdFrom = dateOf(params, 'createdFrom');
  const createdTo = dateOf(params, 'createdTo');
  if (createdFrom && createdTo && createdFrom > createdTo)
    throw badRequest('INVALID_FILTER', 'createdFrom is after createdTo.', 'createdFrom');
  const topText = params.get('top');
  const top = topText === null ? DEFAULT_PAGE_SIZE : /^\d{1,4}$/.test(topText) ? Number(topText) : NaN;
  if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE)
    throw badRequest('INVALID_FILTER', `top must be a whole number from 1 to ${MAX_PAGE_SIZE}.`, 'top');
  const continuationToken = params.get('continuationToken') ?? undefined;
  if (continuationToken !== undefined && !/^[A-Za-z0-9+/=_.:-]{1,4096}$/.test(continuationToken))
    throw badRequest(
      'INVALID_CONTINUATION_TOKEN',
      `The continuationToken is not one this API returned (at most ${MAX_TOKEN_LENGTH} characters).`,
      'continuationToken',
    );
  return {
    statuses,
    top,
    ...(createdFrom ? { createdFrom } : {}),
    ...(createdTo ? { createdTo } : {}),
    ...(continuationToken ? { continuationToken } : {}),
  };
}
