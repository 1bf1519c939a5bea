import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody } from '../shared/http.js';

/**
 * App Service Authentication (Easy Auth) as the local host offers it, in the spirit of the Static
 * Web Apps CLI: `/.auth/login/aad` is a local sign-in form taking a user name and roles (no password:
 * this is a developer's machine), `/.auth/me` answers the signed-in principal, `/.auth/logout` ends
 * the session. Every request to a function has the `x-ms-client-principal*` headers removed, as App
 * Service does for external requests, and set again from the session cookie when there is one, in
 * App Service's format: base64 JSON `{ auth_typ, claims: [{ typ, val }], name_typ, role_typ }` plus
 * `x-ms-client-principal-id`, `-name` and `-idp`.
 */
export const SESSION_COOKIE = 'AppServiceAuthSession';
export const PROVIDER = 'aad';
export const NAME_CLAIM = 'name';
export const ROLE_CLAIM = 'roles';
export const OBJECT_ID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';

const PRINCIPAL_HEADERS = /^x-ms-(client-principal|token-)/i;
const USER_NAME = /^[\p{L}\p{N} ._@'-]{1,100}$/u;
const ROLE = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_FORM_BYTES = 4096;
const SESSION_HOURS = 8;

export interface LocalPrincipal {
  userId: string;
  userName: string;
  roles: string[];
}

interface Session extends LocalPrincipal {
  /** Expiry, epoch milliseconds. */
  exp: number;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A same-origin path to go back to; anything else (absolute, scheme-relative, odd) goes home. */
function localRedirect(target: string | null): string {
  return target && /^\/(?![/\\])[^\s]*$/.test(target) ? target : '/';
}

function cookies(req: IncomingMessage): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) jar.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return jar;
}

export class LocalAppServiceAuth {
  readonly #key: Buffer;
  readonly #now: () => number;

  constructor(options: { key?: Buffer; now?: () => number } = {}) {
    this.#key = options.key ?? randomBytes(32);
    this.#now = options.now ?? Date.now;
  }

  /** Serves `/.auth/*`; answers false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname.toLowerCase();
    if (!path.startsWith('/.auth/')) return false;
    const method = (req.method ?? 'GET').toUpperCase();
    if (path === `/.auth/login/${PROVIDER}` && method === 'GET') {
      this.#loginForm(res, localRedirect(url.searchParams.get('post_login_redirect_uri')));
    } else if (path === `/.auth/login/${PROVIDER}` && method === 'POST') {
      await this.#signIn(req, res);
    } else if (path === '/.auth/me' && method === 'GET') {
      const session = this.session(req);
      if (!session) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('[]');
      } else {
        const body = [{ provider_name: PROVIDER, user_id: session.userName, user_claims: claimsOf(session) }];
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(body));
      }
    } else if (path === '/.auth/logout' && method === 'GET') {
      res.writeHead(302, {
        location: localRedirect(url.searchParams.get('post_logout_redirect_uri')),
        'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
      });
      res.end();
    } else {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('No such /.auth endpoint.\n');
    }
    return true;
  }

  /** The signed-in principal of a request, from a valid, unexpired session cookie. */
  session(req: IncomingMessage): Session | undefined {
    const value = cookies(req).get(SESSION_COOKIE);
    const [payload, signature] = value?.split('.') ?? [];
    if (!payload || !signature) return undefined;
    const expected = this.#sign(payload);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Session;
      return session.exp > this.#now() ? session : undefined;
    } catch {
      return undefined;
    }
  }

  /** Replaces any client-sent principal headers with the session's (or none). */
  applyPrincipalHeaders(req: IncomingMessage): void {
    for (const name of Object.keys(req.headers)) if (PRINCIPAL_HEADERS.test(name)) delete req.headers[name];
    const session = this.session(req);
    if (!session) return;
    const principal = {
      auth_typ: PROVIDER,
      claims: claimsOf(session),
      name_typ: NAME_CLAIM,
      role_typ: ROLE_CLAIM,
    };
    req.headers['x-ms-client-principal'] = Buffer.from(JSON.stringify(principal)).toString('base64');
    req.headers['x-ms-client-principal-id'] = session.userId;
    req.headers['x-ms-client-principal-name'] = session.userName;
    req.headers['x-ms-client-principal-idp'] = PROVIDER;
  }

  #sign(payload: string): Buffer {
    return createHmac('sha256', this.#key).update(payload).digest();
  }

  #loginForm(res: ServerResponse, redirect: string, problem?: string, status = 200): void {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    });
    res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in (local)</title>
<style>body{font:16px system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:1rem 0 .25rem}input{font:inherit;width:100%;padding:.5rem;box-sizing:border-box}button{font:inherit;margin-top:1.5rem;padding:.5rem 1.25rem}p[role=alert]{color:#a00}</style>
</head><body><main>
<h1>Sign in</h1>
<p>Local sign-in of the mediaferry host, standing in for Microsoft Entra ID.</p>
${problem ? `<p role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/.auth/login/${PROVIDER}">
<input type="hidden" name="post_login_redirect_uri" value="${escapeHtml(redirect)}">
<label for="user">User name</label><input id="user" name="user" required maxlength="100" autocomplete="username">
<label for="roles">Roles (comma-separated, optional)</label><input id="roles" name="roles" maxlength="500">
<button type="submit">Sign in</button>
</form></main></body></html>
`);
  }

  async #signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let form: URLSearchParams;
    try {
      form = new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString('utf8'));
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return this.#loginForm(res, '/', 'The form is too large.', 413);
    }
    const redirect = localRedirect(form.get('post_login_redirect_uri'));
    const userName = (form.get('user') ?? '').trim();
    const roles = (form.get('roles') ?? '')
      .split(',')
      .map((role) => role.trim())
      .filter(Boolean);
    if (!USER_NAME.test(userName))
      return this.#loginForm(
        res,
        redirect,
        "Enter a user name: letters, digits, spaces and . _ @ ' - only, at most 100.",
        400,
      );
    const badRole = roles.find((role) => !ROLE.test(role));
    if (badRole !== undefined || roles.length > 20)
      return this.#loginForm(
        res,
        redirect,
        'Roles are letters, digits, "_", "." and "-", at most 20 of them.',
        400,
      );
    const session: Session = {
      userId: createHash('sha256').update(`local:${userName.toLowerCase()}`).digest('hex').slice(0, 32),
      userName,
      roles: [...new Set(roles)],
      exp: this.#now() + SESSION_HOURS * 3600 * 1000,
    };
    const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
    const value = `${payload}.${this.#sign(payload).toString('base64url')}`;
    res.writeHead(302, {
      location: redirect,
      'set-cookie': `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_HOURS * 3600}`,
    });
    res.end();
  }
}

function claimsOf(principal: LocalPrincipal): { typ: string; val: string }[] {
  return [
    { typ: NAME_CLAIM, val: principal.userName },
    { typ: 'preferred_username', val: principal.userName },
    { typ: OBJECT_ID_CLAIM, val: principal.userId },
    ...principal.roles.map((role) => ({ typ: ROLE_CLAIM, val: role })),
  ];
}
