import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypedData } from './extension.js';
import { typedDataToBytes } from './rpcTypedData.js';

/** The `http` member of RPC typed data for an HTTP trigger. */
export interface RpcHttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  params: Record<string, string>;
  body?: { bytes: Uint8Array };
}

interface RpcNullable<T> {
  value?: T;
}

interface RpcHttpCookie {
  name?: string;
  value?: string;
  domain?: RpcNullable<string>;
  path?: RpcNullable<string>;
  expires?: RpcNullable<{ seconds?: number }>;
  secure?: RpcNullable<boolean>;
  httpOnly?: RpcNullable<boolean>;
  sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone';
  maxAge?: RpcNullable<number>;
}

export interface RpcHttpResponse {
  statusCode?: string | number;
  headers?: Record<string, string>;
  cookies?: RpcHttpCookie[];
  body?: unknown;
}

/** Builds the trigger data the worker receives for one request; bodies stay bytes. */
export function toRpcHttpRequest(
  req: IncomingMessage,
  url: URL,
  params: Record<string, string>,
  body: Buffer,
): RpcHttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  return {
    method: req.method ?? 'GET',
    url: url.href,
    headers,
    query,
    params,
    ...(body.length > 0
      ? { body: { bytes: new Uint8Array(body.buffer, body.byteOffset, body.length) } }
      : {}),
  };
}

/** Writes a function's HTTP response; no response at all is a 204, as the host answers it. */
export function writeRpcHttpResponse(res: ServerResponse, response: RpcHttpResponse | undefined): void {
  if (!response) {
    res.writeHead(204).end();
    return;
  }
  const status = Number(response.statusCode ?? 200);
  const body = typedDataToBytes(response.body);
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    if (name.toLowerCase() === 'set-cookie') continue;
    res.setHeader(name, value);
  }
  const cookies = [
    ...(response.headers?.['set-cookie'] ? [response.headers['set-cookie']] : []),
    ...(response.cookies ?? []).map(formatSetCookie),
  ];
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  const bodyless = status === 204 || status === 304 || (status >= 100 && status < 200);
  if (!bodyless) res.setHeader('content-length', body.length);
  res.writeHead(Number.isInteger(status) && status >= 100 && status <= 999 ? status : 500);
  res.end(bodyless ? undefined : body);
}

function formatSetCookie(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ''}=${cookie.value ?? ''}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  if (cookie.expires?.value?.seconds !== undefined) {
    parts.push(`Expires=${new Date(cookie.expires.value.seconds * 1000).toUTCString()}`);
  }
  if (cookie.maxAge?.value !== undefined) parts.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) parts.push('Secure');
  if (cookie.httpOnly?.value) parts.push('HttpOnly');
  if (cookie.sameSite === 'lax') parts.push('SameSite=Lax');
  else if (cookie.sameSite === 'strict') parts.push('SameSite=Strict');
  else if (cookie.sameSite === 'explicitNone') parts.push('SameSite=None');
  return parts.join('; ');
}

/**
 * Binding data of an HTTP trigger, as the HTTP extension builds it: query parameters, then route
 * parameters (which win), `Query` and `Headers` as objects, and the top-level scalar properties of
 * a JSON body that clash with none of those.
 */
export function httpTriggerMetadata(request: RpcHttpRequest): Record<string, TypedData> {
  const data: Record<string, TypedData> = {};
  const has = (name: string) => Object.keys(data).some((key) => key.toLowerCase() === name.toLowerCase());
  for (const [name, value] of Object.entries(request.query)) data[name] = { string: value };
  for (const [name, value] of Object.entries(request.params)) {
    for (const key of Object.keys(data)) if (key.toLowerCase() === name.toLowerCase()) delete data[key];
    data[name] = { string: value };
  }
  data['Query'] = { json: JSON.stringify(request.query) };
  data['Headers'] = { json: JSON.stringify(request.headers) };
  if (request.body) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(request.body.bytes).toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
        if (value === null || typeof value === 'object' || has(name)) continue;
        data[name] = { string: String(value) };
      }
    }
  }
  return data;
}
