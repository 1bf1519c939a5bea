import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/eventually.js';
import { startHostProcess, type HostProcess } from '../../support/startHost.js';

const appDir = resolve(import.meta.dirname, '../../apps/http-esm');

describe('local host running an ESM app (test/apps/http-esm)', () => {
  let workDir: string;
  let host: HostProcess;
  let hookLog: string;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'mediaferry-host-esm-'));
    hookLog = join(workDir, 'hooks.log');
    host = await startHostProcess({
      appDir,
      dataDir: join(workDir, 'data'),
      args: ['--no-durable'],
      env: { OVERRIDDEN_BY_ENV: 'from the environment', HOOK_LOG_FILE: hookLog },
    });
  });

  afterAll(async () => {
    await host?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

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
