import { HttpRequest, HttpResponse, type HttpResponseInit } from '@azure/functions';

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** A request as the Functions host hands it to a handler. */
export function httpRequest(init: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  params?: Record<string, string>;
}): HttpRequest {
  const { body, ...rest } = init;
  return new HttpRequest({
    method: 'POST',
    ...rest,
    ...(body === undefined
      ? {}
      : { body: typeof body === 'string' ? { string: body } : { bytes: new Uint8Array(body) } }),
  });
}

/** What the caller would receive, whether the handler returned an HttpResponse or a plain init. */
export async function answerOf(result: HttpResponseInit | HttpResponse): Promise<Answer> {
  const response = result instanceof HttpResponse ? result : new HttpResponse(result);
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}
