import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobViewSchema } from '../../src/shared/jobView.js';
import { startLocalTestStack, type LocalTestStack } from '../support/localTestStack.js';

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/**
 * The web library's API on the local stack, signed in through the host's App Service
 * Authentication: jobs belong to the user who started them, another user gets 404 on them, an admin
 * sees all, a key holder (curl, CLI) keeps seeing all, and writes need the page's CSRF header.
 */
describe('the web API: sign-in, ownership and CSRF on the local stack', () => {
  let env: LocalTestStack;
  const sessions = new Map<string, string>();

  beforeAll(async () => {
    env = await startLocalTestStack({ settings: { LIVENESS_POLL_SECONDS: '2' } });
    for (const [user, roles] of [
      ['ada', ''],
      ['grace', ''],
      ['root', 'admin'],
    ] as const) {
      const signedIn = await fetch(`${env.stack.hostOrigin}/.auth/login/aad`, {
        method: 'POST',
        body: new URLSearchParams({ user, roles, post_login_redirect_uri: '/' }),
        redirect: 'manual',
        headers: { origin: env.stack.hostOrigin },
      });
      expect(signedIn.status).toBe(302);
      sessions.set(user, (signedIn.headers.get('set-cookie') ?? '').split(';')[0]!);
    }
  }, 180_000);

  afterAll(async () => {
    await env?.stopExpectingNothingLeft();
  });

  async function call(path: string, init: RequestInit & { as?: string } = {}): Promise<Answer> {
    const headers = new Headers(init.headers);
    if (init.as) headers.set('cookie', sessions.get(init.as)!);
    const response = await fetch(`${env.stack.hostOrigin}${path}`, {
      ...init,
      headers,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  }

  const pageWrite = { 'content-type': 'application/json', 'x-requested-with': 'mediaferry' };
  const errorCode = (answer: Answer) => (answer.body['error'] as { code: string } | undefined)?.code;
  const ids = (answer: Answer) => (answer.body['jobs'] as { id: string }[]).map((job) => job.id);

  let adasJob: string;

  it('starts a signed-in user job under their owner prefix and finishes it', async () => {
    const started = await call('/api/web/jobs', {
      as: 'ada',
      method: 'POST',
      headers: pageWrite,
      body: JSON.stringify({ url: env.media.url(env.fixtures.progressiveMp4) }),
    });
    expect(started.status).toBe(202);
    expect(started.headers.get('cache-control')).toBe('no-store');
    const view = jobViewSchema.parse(started.body);
    expect(view.id).toMatch(/^o[0-9a-f]{16}-[0-9a-f]{32}$/);
    adasJob = view.id;
    const done = await env.wait(view.statusQueryGetUri, 120_000);
    expect(done.runtimeStatus).toBe('Completed');
    const finished = await call(`/api/web/jobs/${adasJob}`, { as: 'ada' });
    expect(finished.status).toBe(200);
    const view2 = jobViewSchema.parse(finished.body);
    expect(view2.status).toBe('Succeeded');
    // The pages play media straight from storage: Blob CORS lets the app's origin read, no other.
    const readUrl = view2.outputs[0]!.readUrl;
    const fromPage = await fetch(readUrl, { headers: { origin: env.stack.hostOrigin, range: 'bytes=0-15' } });
    expect(fromPage.status).toBe(206);
    expect(fromPage.headers.get('access-control-allow-origin')).toBe(env.stack.hostOrigin);
    const fromElsewhere = await fetch(readUrl, {
      headers: { origin: 'http://127.0.0.1:1', range: 'bytes=0-15' },
    });
    expect(fromElsewhere.headers.get('access-control-allow-origin')).toBeNull();
  }, 180_000);

  it('lists a user only their own jobs, an admin and a key holder all of them', async () => {
    const graceStarted = await call('/api/web/jobs', {
      as: 'grace',
      method: 'POST',
      headers: pageWrite,
      body: JSON.stringify({ url: env.media.url('missing.mp4') }),
    });
    expect(graceStarted.status).toBe(202);
    const gracesJob = String(graceStarted.body['id']);
    expect(gracesJob.slice(0, 18)).not.toBe(adasJob.slice(0, 18));
    expect(ids(await call('/api/web/jobs', { as: 'ada' }))).toEqual([adasJob]);
    expect(ids(await call('/api/web/jobs', { as: 'grace' }))).toEqual([gracesJob]);
    expect(ids(await call('/api/web/jobs', { as: 'root' }))).toEqual(
      expect.arrayContaining([adasJob, gracesJob]),
    );
    expect(ids(await call('/api/jobs'))).toEqual(expect.arrayContaining([adasJob, gracesJob]));
    await env.wait(String(graceStarted.body['statusQueryGetUri']), 60_000);
  });

  it("answers another user's job, its status and its cancel exactly like an unknown one", async () => {
    for (const [path, method] of [
      [`/api/web/jobs/${adasJob}`, 'GET'],
      [`/api/web/jobs/${adasJob}/cancel`, 'POST'],
      [`/api/jobs/${adasJob}`, 'GET'],
      [`/api/jobs/${adasJob}/status`, 'GET'],
    ] as const) {
      const answer = await call(path, { as: 'grace', method, headers: pageWrite });
      expect(answer.status, path).toBe(404);
      expect(errorCode(answer), path).toBe('JOB_NOT_FOUND');
    }
    expect((await call(`/api/web/jobs/${adasJob}`, { as: 'root' })).status).toBe(200);
  });

  it('tells the pages who is signed in', async () => {
    expect((await call('/api/web/me', { as: 'root' })).body).toEqual({
      name: 'root',
      roles: ['admin'],
      admin: true,
    });
    expect((await call('/api/web/me', { as: 'ada' })).body).toEqual({ name: 'ada', roles: [], admin: false });
    expect((await call('/api/web/me')).status).toBe(401);
  });

  it('refuses the pages API to anyone not signed in', async () => {
    for (const [path, method] of [
      ['/api/web/jobs', 'GET'],
      ['/api/web/jobs', 'POST'],
      [`/api/web/jobs/${adasJob}`, 'GET'],
      ['/api/web/uploads', 'POST'],
    ] as const) {
      const answer = await call(path, { method, headers: pageWrite, body: method === 'POST' ? '{}' : null });
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(errorCode(answer)).toBe('SIGN_IN_REQUIRED');
    }
  });

  it('refuses a write without the page header or from another site, and starts nothing', async () => {
    const body = JSON.stringify({ url: env.media.url(env.fixtures.progressiveMp4) });
    const attempts: Record<string, string>[] = [
      { 'content-type': 'application/json' },
      { ...pageWrite, 'sec-fetch-site': 'cross-site' },
      { 'content-type': 'text/plain' },
    ];
    for (const headers of attempts) {
      const answer = await call('/api/web/jobs', { as: 'ada', method: 'POST', headers, body });
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(errorCode(answer)).toBe('CSRF_REJECTED');
    }
    expect(ids(await call('/api/web/jobs', { as: 'ada' }))).toEqual([adasJob]);
  });

  it("gives a signed-in user's upload a job under their owner prefix", async () => {
    const upload = await call('/api/web/uploads', {
      as: 'grace',
      method: 'POST',
      headers: pageWrite,
      body: JSON.stringify({ filename: 'clip.mp4', contentType: 'video/mp4', bytes: 1000 }),
    });
    expect(upload.status).toBe(201);
    expect(upload.body['jobId']).toMatch(/^o[0-9a-f]{16}-upload-[0-9a-f]{32}$/);
    // Grace's prefix, not Ada's: the same owner prefix as the job Grace started above.
    const graces = ids(await call('/api/web/jobs', { as: 'grace' }));
    expect(String(upload.body['jobId']).slice(0, 18)).toBe(graces[0]!.slice(0, 18));
  });
});
