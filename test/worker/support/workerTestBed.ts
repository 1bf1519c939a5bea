import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { startAzurite, type RunningAzurite } from '../../../emulator/azurite/startAzurite.js';
import { WORKER_ENV } from '../../../src/shared/workerEnvironment.js';
import { startCallbackRecorder, type CallbackRecorder } from '../../support/callbackRecorder.js';
import { mediaFixtures, type MediaFixtures } from '../../support/mediaFixtures.js';
import { startMediaServer, type MediaServer } from '../../support/mediaServer.js';

const run = promisify(execFile);

export const CALLBACK_TOKEN = 'test-callback-token-0123456789abcdef';
export const CONTAINER = 'media';

/** Everything a worker test needs: media, a media server, Azurite with a container, a callback. */
export interface WorkerTestBed {
  fixtures: MediaFixtures;
  media: MediaServer;
  azurite: RunningAzurite;
  container: ContainerClient;
  callback: CallbackRecorder;
  /** Parent of the worker's temp dirs, so tests can see that they are removed. */
  workRoot: string;
  /** The worker's environment for a job on `sourceUrl`; override any variable. */
  env(sourceUrl: string, overrides?: Record<string, string | undefined>): Record<string, string | undefined>;
  /** Folders left in workRoot (should be none once a worker exits). */
  leftoverWorkDirs(): string[];
  stop(): Promise<void>;
}

/** A file's worker test bed and its own scratch folder, readable once its beforeAll has run. */
export interface WorkerTestBedInUse {
  readonly bed: WorkerTestBed;
  /** An empty folder for the file's own stand-ins and downloads, removed after its tests. */
  readonly scratch: string;
}

/**
 * Starts a worker test bed and a scratch folder (named from `scratchPrefix`) before the file's
 * tests, and stops and removes both after them.
 */
export function useWorkerTestBed(scratchPrefix: string): WorkerTestBedInUse {
  let bed: WorkerTestBed | undefined;
  let scratch: string | undefined;
  beforeAll(async () => {
    bed = await startWorkerTestBed();
    scratch = mkdtempSync(join(tmpdir(), scratchPrefix));
  });
  afterAll(async () => {
    await bed?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });
  return {
    get bed() {
      if (!bed) throw new Error('the worker test bed is started in beforeAll');
      return bed;
    },
    get scratch() {
      if (!scratch) throw new Error('the scratch folder is made in beforeAll');
      return scratch;
    },
  };
}

export async function startWorkerTestBed(): Promise<WorkerTestBed> {
  const fixtures = await mediaFixtures();
  const media = await startMediaServer({ root: fixtures.dir });
  const azurite = await startAzurite();
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
    CONTAINER,
  );
  await container.createIfNotExists();
  const callback = await startCallbackRecorder({ token: CALLBACK_TOKEN });
  const workRoot = mkdtempSync(join(tmpdir(), 'mediaferry-worker-test-'));
  let jobs = 0;
  return {
    fixtures,
    media,
    azurite,
    container,
    callback,
    workRoot,
    env: (sourceUrl, overrides = {}) => {
      jobs += 1;
      return {
        [WORKER_ENV.instanceId]: `job-${jobs}`,
        [WORKER_ENV.sourceUrl]: sourceUrl,
        // As in Azure: private sources refused, only the test media server allow-listed.
        [WORKER_ENV.allowedPrivateSources]: new URL(media.origin).host,
        [WORKER_ENV.maxBytes]: String(50 * 1024 * 1024),
        [WORKER_ENV.maxDurationSeconds]: '600',
        [WORKER_ENV.outputBlobName]: `job-${jobs}/job-${jobs}.mp4`,
        [WORKER_ENV.mediaContainer]: CONTAINER,
        [WORKER_ENV.storageConnectionString]: azurite.connectionString,
        [WORKER_ENV.callbackUrl]: callback.baseUrl,
        [WORKER_ENV.callbackToken]: CALLBACK_TOKEN,
        [WORKER_ENV.progressIntervalSeconds]: '1',
        [WORKER_ENV.reportDeadlineSeconds]: '20',
        MF_SOCKET_TIMEOUT_SECONDS: '3',
        MF_DOWNLOAD_RETRIES: '1',
        MF_WORK_DIR: workRoot,
        ...overrides,
      };
    },
    leftoverWorkDirs: () => readdirSync(workRoot),
    stop: async () => {
      await Promise.allSettled([media.close(), azurite.stop(), callback.close()]);
      rmSync(workRoot, { recursive: true, force: true });
    },
  };
}

export interface ProbedFile {
  formatName: string;
  durationSeconds: number;
  videoCodec: string | undefined;
  audioCodec: string | undefined;
  height: number | undefined;
}

/** ffprobe's JSON of `file`'s format and streams. */
export async function ffprobeJson(file: string): Promise<unknown> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    file,
  ]);
  return JSON.parse(stdout) as unknown;
}

export async function ffprobe(file: string): Promise<ProbedFile> {
  const parsed = (await ffprobeJson(file)) as {
    format: { format_name: string; duration: string };
    streams: { codec_type: string; codec_name: string; height?: number }[];
  };
  const video = parsed.streams.find((s) => s.codec_type === 'video');
  return {
    formatName: parsed.format.format_name,
    durationSeconds: Number(parsed.format.duration),
    videoCodec: video?.codec_name,
    audioCodec: parsed.streams.find((s) => s.codec_type === 'audio')?.codec_name,
    height: video?.height,
  };
}

/** Top-level MP4 box types in file order (`ftyp`, `moov`, `mdat`, ...). */
export function topLevelBoxes(data: Buffer): string[] {
  const boxes: string[] = [];
  let offset = 0;
  while (offset + 8 <= data.length) {
    let size = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    if (size === 1) size = Number(data.readBigUInt64BE(offset + 8));
    else if (size === 0) size = data.length - offset;
    boxes.push(type);
    if (size < 8) break;
    offset += size;
  }
  return boxes;
}
