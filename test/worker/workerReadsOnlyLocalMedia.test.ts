import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobResultSchema, type JobFailed } from '../../src/shared/contracts.js';
import { WORKER_ENV } from '../../src/shared/workerEnvironment.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { startWorkerTestBed, type WorkerTestBed } from './support/workerTestBed.js';
import { listenOnLoopback } from '../support/loopbackServer.js';

/** A loopback server that answers every path with `body` and logs each request path. */
async function startLoggingServer(body: (origin: string) => string, contentType: string) {
  const requests: string[] = [];
  let origin = '';
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '/');
    const text = body(origin);
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  const listening = await listenOnLoopback(server);
  origin = listening.origin;
  return { ...listening, requests };
}

let bed: WorkerTestBed;
let internal: Awaited<ReturnType<typeof startLoggingServer>>;
let source: Awaited<ReturnType<typeof startLoggingServer>>;

beforeAll(async () => {
  bed = await startWorkerTestBed();
  // Stands for an internal service: nothing the job does may reach it.
  internal = await startLoggingServer(() => 'internal secret\n', 'video/mp2t');
  // An allow-listed source whose "video" is an HLS playlist listing segments on the internal server,
  // served as video/mp4 so the download keeps it as is.
  source = await startLoggingServer(
    () =>
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n' +
      `#EXTINF:2.0,\n${internal.origin}/segment0.ts\n#EXTINF:2.0,\n${internal.origin}/segment1.ts\n` +
      '#EXT-X-ENDLIST\n',
    'video/mp4',
  );
});
afterAll(async () => {
  await Promise.allSettled([bed?.stop(), internal?.close(), source?.close()]);
});

async function refusedJob(outputs: string | undefined) {
  const env = bed.env(`${source.origin}/clip.mp4`, {
    MF_ALLOWED_PRIVATE_SOURCES: new URL(source.origin).host,
    [WORKER_ENV.outputs]: outputs,
  });
  const { code, logs } = await runWorkerProcess(env, 90_000);
  expect(source.requests, logs).toContain('/clip.mp4');
  expect(internal.requests, logs).toEqual([]);
  expect(code, logs).toBe(1);
  const result = jobResultSchema.parse(bed.callback.accepted('JobFinished').at(-1)?.body) as JobFailed;
  expect(result.error, logs).toMatchObject({ code: 'SOURCE_ADDRESS_BLOCKED', retryable: false });
  expect(result.error.message).toMatch(/playlist or manifest/);
  expect(result.error.message).not.toContain('internal secret');
  const blobs: string[] = [];
  for await (const blob of bed.container.listBlobsFlat()) blobs.push(blob.name);
  expect(blobs).toEqual([]);
}

describe('ffmpeg and ffprobe read only the downloaded file', { timeout: 120_000 }, () => {
  it('fails an MP4 job whose download is a playlist of internal URLs, fetching none of them', async () => {
    await refusedJob(undefined);
  });

  it('fails a streaming job on the same download, fetching none of its URLs', async () => {
    await refusedJob(JSON.stringify([{ kind: 'hls' }, { kind: 'thumbnail' }, { kind: 'subtitles' }]));
  });
});
