import { execFile } from 'node:child_process';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { join, normalize, sep } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobResultSchema, type JobFailed } from '../../src/shared/contracts.js';
import { startEgressProxy } from '../../src/shared/egress/startEgressProxy.js';
import { startMediaServer, type MediaServer } from '../support/mediaServer.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { startWorkerTestBed, type WorkerTestBed } from './support/workerTestBed.js';
import { listenOnLoopback } from '../support/loopbackServer.js';

/**
 * A source on loopback that the job is allowed to fetch from (allow-listed by host:port, as an
 * on-premises source would be) but whose pages lead elsewhere on loopback: a redirect, an HLS
 * playlist whose segments live on another port, an HTML page embedding a video from another port.
 * Everything else is served from the media fixtures.
 */
async function startLeadingSource(root: string, refusedOrigin: string) {
  const refusedByName = refusedOrigin.replace('127.0.0.1', 'localhost');
  const playlist = readFileSync(join(root, 'hls', 'stream_2.m3u8'), 'utf8').replace(
    /^(s2_\d+\.ts)$/gm,
    `${refusedOrigin}/hls/$1`,
  );
  const pages: Record<string, { type: string; body: string } | { location: string }> = {
    '/redirect-to-name.mp4': { location: `${refusedByName}/progressive.mp4` },
    '/redirect-to-address.mp4': { location: `${refusedOrigin}/progressive.mp4` },
    '/segments-elsewhere.m3u8': { type: 'application/vnd.apple.mpegurl', body: playlist },
    '/embeds-elsewhere.html': {
      type: 'text/html; charset=utf-8',
      body:
        '<!doctype html><html><head><title>Embed</title></head><body>\n' +
        `<video controls><source src="${refusedByName}/progressive.mp4" type="video/mp4"></video>\n` +
        '</body></html>\n',
    },
  };
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://source').pathname;
    requests.push(path);
    const page = pages[path];
    if (page && 'location' in page) {
      res.writeHead(302, { location: page.location, 'content-length': '0' });
      return void res.end();
    }
    if (page) {
      res.writeHead(200, { 'content-type': page.type, 'content-length': Buffer.byteLength(page.body) });
      return void res.end(page.body);
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(normalize(root) + sep) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404, { 'content-length': '0' });
      return void res.end();
    }
    res.writeHead(200, { 'content-length': statSync(file).size, 'content-type': 'video/mp4' });
    createReadStream(file).pipe(res);
  });
  const listening = await listenOnLoopback(server);
  return { ...listening, host: new URL(listening.origin).host, requests };
}

let bed: WorkerTestBed;
let refused: MediaServer;
let source: Awaited<ReturnType<typeof startLeadingSource>>;

beforeAll(async () => {
  bed = await startWorkerTestBed();
  refused = await startMediaServer({ root: bed.fixtures.dir });
  source = await startLeadingSource(bed.fixtures.dir, refused.origin);
});
afterAll(async () => {
  await Promise.allSettled([bed?.stop(), refused?.close(), source?.close()]);
});
afterEach(() => {
  // Every case below must leave the refused server untouched.
  expect(refused.requests).toEqual([]);
  source.requests.length = 0;
});

/** Runs a job on `url` with only the leading source allow-listed; it must fail SOURCE_ADDRESS_BLOCKED. */
async function blocked(url: string) {
  const env = bed.env(url, { MF_ALLOWED_PRIVATE_SOURCES: source.host });
  const { code, logs } = await runWorkerProcess(env, 90_000);
  expect(code, logs).toBe(1);
  const result = jobResultSchema.parse(bed.callback.accepted('JobFinished').at(-1)?.body) as JobFailed;
  expect(result.error, logs).toMatchObject({ code: 'SOURCE_ADDRESS_BLOCKED', retryable: false });
  const blobs: string[] = [];
  for await (const blob of bed.container.listBlobsFlat({ prefix: env.MF_OUTPUT_BLOB_NAME }))
    blobs.push(blob.name);
  expect(blobs).toEqual([]);
  // The message names the host; never what the internal server would have answered.
  expect(result.error.message).not.toMatch(/ftyp|EXTM3U|<html/i);
  return { error: result.error, logs };
}

/** Runs a job whose own source URL the worker refuses before fetching anything: BAD_CONFIG, exit 2. */
async function refusedAtStart(url: string, problem: string) {
  const env = bed.env(url, { MF_ALLOWED_PRIVATE_SOURCES: source.host });
  const { code, logs } = await runWorkerProcess(env, 90_000);
  expect(code, logs).toBe(2);
  const result = jobResultSchema.parse(bed.callback.accepted('JobFinished').at(-1)?.body) as JobFailed;
  expect(result.error, logs).toMatchObject({ code: 'BAD_CONFIG', retryable: false });
  expect(result.error.message).toContain(problem);
  return { error: result.error, logs };
}

describe('the worker fetches only through its egress guard', { timeout: 120_000 }, () => {
  it('downloads from the allow-listed source through the guard (control)', async () => {
    const env = bed.env(`${source.origin}/progressive.mp4`, { MF_ALLOWED_PRIVATE_SOURCES: source.host });
    const { code, logs } = await runWorkerProcess(env, 90_000);
    expect(code, logs).toBe(0);
    expect(source.requests).toContain('/progressive.mp4');
  });

  it('refuses a source URL whose name resolves to loopback at start, before starting yt-dlp', async () => {
    const { error } = await refusedAtStart(
      `http://localhost:${new URL(refused.origin).port}/progressive.mp4`,
      'PRIVATE_ADDRESS',
    );
    expect(error.message).toContain('MF_SOURCE_URL');
  });

  it('refuses a redirect from the allowed source to a name on another loopback port', async () => {
    const { error } = await blocked(`${source.origin}/redirect-to-name.mp4`);
    expect(error.message).toContain('localhost');
    expect(source.requests).toContain('/redirect-to-name.mp4');
  });

  it('refuses a redirect from the allowed source to a loopback address on another port', async () => {
    await blocked(`${source.origin}/redirect-to-address.mp4`);
  });

  it('refuses HLS segments that point at another loopback port', async () => {
    await blocked(`${source.origin}/segments-elsewhere.m3u8`);
    expect(source.requests).toContain('/segments-elsewhere.m3u8');
  });

  it('refuses a video embedded in an HTML page from another loopback port', async () => {
    await blocked(`${source.origin}/embeds-elsewhere.html`);
    expect(source.requests).toContain('/embeds-elsewhere.html');
  });

  it('refuses a URL fragment that yt-dlp would read as smuggled request headers, fetching nothing', async () => {
    const smuggle = encodeURIComponent(JSON.stringify({ http_headers: { Metadata: 'true' } }));
    await refusedAtStart(
      `${source.origin}/progressive.mp4#__youtubedl_smuggle=${smuggle}`,
      'URL_HAS_FRAGMENT',
    );
    expect(source.requests).toEqual([]);
  });
});

describe('ffmpeg honours the egress guard through http_proxy', { timeout: 60_000 }, () => {
  it('is refused a playlist on a non-allowed loopback port, which never sees the request', async () => {
    const proxy = await startEgressProxy({
      policy: { allowPrivateSources: false, allowedPrivateSources: [source.host] },
    });
    try {
      const run = (url: string) =>
        new Promise<number>((resolve) => {
          const child = execFile(
            'ffmpeg',
            ['-hide_banner', '-loglevel', 'error', '-i', url, '-c', 'copy', '-f', 'null', '-'],
            { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', http_proxy: proxy.url } },
          );
          child.on('close', (code) => resolve(code ?? -1));
        });
      expect(await run(`${source.origin}/hls/stream_2.m3u8`)).toBe(0);
      expect(await run(`${refused.origin}/hls/stream_2.m3u8`)).not.toBe(0);
      expect(proxy.refusals.map((r) => r.port)).toEqual([Number(new URL(refused.origin).port)]);
    } finally {
      await proxy.close();
    }
  });
});
