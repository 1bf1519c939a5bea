import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody, sendJson } from '../shared/http.js';
import { BadDurableRequestError } from './durableErrors.js';
import type { InstanceFilter, RuntimeStatus } from './storeRows.js';
import { PlainMessageError } from './PlainMessageError.js';

// Reading the Durable HTTP API's requests and holding its replies until the store has committed.

const RUNTIME_STATUSES: readonly RuntimeStatus[] = [
  'Pending',
  'Running',
  'Completed',
  'ContinuedAsNew',
  'Failed',
  'Terminated',
  'Suspended',
];
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const DEFAULT_PAGE_SIZE = 100;

export function isTrue(value: string | null, fallback: boolean): boolean {
  return value === null ? fallback : value.toLowerCase() === 'true';
}

/** JSON text of a request body, or null when empty; 400 when it is not JSON. */
export async function readJsonText(req: IncomingMessage): Promise<string | null> {
  const body = await readBody(req, MAX_BODY_BYTES).catch((error: unknown) => {
    if (error instanceof BodyTooLargeError)
      throw new BadDurableRequestError('The request body is larger than 16 MiB.');
    throw error;
  });
  const text = body.toString('utf8').trim();
  if (text === '') return null;
  try {
    JSON.parse(text);
  } catch {
    throw new BadDurableRequestError('The request body must be JSON (or empty).');
  }
  return text;
}

/** Replies held back until the store has committed what they report (see DurableWebhookApi.handle). */
export const heldReplies = new WeakMap<ServerResponse, Array<() => void>>();

function reply(res: ServerResponse, write: () => void): void {
  const held = heldReplies.get(res);
  if (held) held.push(write);
  else write();
}

export function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  reply(res, () => sendJson(res, status, body, headers));
}

/** Answers with JSON text as it is stored (an entity's state). */
export function sendJsonText(res: ServerResponse, status: number, text: string): void {
  reply(res, () => {
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text).toString(),
    });
    res.end(text);
  });
}

/** A list query's page size (`top`) and the continuation token it sent back, if any. */
export function pageRequest(
  req: IncomingMessage,
  query: URLSearchParams,
): { top: number; token: string | undefined } {
  const topText = query.get('top');
  const top = topText === null ? DEFAULT_PAGE_SIZE : Number(topText);
  if (!Number.isInteger(top) || top <= 0) throw new BadDurableRequestError('top must be a positive integer.');
  const tokenHeader = req.headers['x-ms-continuation-token'];
  return { top, token: Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader };
}

export function parseTime(value: string | null, name: string): number | undefined {
  if (value === null || value === '') return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new BadDurableRequestError(`${name} must be an ISO 8601 date-time.`);
  return time;
}

/** The extension reads raiseEvent data only from application/json content. */
export function isJsonContent(req: IncomingMessage): boolean {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return mediaType === 'application/json';
}

/** Purge by filter: `createdTimeFrom` is required and `createdTimeTo` defaults to now, as in the extension. */
export function parsePurgeFilter(query: URLSearchParams): InstanceFilter {
  const filter = parseFilter(query);
  if (filter.createdTimeFrom === undefined) {
    throw new PlainMessageError('BadRequest', "Please provide value for 'createdTimeFrom' parameter.", 400);
  }
  filter.createdTimeTo ??= Date.now();
  return filter;
}

export function parseFilter(query: URLSearchParams): InstanceFilter {
  const filter: InstanceFilter = {};
  const from = parseTime(query.get('createdTimeFrom'), 'createdTimeFrom');
  const to = parseTime(query.get('createdTimeTo'), 'createdTimeTo');
  if (from !== undefined) filter.createdTimeFrom = from;
  if (to !== undefined) filter.createdTimeTo = to;
  const statuses = query.get('runtimeStatus');
  if (statuses) {
    filter.runtimeStatus = statuses.split(',').map((s) => {
      const match = RUNTIME_STATUSES.find((known) => known.toLowerCase() === s.trim().toLowerCase());
      if (!match) throw new BadDurableRequestError(`Unknown runtimeStatus '${s}'.`);
      return match;
    });
  }
  const prefix = query.get('instanceIdPrefix');
  if (prefix) filter.instanceIdPrefix = prefix;
  return filter;
}
