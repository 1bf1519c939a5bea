import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import {
  BlobSASPermissions,
  BlobServiceClient,
  BlockBlobClient,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  type ContainerClient,
} from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from '../../emulator/azurite/startAzurite.js';
import { LOCAL_IDS } from '../../emulator/stack/startLocalStack.js';
import { READ_LINK_SAS_VERSION } from '../../src/app/jobs/MediaReadLinks.js';
import { droppedBlobJobId } from '../../src/app/uploads/uploadJobIds.js';
import { jobViewSchema, type JobView } from '../../src/shared/jobView.js';
import { eventually } from '../support/eventually.js';
import { startLocalTestStack, type LocalTestStack } from '../support/localTestStack.js';
import { repoRoot } from '../support/repoRoot.js';

interface UploadAnswer {
  uploadId: string;
  uploadUrl: string;
  expiresAt: string;
  jobId: string;
  blobName: string;
}

/** Uploads on the composed local stack: SAS link → real storage SDK upload → the job starts by itself. */
describe('uploads on the local stack', () => {
  let env: LocalTestStack;
  let incoming: ContainerClient;
  /** A loopback webhook receiver. */
  const hooks = { url: '', events: [] as unknown[], server: undefined as Server | undefined };
  const api = (path: string) => `${env.stack.hostOrigin}/api/${path}`;

  beforeAll(async () => {
    env = await startLocalTestStack({ settings: { LIVENESS_POLL_SECONDS: '2' } });
    hooks.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        hooks.events.push(JSON.parse(body) as unknown);
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((done) => hooks.server?.listen(0, '127.0.0.1', done));
    hooks.url = `http://127.0.0.1:${(hooks.server.address() as AddressInfo).port}`;
    incoming = new BlobServiceClient(
      env.stack.azurite.blobEndpoint,
      new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY),
    ).getContainerClient('incoming');
  }, 120_000);

  afterAll(async () => {
    hooks.server?.close();
    await env?.stopExpectingNothingLeft();
  });

  async function createUpload(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(api('uploads'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function jobView(id: string): Promise<JobView | undefined> {
    const response = await fetch(api(`jobs/${id}`), { signal: AbortSignal.timeout(20_000) });
    if (response.status === 404) return undefined;
    expect(response.status).toBe(200);
    return jobViewSchema.parse(await response.json());
  }

  async function finalView(id: string, timeoutMs = 120_000): Promise<JobView> {
    let view: JobView | undefined;
    await eventually(
      `job ${id} to finish`,
      async () => {
        view = await jobView(id);
        return view !== undefined && ['Succeeded', 'Failed', 'Canceled'].includes(view.status);
      },
      timeoutMs,
    );
    return view as JobView;
  }

  it('refuses bad upload requests without issuing a link', async () => {
    const cases: [unknown, number, string][] = [
      [{ filename: 'talk.pdf', contentType: 'application/pdf' }, 400, 'UNSUPPORTED_CONTENT_TYPE'],
      [{ filename: '../etc/passwd', contentType: 'video/mp4' }, 400, 'INVALID_FILENAME'],
      [{ filename: 'a\u0007b.mp4', contentType: 'video/mp4' }, 400, 'INVALID_FILENAME'],
      [{ filename: 'talk.mp4', contentType: 'video/mp4', colour: 'red' }, 400, 'UNKNOWN_FIELD'],
      [{ filename: 'talk.mp4', contentType: 'video/mp4', bytes: 3 * 1024 ** 3 }, 413, 'TOO_LARGE'],
    ];
    for (const [body, status, code] of cases) {
      const answer = await createUpload(body);
      expect({ status: answer.status, code: (answer.body.error as { code: string }).code }).toEqual({
        status,
        code,
      });
      expect(JSON.stringify(answer.body)).not.toContain('sig=');
    }
  });

  it('an upload through the link, in blocks, starts its job with the registered options', async () => {
    const file = join(env.fixtures.dir, env.fixtures.progressiveMp4);
    const bytes = statSync(file).size;
    const created = await createUpload({
      filename: 'keynote talk.mp4',
      contentType: 'video/mp4',
      bytes,
      outputs: [{ kind: 'mp4' }, { kind: 'thumbnail' }],
      notifyUrl: `${hooks.url}/uploads`,
    });
    expect(created.status).toBe(201);
    const upload = created.body as unknown as UploadAnswer;
    expect(upload.jobId).toBe(`upload-${upload.uploadId}`);
    expect(upload.blobName).toBe(`incoming/${upload.uploadId}/keynote talk.mp4`);
    const minutes = (Date.parse(upload.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(58);
    expect(minutes).toBeLessThanOrEqual(60);
    const sas = new URL(upload.uploadUrl).searchParams;
    expect(sas.get('sp')).toBe('cw');
    expect(sas.get('skoid')).toBeTruthy(); // a user-delegation SAS, not an account-key one
    expect(await jobView(upload.jobId)).toBeUndefined();

    // Blocks smaller than the file, so the SDK stages blocks and commits a block list.
    const blockSize = Math.ceil(bytes / 4);
    await new BlockBlobClient(upload.uploadUrl).uploadFile(file, {
      blockSize,
      maxSingleShotSize: blockSize,
      blobHTTPHeaders: { blobContentType: 'video/mp4' },
    });
    const committed = await incoming
      .getBlockBlobClient(`${upload.uploadId}/keynote talk.mp4`)
      .getBlockList('committed');
    expect(committed.committedBlocks?.length).toBeGreaterThan(1);

    const view = await finalView(upload.jobId);
    expect(view.status).toBe('Succeeded');
    expect(view.source).toEqual({ blob: upload.blobName, title: 'keynote talk.mp4' });
    expect(view.outputs.map((o) => o.kind).sort()).toEqual(['mp4', 'thumbnail']);
    const mp4 = view.outputs.find((o) => o.kind === 'mp4');
    const downloaded = await fetch(mp4!.readUrl);
    expect(downloaded.status).toBe(200);
    expect(Number(downloaded.headers.get('content-length'))).toBe(mp4!.bytes);
    await eventually('the webhook', async () => hooks.events.length > 0, 30_000);
    const [event] = hooks.events as { type: string; data: JobView }[];
    expect(event?.type).toBe('job.succeeded');
    expect(event?.data).toMatchObject({ id: upload.jobId, source: { blob: upload.blobName } });
    await env.groupGone(upload.jobId);
  }, 180_000);

  it('the link is refused for another blob name, for reading, and after expiry', async () => {
    const created = await createUpload({ filename: 'one.mp4', contentType: 'video/mp4' });
    const upload = created.body as unknown as UploadAnswer;
    const url = new URL(upload.uploadUrl);

    const other = new URL(url);
    other.pathname = other.pathname.replace('/one.mp4', '/other.mp4');
    await expect(new BlockBlobClient(other.toString()).upload('x', 1)).rejects.toMatchObject({
      statusCode: 403,
    });

    const read = await fetch(upload.uploadUrl);
    expect(read.status).toBe(403);
    expect(await incoming.getBlobClient(`${upload.uploadId}/other.mp4`).exists()).toBe(false);

    // The same kind of link (user delegation, create/write on one blob) whose time is up.
    const credential: TokenCredential = {
      getToken: async (): Promise<AccessToken> => ({
        token: env.stack.identity.issuer.issue(
          { clientId: LOCAL_IDS.appClientId },
          'https://storage.azure.com',
        ).accessToken,
        expiresOnTimestamp: Date.now() + 3600_000,
      }),
    };
    const service = new BlobServiceClient(env.stack.azurite.blobEndpoint, credential);
    const now = Date.now();
    const key = await service.getUserDelegationKey(new Date(now - 10 * 60_000), new Date(now + 10 * 60_000));
    const expired = generateBlobSASQueryParameters(
      {
        containerName: 'incoming',
        blobName: 'late/expired.mp4',
        permissions: BlobSASPermissions.parse('cw'),
        version: READ_LINK_SAS_VERSION,
        startsOn: new Date(now - 10 * 60_000),
        expiresOn: new Date(now - 60_000),
      },
      key,
      DEV_ACCOUNT,
    );
    const expiredUrl = `${incoming.getBlobClient('late/expired.mp4').url}?${expired.toString()}`;
    await expect(new BlockBlobClient(expiredUrl).upload('x', 1)).rejects.toMatchObject({ statusCode: 403 });
  });

  it('a blob dropped into incoming without an upload request runs as the default job', async () => {
    const blob = incoming.getBlockBlobClient('dropped/clip.webm');
    const { etag } = await blob.uploadFile(join(env.fixtures.dir, env.fixtures.vp9Webm));
    const jobId = droppedBlobJobId('incoming/dropped/clip.webm', etag ?? '');
    await eventually(
      'the dropped blob job to start',
      async () => (await jobView(jobId)) !== undefined,
      30_000,
    );
    const view = await finalView(jobId);
    expect(view.status).toBe('Succeeded');
    expect(view.source.blob).toBe('incoming/dropped/clip.webm');
    expect(view.outputs.map((o) => o.kind)).toEqual(['mp4']);
    expect(view.media?.videoCodec).toBe('h264');
    await env.groupGone(jobId);
  }, 180_000);

  it('a file that is not media fails NOT_MEDIA and leaves nothing behind', async () => {
    const text = join(env.fixtures.dir, 'notes.txt');
    writeFileSync(text, 'these are meeting notes, not a video\n'.repeat(100));
    const blob = incoming.getBlockBlobClient('dropped/notes.mp4');
    const { etag } = await blob.uploadFile(text);
    const jobId = droppedBlobJobId('incoming/dropped/notes.mp4', etag ?? '');
    await eventually('the job to start', async () => (await jobView(jobId)) !== undefined, 30_000);
    const view = await finalView(jobId);
    expect(view.status).toBe('Failed');
    expect(view.error?.code).toBe('NOT_MEDIA');
    expect(view.error?.message).toContain('incoming/dropped/notes.mp4');
    await env.groupGone(jobId);
    const written: string[] = [];
    for await (const item of env.blobs.listBlobsFlat({ prefix: `${jobId}/` })) written.push(item.name);
    expect(written).toEqual([]);
  }, 180_000);

  it('`mediaferry upload --wait` uploads through the link and follows the job it starts', async () => {
    const file = join(env.fixtures.dir, env.fixtures.vp9Webm);
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [join(repoRoot, 'dist/cli/mediaferry.js'), 'upload', file, '--output', 'talks/from-cli', '--wait'],
        { env: { ...process.env, MEDIAFERRY_URL: env.stack.hostOrigin }, timeout: 150_000 },
        (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(result.stderr).toContain('uploading 100%');
    expect(result.code, result.stderr).toBe(0);
    const jobId = result.stdout.split('\n')[0] ?? '';
    expect(jobId).toMatch(/^upload-[a-f0-9]{32}$/);
    expect(result.stdout).toContain(`${jobId}/talks/from-cli.mp4`);
    const view = await jobView(jobId);
    expect(view?.source.blob).toMatch(/^incoming\/[a-f0-9]{32}\/.+\.webm$/);
    await env.groupGone(jobId);
  }, 180_000);

  it('a host killed with SIGKILL between the upload and the job start still starts exactly one job', async () => {
    const created = await createUpload({ filename: 'after-crash.mp4', contentType: 'video/mp4' });
    const upload = created.body as unknown as UploadAnswer;
    await env.stack.stopHost({ kill: true });
    await new BlockBlobClient(upload.uploadUrl).uploadFile(
      join(env.fixtures.dir, env.fixtures.progressiveMp4),
    );
    await env.stack.startHost();
    const view = await finalView(upload.jobId);
    expect(view.status).toBe('Succeeded');
    // Restarted once more after the job: the blob is not delivered again and no second job appears.
    await env.stack.restartHost();
    await new Promise((r) => setTimeout(r, 3000));
    const list = await fetch(api('jobs?top=100'));
    const jobs = ((await list.json()) as { jobs: JobView[] }).jobs.filter(
      (j) => j.source.blob === upload.blobName,
    );
    expect(jobs.map((j) => j.id)).toEqual([upload.jobId]);
    await env.groupGone(upload.jobId);
  }, 240_000);
});
