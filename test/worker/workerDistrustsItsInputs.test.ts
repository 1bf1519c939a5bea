import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobResultSchema, type JobFailed } from '../../src/shared/contracts.js';
import { WORKER_ENV } from '../../src/shared/workerEnvironment.js';
import { loadWorkerSettings } from '../../src/worker/loadWorkerSettings.js';
import { runWorkerProcess } from './support/runWorkerProcess.js';
import { settingsWith, VALID_WORKER_ENV } from './support/validWorkerEnv.js';
import { startWorkerTestBed, type WorkerTestBed } from './support/workerTestBed.js';

const VALID = VALID_WORKER_ENV;

describe('worker settings re-apply the source policy and the blob-name rule', () => {
  it.each([
    ['a file: source', { MF_SOURCE_URL: 'file:///etc/passwd' }, /MF_SOURCE_URL/],
    ['a metadata source', { MF_SOURCE_URL: 'http://169.254.169.254/latest' }, /SOURCE_ADDRESS_BLOCKED/],
    [
      'a loopback source unless private sources are allowed',
      { MF_SOURCE_URL: 'http://127.0.0.1:8/a' },
      /PRIVATE_ADDRESS/,
    ],
    ['a blob outside the job prefix', { MF_OUTPUT_BLOB_NAME: '../mediaferry-system/x' }, /prefix/],
    ["another job's blob", { MF_OUTPUT_BLOB_NAME: 'other/abc.mp4' }, /prefix/],
    ['a ".." segment', { MF_OUTPUT_BLOB_NAME: 'abc/../other/x.mp4' }, /relative path/],
  ])('refuses %s as BAD_CONFIG', (_name, override, detail) => {
    const loaded = settingsWith(override);
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.error.code).toBe('BAD_CONFIG');
    expect(loaded.error.message).toMatch(detail);
    // The failure can still be reported to the app.
    expect(loaded.callback?.url).toBe(VALID.MF_CALLBACK_URL);
  });

  const blobSource = { ...VALID, MF_SOURCE_URL: undefined, MF_SOURCE_BLOB: 'incoming/u1/talk.mov' };

  it.each([
    [
      'both a URL and a blob',
      { ...VALID, MF_SOURCE_BLOB: 'incoming/u1/talk.mov' },
      /both set; a job has one source/,
    ],
    [
      'neither a URL nor a blob',
      { ...VALID, MF_SOURCE_URL: undefined },
      /MF_SOURCE_URL is missing \(or MF_SOURCE_BLOB/,
    ],
    [
      'a blob outside incoming',
      { ...blobSource, MF_SOURCE_BLOB: 'media/other/abc.mp4' },
      /incoming container/,
    ],
    ['a blob name with ".."', { ...blobSource, MF_SOURCE_BLOB: 'incoming/../media/x.mp4' }, /"\.\." segment/],
    [
      'a blob name with a control character',
      { ...blobSource, MF_SOURCE_BLOB: 'incoming/a\u0000b' },
      /control/,
    ],
  ])('refuses %s as the source (BAD_CONFIG)', (_name, env, detail) => {
    const loaded = loadWorkerSettings(env);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.error.message).toMatch(detail);
  });

  it('accepts an uploaded blob in incoming as the source', () => {
    const loaded = loadWorkerSettings(blobSource);
    expect(loaded.ok && loaded.settings.sourceBlob).toBe('incoming/u1/talk.mov');
  });

  it('accepts a loopback source when the app allows private sources', () => {
    const loaded = settingsWith({ MF_SOURCE_URL: 'http://127.0.0.1:8/a', MF_ALLOW_PRIVATE_SOURCES: 'true' });
    expect(loaded.ok).toBe(true);
  });
});

describe('the worker process with hostile or colliding inputs', { timeout: 120_000 }, () => {
  let bed: WorkerTestBed;
  beforeAll(async () => {
    bed = await startWorkerTestBed();
  });
  afterAll(() => bed?.stop());

  function lastReport(): JobFailed {
    return jobResultSchema.parse(bed.callback.accepted('JobFinished').at(-1)?.body) as JobFailed;
  }

  it('exits 2 and reports BAD_CONFIG for a blob name outside its prefix, downloading nothing', async () => {
    const env = bed.env(bed.media.url(bed.fixtures.progressiveMp4), {
      [WORKER_ENV.outputBlobName]: '../mediaferry-system/x.mp4',
    });
    const { code, logs } = await runWorkerProcess(env, 60_000);
    expect(code, logs).toBe(2);
    expect(lastReport().error).toMatchObject({ code: 'BAD_CONFIG', retryable: false });
    expect(lastReport().error.message).toMatch(/MF_OUTPUT_BLOB_NAME is refused/);
  });

  it('fails OUTPUT_EXISTS and leaves an existing blob untouched', async () => {
    const env = bed.env(bed.media.url(bed.fixtures.progressiveMp4));
    const blobName = env[WORKER_ENV.outputBlobName] as string;
    const earlier = 'written by an earlier job';
    await bed.container.getBlockBlobClient(blobName).upload(earlier, earlier.length);

    const { code, logs } = await runWorkerProcess(env, 90_000);
    expect(code, logs).toBe(1);
    expect(lastReport().error).toMatchObject({ code: 'OUTPUT_EXISTS', retryable: false });
    const kept = await bed.container.getBlobClient(blobName).downloadToBuffer();
    expect(kept.toString()).toBe(earlier);
  });
});
