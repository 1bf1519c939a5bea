import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jobViewSchema, type JobView } from '../../src/shared/jobView.js';
import { runBuiltCli } from '../support/runBuiltCli.js';

const MEDIA = Buffer.from('not really an mp4, but bytes with a known hash');
const MEDIA_SHA = createHash('sha256').update(MEDIA).digest('hex');

interface Seen {
  method: string;
  url: string;
  key: string | undefined;
  body: string;
}

/** A loopback app that speaks the documented jobs API; each view it serves passes jobViewSchema. */
class FakeJobsApp {
  server!: Server;
  origin = '';
  seen: Seen[] = [];
  /** Views each GET of a job walks through, the last repeated. */
  timelines = new Map<string, JobView[]>();

  view(id: string, overrides: Partial<JobView> = {}): JobView {
    return jobViewSchema.parse({
      id,
      status: 'Queued',
      phase: 'Queued',
      percent: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      request: { url: 'https://example.com/v' },
      source: { url: 'https://example.com/v' },
      attempts: 1,
      outputs: [],
      media: null,
      error: null,
      notifications: [],
      statusQueryGetUri: `${this.origin}/api/jobs/${id}`,
      ...overrides,
    });
  }

  succeeded(id: string, sha256 = MEDIA_SHA): JobView {
    return this.view(id, {
      status: 'Succeeded',
      phase: 'Done',
      percent: 100,
      outputs: [
        {
          blobName: `${id}.mp4`,
          url: `${this.origin}/blob/${id}.mp4`,
          contentType: 'video/mp4',
          bytes: MEDIA.length,
          sha256,
          readUrl: `${this.origin}/read/${id}.mp4`,
          readUrlExpiresAt: '2030-01-01T00:00:00.000Z',
        },
      ],
    });
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      void this.answer(request).then(({ status, body }) => {
        if (Buffer.isBuffer(body)) response.writeHead(status, { 'content-type': 'video/mp4' }).end(body);
        else response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async answer(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', this.origin);
    const key = request.headers['x-functions-key'] as string | undefined;
    this.seen.push({
      method: request.method ?? '',
      url: url.pathname + url.search,
      key,
      body: Buffer.concat(chunks).toString(),
    });
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] === 'read') return { status: 200, body: MEDIA };
    // An upload link and the blob endpoint behind it (the storage SDK's single Put Blob).
    if (request.method === 'POST' && url.pathname === '/api/uploads')
      return {
        status: 201,
        body: {
          uploadId: '5f0c2a7d9e8b4c1fa3d6e0b7c9a81234',
          uploadUrl: `${this.origin}/incoming/5f0c2a7d9e8b4c1fa3d6e0b7c9a81234/clip.mp4?sv=2025-07-05&sp=cw&sig=x`,
          expiresAt: '2030-01-01T00:00:00.000Z',
          jobId: 'upload-5f0c2a7d9e8b4c1fa3d6e0b7c9a81234',
          blobName: 'incoming/5f0c2a7d9e8b4c1fa3d6e0b7c9a81234/clip.mp4',
        },
      };
    if (request.method === 'PUT' && parts[0] === 'incoming') return { status: 201, body: undefined };
    if (request.method === 'POST' && url.pathname === '/api/jobs') {
      const submitted = JSON.parse(Buffer.concat(chunks).toString()) as { url: string };
      const id = submitted.url.includes('fail') ? 'job-fail' : 'job-ok';
      return { status: 202, body: this.view(id) };
    }
    if (request.method === 'GET' && url.pathname === '/api/jobs') {
      const status = url.searchParams.get('status');
      const jobs = [this.succeeded('job-a'), this.view('job-b', { status: 'Failed', phase: 'Done' })];
      return {
        status: 200,
        body: { jobs: jobs.filter((j) => !status || j.status === status), continuationToken: null },
      };
    }
    const id = parts[2] ?? '';
    if (parts[3] === 'status')
      return {
        status: 200,
        body: { phase: 'Downloading', percent: 40, speedBytesPerSecond: 1.5 * 1024 * 1024 },
      };
    if (parts[3] === 'cancel') {
      if (id === 'job-a')
        return {
          status: 409,
          body: { error: { code: 'JOB_FINISHED', message: 'The job already Succeeded.', retryable: false } },
        };
      return { status: 202, body: this.view(id, { status: 'Canceled', phase: 'Done' }) };
    }
    const timeline = this.timelines.get(id);
    if (!timeline)
      return {
        status: 404,
        body: { error: { code: 'JOB_NOT_FOUND', message: `No job ${id}.`, retryable: false } },
      };
    const next = timeline.length > 1 ? timeline.shift()! : timeline[0]!;
    return { status: 200, body: next };
  }
}

const runCli = (args: string[], env: Record<string, string> = {}) => runBuiltCli(args, env, 30_000);

describe('the mediaferry command', () => {
  const app = new FakeJobsApp();
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    await app.start();
    env = { MEDIAFERRY_URL: app.origin, MEDIAFERRY_KEY: 'k3y' };
  });
  afterAll(() => app.server.close());
  beforeEach(() => {
    app.seen = [];
    dir = mkdtempSync(join(tmpdir(), 'mediaferry-cli-'));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it('submits with --wait, prints plain progress lines off a terminal, and exits 0 on success', async () => {
    app.timelines.set('job-ok', [
      app.view('job-ok', { status: 'Running', phase: 'Downloading', percent: 40 }),
      app.succeeded('job-ok'),
    ]);
    const result = await runCli(
      [
        'submit',
        'https://example.com/v',
        '--preset',
        'streaming',
        '--max-height',
        '720',
        '--output',
        'a/b.mp4',
        '--max-attempts',
        '3',
        '--wait',
      ],
      env,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'job-ok',
      'Running Downloading 40% 1.5 MiB/s',
      'Succeeded Done 100%',
      `job-ok.mp4 ${MEDIA.length} bytes ${app.origin}/read/job-ok.mp4`,
      '',
    ]);
    const post = app.seen.find((s) => s.method === 'POST')!;
    expect(JSON.parse(post.body)).toEqual({
      url: 'https://example.com/v',
      preset: 'streaming',
      maxHeight: 720,
      outputName: 'a/b.mp4',
      maxAttempts: 3,
    });
    expect(app.seen.every((s) => s.key === 'k3y')).toBe(true);
  });

  it('exits 1 when the followed job fails, naming its error', async () => {
    app.timelines.set('job-fail', [
      app.view('job-fail', {
        status: 'Failed',
        phase: 'Done',
        error: { code: 'SOURCE_NOT_FOUND', message: 'Gone.', retryable: false },
      }),
    ]);
    const result = await runCli(['submit', 'https://example.com/fail', '--wait'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Failed: SOURCE_NOT_FOUND: Gone.');
  });

  it('sends useCookies false with --no-cookies, and no such field without it', async () => {
    app.seen = [];
    expect((await runCli(['submit', 'https://example.com/v', '--no-cookies'], env)).code).toBe(0);
    expect((await runCli(['submit', 'https://example.com/w'], env)).code).toBe(0);
    const bodies = app.seen.filter((s) => s.method === 'POST').map((s) => JSON.parse(s.body) as unknown);
    expect(bodies).toEqual([
      { url: 'https://example.com/v', useCookies: false },
      { url: 'https://example.com/w' },
    ]);
  });

  it('uploads a file with --notify-url and --notify-email as the upload request fields', async () => {
    const file = join(dir, 'clip.mp4');
    writeFileSync(file, MEDIA);
    const result = await runCli(
      ['upload', file, '--notify-url', 'https://hooks.example.com/x', '--notify-email', 'ops@example.com'],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('upload-5f0c2a7d9e8b4c1fa3d6e0b7c9a81234');
    const post = app.seen.find((s) => s.method === 'POST' && s.url.startsWith('/api/uploads'))!;
    expect(JSON.parse(post.body)).toEqual({
      filename: 'clip.mp4',
      contentType: 'video/mp4',
      bytes: MEDIA.length,
      notifyUrl: 'https://hooks.example.com/x',
      notifyEmail: 'ops@example.com',
    });
    const put = app.seen.find((s) => s.method === 'PUT')!;
    expect(put.body).toBe(MEDIA.toString());
  });

  it('passes --notify-url and --notify-email as the request fields', async () => {
    app.seen = [];
    const result = await runCli(
      [
        'submit',
        'https://example.com/v',
        '--notify-url',
        'https://hooks.example.com/x',
        '--notify-email',
        'ops@example.com',
      ],
      env,
    );
    expect(result.code).toBe(0);
    const post = app.seen.find((s) => s.method === 'POST')!;
    expect(JSON.parse(post.body)).toEqual({
      url: 'https://example.com/v',
      notifyUrl: 'https://hooks.example.com/x',
      notifyEmail: 'ops@example.com',
    });
  });

  it('submits a playlist with --playlist-max-items and --playlist-concurrency, and lists each item at the end', async () => {
    const output = {
      blobName: 'job-ok-p001/job-ok-p001.mp4',
      url: `${app.origin}/blob/job-ok-p001.mp4`,
      contentType: 'video/mp4',
      bytes: 10,
      sha256: MEDIA_SHA,
    };
    app.timelines.set('job-ok', [
      app.view('job-ok', {
        status: 'Succeeded',
        phase: 'Done',
        percent: 100,
        children: [
          { id: 'job-ok-p001', url: 'https://example.com/1.mp4', status: 'Succeeded', outputs: [output] },
          {
            id: 'job-ok-p002',
            url: 'https://example.com/2.mp4',
            status: 'Failed',
            error: { code: 'NOT_FOUND', message: 'Gone.', retryable: false },
          },
        ],
        playlist: { listed: 2, duplicates: [] },
      }),
    ]);
    const result = await runCli(
      [
        'submit',
        'https://example.com/feed.xml',
        '--playlist-max-items',
        '20',
        '--playlist-concurrency',
        '3',
        '--wait',
      ],
      env,
    );
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(-3)).toEqual([
      'job-ok-p001 Succeeded job-ok-p001/job-ok-p001.mp4',
      'job-ok-p002 Failed NOT_FOUND https://example.com/2.mp4',
      '',
    ]);
    const post = app.seen.find((s) => s.method === 'POST')!;
    expect(JSON.parse(post.body)).toEqual({
      url: 'https://example.com/feed.xml',
      playlist: { maxItems: 20, concurrency: 3 },
    });

    app.seen = [];
    expect((await runCli(['submit', 'https://example.com/feed.xml', '--playlist'], env)).code).toBe(0);
    expect(JSON.parse(app.seen.find((s) => s.method === 'POST')!.body)).toEqual({
      url: 'https://example.com/feed.xml',
      playlist: {},
    });
  });

  it('submits without --wait: prints the id and exits 0 at once', async () => {
    const result = await runCli(['submit', 'https://example.com/v'], env);
    expect(result).toMatchObject({ code: 0, stdout: 'job-ok\n' });
    expect(app.seen.map((s) => s.method)).toEqual(['POST']);
  });

  it('lists jobs filtered by status, and refuses an unknown status with 2 without calling the app', async () => {
    const listed = await runCli(['jobs', '--status', 'Failed'], env);
    expect(listed.code).toBe(0);
    expect(app.seen[0]?.url).toBe('/api/jobs?status=Failed');
    expect(listed.stdout.trim().split('\n')).toHaveLength(1);
    expect(listed.stdout).toMatch(/^job-b\s+Failed/);

    app.seen = [];
    const bad = await runCli(['jobs', '--status', 'Sleeping'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Sleeping');
    expect(app.seen).toEqual([]);
  });

  it('shows one job as JSON, exits 1 for a failed one and 2 for an unknown id', async () => {
    app.timelines.set('job-a', [app.succeeded('job-a')]);
    const shown = await runCli(['job', 'job-a'], env);
    expect(shown.code).toBe(0);
    expect(jobViewSchema.parse(JSON.parse(shown.stdout)).status).toBe('Succeeded');

    app.timelines.set('job-b', [app.view('job-b', { status: 'Failed', phase: 'Done' })]);
    expect((await runCli(['job', 'job-b'], env)).code).toBe(1);

    const unknown = await runCli(['job', 'nope'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('404: JOB_NOT_FOUND: No job nope.');
  });

  it('cancels a running job, and exits 2 with the reason when the job already finished', async () => {
    const canceled = await runCli(['cancel', 'job-r'], env);
    expect(canceled).toMatchObject({ code: 0, stdout: 'job-r Canceled\n' });
    expect(app.seen[0]).toMatchObject({ method: 'POST', url: '/api/jobs/job-r/cancel' });

    const finished = await runCli(['cancel', 'job-a'], env);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain('409: JOB_FINISHED');
  });

  it("downloads a job's outputs through their read links and checks the bytes", async () => {
    app.timelines.set('job-a', [app.succeeded('job-a')]);
    const result = await runCli(['download', 'job-a', dir], env);
    expect(result.code).toBe(0);
    expect(readFileSync(join(dir, 'job-a.mp4'))).toEqual(MEDIA);

    app.timelines.set('job-bad', [app.succeeded('job-bad', 'f'.repeat(64))]);
    const mismatch = await runCli(['download', 'job-bad', dir], env);
    expect(mismatch.code).toBe(3);
    expect(mismatch.stderr).toContain("does not match the job's sha256");
  });

  it('exits 3 when the app cannot be reached, and 2 for bad usage', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    const unreachable = await runCli(['jobs', '--url', `http://127.0.0.1:${port}`]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('Cannot reach the app');

    expect((await runCli(['submit'], env)).code).toBe(2);
    expect((await runCli(['frobnicate'], env)).code).toBe(2);
    expect((await runCli(['submit', 'https://example.com/v', '--preset', '9000p'], env)).code).toBe(2);
    expect((await runCli(['submit', 'https://example.com/v', '--max-height', 'tall'], env)).code).toBe(2);
    expect((await runCli(['--help'])).code).toBe(0);
  });
});
