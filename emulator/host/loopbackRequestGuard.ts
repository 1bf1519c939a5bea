import type { IncomingMessage } from 'node:http';

/** Why a request was refused before routing: status, stable code and a message saying what to do. */
export interface GuardRefusal {
  status: number;
  code: string;
  message: string;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/** The names the host answers to: its own loopback addresses on its own port. */
export function ownHostNames(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

/**
 * Keeps web pages away from the developer's local host. A DNS-rebinding page reaches it under a
 * foreign Host name (refused 421); a cross-site page can post to it with its own Origin (refused
 * 403, including the opaque `null` Origin a sandboxed page or a privacy-redirected form sends).
 * Durable webhook content types are left to the webhook API, which follows the extension's contract.
 * A request without a Host header (HTTP/1.0) is addressed to the host itself.
 */
export function checkLoopbackRequest(req: IncomingMessage, port: number): GuardRefusal | undefined {
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

  return undefined;
}
