import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/eventually.js';
import { useTempDir } from '../../support/useTempDir.js';
import { startHostProcess, type HostProcess } from '../../support/startHost.js';

const appDir = resolve(import.meta.dirname, '../../apps/http-esm');

describe('local host running an ESM app (test/apps/http-esm)', () => {
  const workDir = useTempDir('mediaferry-host-esm-');
  const hookLog = join(workDir, 'hooks.log');
  let host: HostProcess;

  beforeAll(async () => {
    host = await startHostProcess({
      appDir,
      dataDir: join(workDir, 'data'),
      args: ['--no-durable'],
      env: { OVERRIDDEN_BY_ENV: 'from the environment', HOOK_LOG_FILE: hookLog },
    });
  });

  afterAll(() => host?.stop());

  it('prints the functions and their URLs like func start, then a readiness line', () => {
    const port = new URL(host.origin).port;
    const output = host.output();
    expect(output).toContain('Functions:\n\n');
    expect(output).toContain(`\titems: [GET,PUT] http://localhost:${port}/api/items/{id:int}/{label?}`);
    expect(output).toContain(`\tbinaryEcho: [POST] http://localhost:${port}/api/binary`);
    expect(output).toContain(`\tsettings: [GET] http://localhost:${port}/api/settings`);
    expect(output).toContain('\tstartupTimer: timerTrigger');
    expect(output).toContain('\tonUpload: blobTrigger\n');
    expect(output).toContain('\tswitchedOff: [GET]');
    expect(output).toMatch(/switchedOff: .*\(disabled\)/);
    expect(output.indexOf('Functions:')).toBeLessThan(output.indexOf('Host started: http://127.0.0.1:'));
  });

  it('passes route parameters, the method and the query string to the function', async () => {
    const response = await fetch(`${host.origin}/api/items/42/blue%20box?sort=asc&page=2`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      method: 'GET',
      params: { id: '42', label: 'blue box' },
      query: { sort: 'asc', page: '2' },
    });
  });

  it('matches an optional route parameter when it is left out', async () => {
    const response = await fetch(`${host.origin}/api/items/7`, { method: 'PUT', body: 'x' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ method: 'PUT', params: { id: '7' } });
  });

  it('prefers a literal route over a parameterised one', async () => {
    const response = await fetch(`${host.origin}/api/items/summary`);
    expect(await response.json()).toEqual({ summary: true });
  });

  it('answers 404 when a route constraint fails, a method is not allowed, or no route matches', async () => {
    const notAnInt = await fetch(`${host.origin}/api/items/abc`);
    expect(notAnInt.status).toBe(404);
    const wrongMethod = await fetch(`${host.origin}/api/items/1`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(404);
    const unknown = await fetch(`${host.origin}/api/no-such-function`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: { code: 'RouteNotFound', message: 'No function serves GET /api/no-such-function.' },
    });
  });

  it('uses the function name as the route when none is given, case-insensitively', async () => {
    const response = await fetch(`${host.origin}/API/Settings`);
    expect(response.status).toBe(200);
  });

  it('round-trips a binary body byte for byte', async () => {
    const payload = randomBytes(256 * 1024);
    payload[0] = 0xff;
    payload[1] = 0xfe;
    const response = await fetch(`${host.origin}/api/binary`, { method: 'POST', body: payload });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    const echoed = Buffer.from(await response.arrayBuffer());
    expect(echoed.equals(payload)).toBe(true);
    expect(response.headers.get('x-body-sha256')).toBe(createHash('sha256').update(payload).digest('hex'));
  });

  it('returns the status, headers and cookies the function sets', async () => {
    const response = await fetch(`${host.origin}/api/created`, {
      method: 'POST',
      headers: { 'x-test': 'seen' },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe('/api/items/1');
    expect(response.headers.get('x-request-header')).toBe('seen');
    expect(await response.text()).toBe('created');
    const cookies = response.headers.getSetCookie();
    expect(cookies).toContain('session=abc123; Path=/; HttpOnly; SameSite=Strict');
    expect(cookies).toContain('theme=dark; Max-Age=60');
  });

  it('answers 204 when a function returns nothing', async () => {
    const response = await fetch(`${host.origin}/api/nothing`);
    expect(response.status).toBe(204);
  });

  it('answers 500 without the error details when a function throws, and logs the error', async () => {
    const response = await fetch(`${host.origin}/api/fails`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toMatch(/at .*\.js:\d+/);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'FunctionInvocationFailed' } });
    await eventually('the error in the host log', () => host.output().includes('hunter2'), 5_000, 50);
    expect(host.output()).toMatch(/Executed 'Functions\.fails' \(Failed/);
  });

  it('does not route a function disabled through AzureWebJobs.<name>.Disabled', async () => {
    expect((await fetch(`${host.origin}/api/switchedOff`)).status).toBe(404);
  });

  it('applies local.settings.json Values, lets the environment win, and sets WEBSITE_HOSTNAME', async () => {
    const response = await fetch(`${host.origin}/api/settings`);
    expect(await response.json()).toEqual({
      greeting: 'hello from local settings',
      overridden: 'from the environment',
      websiteHostname: `localhost:${new URL(host.origin).port}`,
    });
  });

  it('runs preInvocation and postInvocation hooks around the function', async () => {
    const response = await fetch(`${host.origin}/api/hooked`);
    expect(await response.json()).toEqual({ input: 'replaced-by-preInvocation' });
    expect(response.headers.get('x-pre-invocation-for')).toBe('hooked');
    expect(readFileSync(hookLog, 'utf8')).toContain('postInvocation:hooked');
  });

  it('fires a runOnStartup timer at start and a scheduled timer on its schedule', async () => {
    await eventually(
      'startupTimer',
      () => host.output().includes('startupTimer fired (isPastDue=false'),
      10_000,
      50,
    );
    await eventually('everySecond', () => host.output().includes('everySecond fired'), 5_000, 50);
    expect(host.output()).not.toContain('heartbeat fired');
  });

  describe('App Service Authentication, emulated', () => {
    const forged = Buffer.from(
      JSON.stringify({
        auth_typ: 'aad',
        claims: [{ typ: 'name', val: 'mallory' }],
        name_typ: 'name',
        role_typ: 'roles',
      }),
    ).toString('base64');

    /** Signs in through the form as a browser would, answering the session cookie. */
    async function signIn(user: string, roles: string, redirect = '/api/whoami') {
      const form = new URLSearchParams({ user, roles, post_login_redirect_uri: redirect });
      return fetch(`${host.origin}/.auth/login/aad`, {
        method: 'POST',
        body: form,
        redirect: 'manual',
        headers: { origin: host.origin },
      });
    }

    it('offers a labelled sign-in form that escapes what it echoes', async () => {
      const page = await fetch(`${host.origin}/.auth/login/aad?post_login_redirect_uri=/x"><script>`);
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(html).toContain('<label for="user">User name</label>');
      expect(html).toContain('<label for="roles">');
      // Not a local path: the form goes home instead, and nothing is echoed raw.
      expect(html).not.toContain('<script>');
    });

    it('signs in, passes the principal to functions in App Service format, and signs out', async () => {
      const signedIn = await signIn('Ada Lovelace', 'admin, editor');
      expect(signedIn.status).toBe(302);
      expect(signedIn.headers.get('location')).toBe('/api/whoami');
      const cookie = signedIn.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^AppServiceAuthSession=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
      const session = cookie.split(';')[0] ?? '';

      const me = await fetch(`${host.origin}/api/whoami`, { headers: { cookie: session } });
      const body = (await me.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        signedIn: true,
        authType: 'aad',
        name: 'Ada Lovelace',
        roles: ['admin', 'editor'],
        headerName: 'Ada Lovelace',
        idp: 'aad',
      });
      expect(body.id).toMatch(/^[0-9a-f]{32}$/);

      const authMe = await fetch(`${host.origin}/.auth/me`, { headers: { cookie: session } });
      expect(await authMe.json()).toEqual([
        expect.objectContaining({ provider_name: 'aad', user_id: 'Ada Lovelace' }),
      ]);

      const out = await fetch(`${host.origin}/.auth/logout?post_logout_redirect_uri=/`, {
        headers: { cookie: session },
        redirect: 'manual',
      });
      expect(out.status).toBe(302);
      expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
      expect((await fetch(`${host.origin}/.auth/me`)).status).toBe(401);
    });

    it('drops principal headers a client sends, and a tampered session cookie', async () => {
      const forgedHeader = await fetch(`${host.origin}/api/whoami`, {
        headers: { 'x-ms-client-principal': forged, 'x-ms-client-principal-name': 'mallory' },
      });
      expect(forgedHeader.status).toBe(401);
      const session = ((await signIn('bob', '')).headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const [name, value = ''] = session.split('=');
      const [, signature] = value.split('.');
      const admin = Buffer.from(
        JSON.stringify({ userId: 'x', userName: 'bob', roles: ['admin'], exp: Date.now() + 1e6 }),
      );
      const tampered = `${name}=${admin.toString('base64url')}.${signature}`;
      expect((await fetch(`${host.origin}/api/whoami`, { headers: { cookie: tampered } })).status).toBe(401);
      const bob = await fetch(`${host.origin}/api/whoami`, {
        headers: { cookie: session, 'x-ms-client-principal': forged },
      });
      expect(await bob.json()).toMatchObject({ name: 'bob', roles: [] });
    });

    it('refuses a bad user name or role with the form again, and redirects only to local paths', async () => {
      const bad = await signIn('<img src=x>', '');
      expect(bad.status).toBe(400);
      expect(bad.headers.get('set-cookie')).toBeNull();
      expect(await bad.text()).toContain('role="alert"');
      expect((await signIn('carol', 'ad min')).status).toBe(400);
      for (const redirect of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
        expect((await signIn('carol', '', redirect)).headers.get('location')).toBe('/');
      }
      const crossSite = await fetch(`${host.origin}/.auth/login/aad`, {
        method: 'POST',
        body: new URLSearchParams({ user: 'carol' }),
        redirect: 'manual',
        headers: { origin: 'https://evil.example' },
      });
      expect(crossSite.status).toBe(403);
    });
  });
});

describe('local host lifecycle', () => {
  it('runs appStart at start and appTerminate on SIGTERM, then exits 0', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'mediaferry-host-life-'));
    const hookLog = join(workDir, 'hooks.log');
    const host = await startHostProcess({
      appDir,
      dataDir: join(workDir, 'data'),
      args: ['--no-durable'],
      env: { HOOK_LOG_FILE: hookLog },
    });
    try {
      expect(readFileSync(hookLog, 'utf8')).toBe('appStart\n');
      await host.stop();
      expect(host.exitCode()).toBe(0);
      expect(readFileSync(hookLog, 'utf8')).toBe('appStart\nappTerminate\n');
    } finally {
      await host.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('also stops cleanly on SIGINT', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'mediaferry-host-int-'));
    const host = await startHostProcess({ appDir, dataDir: join(workDir, 'data'), args: ['--no-durable'] });
    try {
      await host.kill('SIGINT');
      expect(host.exitCode()).toBe(0);
    } finally {
      await host.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});
