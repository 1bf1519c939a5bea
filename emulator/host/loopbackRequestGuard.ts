import type { IncomingMessage } from 'node:http';

/** Why a request was refused before routing: status, stable code and a message saying what to do. */
export interface GuardRefusal {
  status: number;
  code: string;
  message: string;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/** The names the host answers to: its own loopback addresses on its own port. */
export function ownHostNames(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/**
 * Keeps web pages away from the developer's local host. A DNS-rebinding page reaches it under a
 * foreign Host name (refused 421); a cross-site page can post to it with its own Origin (refused
 * 403, the opaque `null` Origin included); a form post cannot send a JSON content type, so Durable
 * webhook calls with a body require one (415; raiseEvent answers the extension's own 400 instead). A request without a Host header (HTTP/1.0) is addressed to the host itself.
 */
export function checkLoopbackRequest(
  req: IncomingMessage,
  port: number,
  pathname: string,
): GuardRefusal | undefined {
  const allowed = ownHostNames(port);
  const host = req.headers.host?.toLowerCase();
  if (host !== undefined && !allowed.includes(host))
    return {
      status: 421,
      code: 'MisdirectedRequest',
      message: `This local host answers only requests addressed to ${allowed.join(', ')}; the Host header named another host. Use http://127.0.0.1:${port}.`,
    };

  const method = (req.method ?? 'GET').toUpperCase();
  const origin = req.headers.origin?.toLowerCase();
  if (
    STATE_CHANGING.has(method) &&
    origin !== undefined &&
    !allowed.some((name) => origin === `http://${name}`)
  )
    return {
      status: 403,
      code: 'CrossOriginRefused',
      message: `${method} requests from another site (Origin ${origin.slice(0, 100)}) are refused; call the host from http://127.0.0.1:${port} or without an Origin header.`,
    };

  // raiseEvent checks its own content type with the extension's 400, which the webhook API gives.
  const durableCall = /^\/runtime\/webhooks\/durabletask(\/|$)/i.test(pathname);
  const raiseEvent = /\/instances\/[^/]+\/raiseEvent\//i.test(pathname);
  if (durableCall && !raiseEvent && hasBody(req)) {
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!JSON_MEDIA_TYPE.test(mediaType))
      return {
        status: 415,
        code: 'UnsupportedMediaType',
        message: `Durable webhook calls with a body must send Content-Type: application/json${
          mediaType ? ` (got ${mediaType.slice(0, 100)})` : ''
        }.`,
      };
  }
  return undefined;
}
