import { createHash } from 'node:crypto';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_IDS, type LocalStack } from '../../emulator/stack/startLocalStack.js';
import { MediaReadLinks } from '../../src/app/jobs/MediaReadLinks.js';
import { jobViewSchema, type JobView } from '../../src/shared/jobView.js';
import { startLocalTestStack, type LocalTestStack } from '../support/localTestStack.js';
import type { MediaFixtures } from '../support/mediaFixtures.js';
import type { MediaServer } from '../support/mediaServer.js';

const ID = /^[0-9a-f]{32}$/;

/** The jobs resource on the composed local stack, driven over HTTP as a client would. */
describe('the jobs API on the local stack', () => {
  let env: LocalTestStack;
  let stack: LocalStack;
  let media: MediaServer;
  let fixtures: MediaFixtures;
  const api = (path: string) => `${stack.hostOrigin}/api/${path}`;

  beforeAll(async () => {
    env = await startLocalTestStack({ settings: { LIVENESS_POLL_SECONDS: '2' } });
    ({ stack, media, fixtures } = env);
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  });

  async function call(path: string, init: RequestInit = {}) {
    const response = await fetch(api(path), { ...init, signal: AbortSignal.timeout(20_000) });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
  }

  const submit = (body: unknown) =>
    call('jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function waitForFinal(id: string, timeoutMs = 120_000): Promise<JobView> {
    const deadline = Date.now() + timeoutMs;
    let view: JobView | undefined;
    while (Date.now() < deadline) {
      const answer = await call(`jobs/${id}`);
      expect(answer.status).toBe(200);
      view = jobViewSchema.parse(answer.body);
      if (['Succeeded', 'Failed', 'Canceled'].includes(view.status)) return view;
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`Job ${id} did not finish (last: ${view?.status} ${view?.phase}).`);
  }

  /** A credential for the app's identity from the stack's token issuer. */
  const tokenFor = (resource: string, clientId: string = LOCAL_IDS.appClientId): TokenCredential => ({
    getToken: async (): Promise<AccessToken> => ({
      token: stack.identity.issuer.issue({ clientId }, resource).accessToken,
      expiresOnTimestamp: Date.now() + 3600_000,
    }),
  });

  let finished: JobView;

  it('submits with POST /api/jobs and answers 202 with the job view and its Location', async () => {
    const answer = await submit({ url: media.url(fixtures.progressiveMp4) });
    expect(answer.status, answer.text).toBe(202);
    const view = jobViewSchema.parse(answer.body);
    expect(view.id).toMatch(ID);
    expect(view.status).toBe('Queued');
    expect(view.attempts).toBeLessThanOrEqual(1);
    expect(answer.headers.get('location')).toBe(api(`jobs/${view.id}`));
    expect(view.statusQueryGetUri).toBe(api(`jobs/${view.id}/status`));
    expect(answer.text).not.toMatch(/runtime\/webhooks|durabletask/i);

    finished = await waitForFinal(view.id);
    expect(finished.status, JSON.stringify(finished.error)).toBe('Succeeded');
    expect(finished).toMatchObject({ phase: 'Done', percent: 100, attempts: 1, error: null });
    expect(finished.outputs).toHaveLength(1);
  });

  it('gives each output a read link that downloads the exact bytes without any storage role', async () => {
    const output = finished.outputs[0]!;
    expect(output.readUrl).toMatch(/[?&]skoid=/); // signed with a user delegation key, not an account key
    expect(output.readUrl).not.toMatch(/[?&]sig=.*[?&]sig=/);
    const minutes = (Date.parse(output.readUrlExpiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(58);
    expect(minutes).toBeLessThanOrEqual(60);
    const response = await fetch(output.readUrl);
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.length).toBe(output.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(output.sha256);
    // A write with the read link is refused.
    const write = await fetch(output.readUrl, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: 'x',
    });
    expect(write.status).toBe(403);
  });

  it('keeps a signed source URL out of the orchestration: its input, history and output show it redacted', async () => {
    const secret = 'sig-0f1e2d3c4b5a69788796a5b4c3d2e1f0';
    const answer = await submit({ url: `${media.url(fixtures.progressiveMp4)}?sv=2025-07-05&sig=${secret}` });
    expect(answer.status, answer.text).toBe(202);
    const view = await waitForFinal(jobViewSchema.parse(answer.body).id);
    // The worker fetched the full URL: the job succeeded from the signed source.
    expect(view.status, JSON.stringify(view.error)).toBe('Succeeded');
    const durable = await fetch(
      `${stack.hostOrigin}/runtime/webhooks/durabletask/instances/${view.id}?showInput=true&showHistory=true&showHistoryOutput=true`,
    );
    const everything = await durable.text();
    expect(everything).toContain(view.id);
    expect(everything).toContain('?redacted');
    expect(everything).not.toContain(secret);
    expect(JSON.stringify(view)).not.toContain(secret);
    // Once the job has ended, the full URL kept for its container is deleted too.
    const kept = new BlobServiceClient(stack.azurite.blobEndpoint, tokenFor('https://storage.azure.com/'))
      .getContainerClient('mediaferry-system')
      .getBlobClient(`signed-sources/${view.id}`);
    await expect.poll(() => kept.exists(), { timeout: 10_000 }).toBe(false);
  });

  it('refuses a read link once it has expired', async () => {
    const credential = tokenFor('https://storage.azure.com');
    // The same link maker as the app, on a clock two hours behind: its one-hour link has expired.
    const links = new MediaReadLinks(
      new BlobServiceClient(stack.azurite.blobEndpoint, credential),
      LOCAL_IDS.mediaContainer,
      60,
      () => Date.now() - 2 * 3600_000,
    );
    const expired = await links.readLink(finished.outputs[0]!.blobName);
    expect((await fetch(expired.url)).status).toBe(403);
  });

  it('lists jobs newest first with status filters and paging', async () => {
    const second = jobViewSchema.parse(
      (await submit({ url: media.url(fixtures.progressiveMp4), maxHeight: 240 })).body,
    );
    await waitForFinal(second.id);
    const all = await call('jobs?top=100');
    expect(all.status).toBe(200);
    const listed = (all.body as { jobs: JobView[]; continuationToken: string | null }).jobs;
    expect(listed.map((j) => j.id)).toEqual(expect.arrayContaining([finished.id, second.id]));
    const createdTimes = listed.map((j) => j.createdAt);
    expect(createdTimes).toEqual([...createdTimes].sort().reverse());

    const succeeded = (await call('jobs?status=Succeeded')).body as { jobs: JobView[] };
    expect(succeeded.jobs.length).toBeGreaterThanOrEqual(2);
    expect(succeeded.jobs.every((j) => j.status === 'Succeeded')).toBe(true);
    expect(((await call('jobs?status=Failed')).body as { jobs: JobView[] }).jobs).toEqual([]);

    const seen: string[] = [];
    let token: string | null = null;
    do {
      const page = (await call(`jobs?top=1${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`))
        .body as { jobs: JobView[]; continuationToken: string | null };
      expect(page.jobs.length).toBeLessThanOrEqual(1);
      seen.push(...page.jobs.map((j) => j.id));
      token = page.continuationToken;
    } while (token);
    expect(seen.sort()).toEqual(listed.map((j) => j.id).sort());

    const future = (await call('jobs?createdFrom=2999-01-01T00:00:00Z')).body as { jobs: JobView[] };
    expect(future.jobs).toEqual([]);
  });

  it.each([
    ['GET', 'jobs/not-a-job-id', 400, 'INVALID_JOB_ID', undefined],
    ['GET', 'jobs/0123456789abcdef0123456789abcdef', 404, 'JOB_NOT_FOUND', undefined],
    ['GET', 'jobs/0123456789abcdef0123456789abcdef/status', 404, 'JOB_NOT_FOUND', undefined],
    ['GET', 'jobs/idem-XYZ/status', 400, 'INVALID_JOB_ID', undefined],
    ['GET', 'jobs?status=Done', 400, 'INVALID_FILTER', undefined],
    ['GET', 'jobs?status=', 400, 'INVALID_FILTER', undefined],
    ['GET', 'jobs?top=0', 400, 'INVALID_FILTER', undefined],
    ['GET', 'jobs?top=101', 400, 'INVALID_FILTER', undefined],
    ['GET', 'jobs?top=ten', 400, 'INVALID_FILTER', undefined],
    ['GET', 'jobs?createdFrom=yesterday', 400, 'INVALID_FILTER', undefined],
    ['GET', 'jobs?createdFrom=2026-02-30T00:00:00Z', 400, 'INVALID_FILTER', undefined],
    ['GET', 'jobs?createdFrom=2026-02-01&createdTo=2026-01-01', 400, 'INVALID_FILTER', undefined],
    ['GET', 'jobs?continuationToken=%00%01', 400, 'INVALID_CONTINUATION_TOKEN', undefined],
    ['GET', 'jobs?continuationToken=bm90LWEtdG9rZW4', 400, 'INVALID_CONTINUATION_TOKEN', undefined],
    ['GET', 'jobs?colour=red', 400, 'UNKNOWN_PARAMETER', undefined],
    ['GET', 'jobs?top=1&top=2', 400, 'INVALID_FILTER', undefined],
    ['POST', 'jobs', 400, 'UNSUPPORTED_SCHEME', '{"url": "file:///etc/passwd"}'],
    ['POST', 'jobs', 400, 'UNKNOWN_FIELD', '{"url": "https://example.com/v.mp4", "colour": 1}'],
    ['POST', 'jobs', 400, 'INVALID_JSON', '{"url": '],
    ['POST', 'jobs', 413, 'REQUEST_TOO_LARGE', `{"url": "https://example.com/${'a'.repeat(20_000)}"}`],
    ['POST', 'jobs', 415, 'UNSUPPORTED_MEDIA_TYPE', 'https://example.com/v.mp4'],
    ['DELETE', 'jobs', 405, 'METHOD_NOT_ALLOWED', undefined],
    ['PUT', 'jobs/0123456789abcdef0123456789abcdef', 405, 'METHOD_NOT_ALLOWED', '{}'],
    ['POST', 'jobs/0123456789abcdef0123456789abcdef/status', 405, 'METHOD_NOT_ALLOWED', '{}'],
  ])('%s /api/%s is refused with %i %s and starts nothing', async (method, path, status, code, body) => {
    const before = (await call('jobs?top=100')).body as { jobs: JobView[] };
    const answer = await call(path, {
      method,
      headers: {
        'content-type': path === 'jobs' && body?.startsWith('{') ? 'application/json' : 'text/plain',
      },
      ...(body === undefined ? {} : { body }),
    });
    expect(answer.status, answer.text).toBe(status);
    expect(answer.body).toMatchObject({ error: { code, retryable: false } });
    if (status === 405) expect(answer.headers.get('allow')).toBeTruthy();
    const after = (await call('jobs?top=100')).body as { jobs: JobView[] };
    expect(after.jobs.map((j) => j.id).sort()).toEqual(before.jobs.map((j) => j.id).sort());
  });

  it('cancels a job mid-download: Canceled within seconds, no worker process, no container group and no blob left', async () => {
    media.setBehaviour(fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: 40_000 });
    try {
      const job = jobViewSchema.parse((await submit({ url: media.url(fixtures.progressiveMp4) })).body);
      const deadline = Date.now() + 60_000;
      let view = job;
      while (view.phase !== 'Downloading' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        view = jobViewSchema.parse((await call(`jobs/${job.id}`)).body);
      }
      expect(view.phase).toBe('Downloading');
      // What a stopped worker leaves behind: blobs it wrote with its own identity, which in Azure may
      // write but not delete, so only the app can remove them.
      const workerMedia = new BlobServiceClient(
        stack.azurite.blobEndpoint,
        tokenFor('https://storage.azure.com', LOCAL_IDS.workerClientId),
      ).getContainerClient(LOCAL_IDS.mediaContainer);
      const partial = [`${job.id}/hls/720p/seg_000.m4s`, `${job.id}/thumbnail.jpg`];
      for (const name of partial) await workerMedia.getBlockBlobClient(name).upload('partial', 7);
      const appMedia = new BlobServiceClient(
        stack.azurite.blobEndpoint,
        tokenFor('https://storage.azure.com'),
      ).getContainerClient(LOCAL_IDS.mediaContainer);
      const blobsOf = async (prefix: string) => {
        const names: string[] = [];
        for await (const blob of appMedia.listBlobsFlat({ prefix })) names.push(blob.name);
        return names.sort();
      };
      expect(await blobsOf(`${job.id}/`)).toEqual(partial.sort());

      const requestedAt = Date.now();
      const cancel = await call(`jobs/${job.id}/cancel`, { method: 'POST' });
      expect(cancel.status, cancel.text).toBe(202);
      const ended = await waitForFinal(job.id, 30_000);
      expect(Date.now() - requestedAt).toBeLessThan(15_000);
      expect(ended).toMatchObject({
        status: 'Canceled',
        outputs: [],
        error: { code: 'CANCELED', retryable: false },
      });
      // No group in ARM (listed as the app's identity) and no container process left.
      await env.expectNothingLeftRunning();
      expect(await blobsOf(`${job.id}/`)).toEqual([]);
      // Only the canceled job's blobs: the finished job's output is still there.
      expect(await blobsOf(`${finished.id}/`)).toEqual(finished.outputs.map((o) => o.blobName).sort());
      // The walkthrough's status URL shows the Durable side of it: the orchestration failed with CANCELED.
      const status = await call(`jobs/${job.id}/status`);
      expect(status.body).toMatchObject({
        runtimeStatus: 'Failed',
        customStatus: { error: { code: 'CANCELED' } },
      });

      const again = await call(`jobs/${job.id}/cancel`, { method: 'POST' });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ error: { code: 'JOB_FINISHED', status: 'Canceled' } });
    } finally {
      media.setBehaviour(fixtures.progressiveMp4, { kind: 'throttle', bytesPerSecond: 1e9 });
    }
  });

  it('refuses to cancel a finished job (409 with its status) or an unknown one (404)', async () => {
    const done = await call(`jobs/${finished.id}/cancel`, { method: 'POST' });
    expect(done.status).toBe(409);
    expect(done.body).toMatchObject({
      error: { code: 'JOB_FINISHED', status: 'Succeeded', retryable: false },
    });
    expect(jobViewSchema.parse((await call(`jobs/${finished.id}`)).body).status).toBe('Succeeded');
    const unknown = await call('jobs/0123456789abcdef0123456789abcdef/cancel', { method: 'POST' });
    expect(unknown.status).toBe(404);
    const wrongMethod = await call(`jobs/${finished.id}/cancel`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });
});
