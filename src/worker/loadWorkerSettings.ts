import { existsSync } from 'node:fs';
import { jobBlobNameProblem } from '../shared/naming.js';
import { checkSourceUrl } from '../shared/sourceUrlPolicy.js';
import { sourceBlobProblem } from '../shared/blobSource.js';
import {
  readWorkerEnvironment,
  WORKER_ENV,
  workerSettingsSchema,
  type WorkerSettings,
} from '../shared/workerEnvironment.js';
import { WorkerError } from './WorkerError.js';
import type { SourcePacing } from './ytDlpArguments.js';

/** Settings of the worker process itself (tools and timeouts), beyond the job's own settings. */
export interface WorkerRuntime {
  ytDlpPath: string;
  ffmpegPath: string;
  ffprobePath: string;
  socketTimeoutSeconds: number;
  retries: number;
  /** Parent folder of the job's temp dir. */
  tempRoot: string | undefined;
  /** MF_YTDLP_VERSION_FILE: where the image recorded its yt-dlp's version at build time. */
  ytDlpVersionFile: string | undefined;
  /** MF_YTDLP_JS_RUNTIMES as given; undefined when unset. */
  ytDlpJsRuntimes: string | undefined;
  /** Sleeps towards the source; all zero (no pacing) by default. */
  pacing: SourcePacing;
}

/** Worker-only tuning variables, documented in docs/worker.md. */
export const WORKER_RUNTIME_ENV = {
  ytDlpPath: 'YTDLP_PATH',
  ffmpegPath: 'FFMPEG_PATH',
  ffprobePath: 'FFPROBE_PATH',
  socketTimeoutSeconds: 'MF_SOCKET_TIMEOUT_SECONDS',
  retries: 'MF_DOWNLOAD_RETRIES',
  tempRoot: 'MF_WORK_DIR',
  /** yt-dlp's --js-runtimes: unset picks this Node.js for a yt-dlp that supports it; `none` turns it off. */
  ytDlpJsRuntimes: 'MF_YTDLP_JS_RUNTIMES',
  /** A file holding the installed yt-dlp's version (the image writes it), read instead of running yt-dlp --version. */
  ytDlpVersionFile: 'MF_YTDLP_VERSION_FILE',
  sleepRequestsSeconds: 'MF_SLEEP_REQUESTS_SECONDS',
  sleepIntervalSeconds: 'MF_SLEEP_INTERVAL_SECONDS',
  maxSleepIntervalSeconds: 'MF_MAX_SLEEP_INTERVAL_SECONDS',
} as const;

export type LoadedSettings =
  | { ok: true; settings: WorkerSettings; runtime: WorkerRuntime }
  | {
      ok: false;
      error: WorkerError;
      /** Present when the callback settings alone are valid, so the failure can still be reported. */
      callback?: { url: string; token: string; reportDeadlineSeconds: number };
    };

const ENV_NAME_BY_KEY = WORKER_ENV as Record<string, string>;

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    problems.push(`${name} must be a positive number`);
    return fallback;
  }
  return value;
}

/** A number of seconds, zero allowed (no sleep); at most an hour, so a typo cannot park a job. */
function sleepSeconds(env: NodeJS.ProcessEnv, name: string, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return 0;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 3600) {
    problems.push(`${name} must be a number of seconds from 0 to 3600`);
    return 0;
  }
  return value;
}

/**
 * The yt-dlp to run: YTDLP_PATH, else the current one the image and scripts/setup.sh install in
 * /usr/local/bin, else Debian's /usr/bin/yt-dlp, else whatever PATH finds.
 */
function defaultYtDlpPath(): string {
  return ['/usr/local/bin/yt-dlp', '/usr/bin/yt-dlp'].find((path) => existsSync(path)) ?? 'yt-dlp';
}

/**
 * Reads and validates the worker's environment. Problems name the variable and what is wrong with
 * it, never its value (several are secrets).
 */
export function loadWorkerSettings(env: NodeJS.ProcessEnv): LoadedSettings {
  const input = readWorkerEnvironment(env);
  const parsed = workerSettingsSchema.safeParse(input);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      const name = ENV_NAME_BY_KEY[key] ?? key;
      problems.push(
        input[key as keyof typeof input] === undefined
          ? `${name} is missing`
          : `${name} is invalid (${issue.message})`,
      );
    }
  }
  // One source, whatever else is wrong: a URL for yt-dlp or a blob in incoming.
  const hasUrl = Boolean(env[WORKER_ENV.sourceUrl]);
  const hasBlob = Boolean(env[WORKER_ENV.sourceBlob]);
  if (!hasUrl && !hasBlob)
    problems.push(`${WORKER_ENV.sourceUrl} is missing (or ${WORKER_ENV.sourceBlob}, for an upload)`);
  if (hasUrl && hasBlob)
    problems.push(`${WORKER_ENV.sourceUrl} and ${WORKER_ENV.sourceBlob} are both set; a job has one source`);
  if (parsed.success) {
    // The app checked both before creating this container; the worker does not trust that it did.
    const { sourceUrl, sourceBlob, allowPrivateSources, allowedPrivateSources, instanceId, outputBlobName } =
      parsed.data;
    if (sourceUrl !== undefined) {
      const source = checkSourceUrl(sourceUrl, { allowPrivateSources, allowedPrivateSources });
      if (!source.ok)
        problems.push(`${WORKER_ENV.sourceUrl} is refused by the source policy (${source.problem})`);
    }
    // A blob source is only ever read from the incoming container of the media account.
    const blobProblem = sourceBlob === undefined ? undefined : sourceBlobProblem(sourceBlob);
    if (blobProblem) problems.push(`${WORKER_ENV.sourceBlob} is refused: ${blobProblem}`);
    const outputProblem = jobBlobNameProblem(instanceId, outputBlobName);
    if (outputProblem) problems.push(`${WORKER_ENV.outputBlobName} is refused: ${outputProblem}`);
  }
  if (parsed.success && !parsed.data.storageConnectionString && !parsed.data.mediaBlobEndpoint)
    problems.push(
      `${WORKER_ENV.mediaBlobEndpoint} is missing (or set ${WORKER_ENV.storageConnectionString} for development)`,
    );
  const runtime: WorkerRuntime = {
    ytDlpPath: env[WORKER_RUNTIME_ENV.ytDlpPath] || defaultYtDlpPath(),
    ffmpegPath: env[WORKER_RUNTIME_ENV.ffmpegPath] || 'ffmpeg',
    ffprobePath: env[WORKER_RUNTIME_ENV.ffprobePath] || 'ffprobe',
    socketTimeoutSeconds: positiveNumber(env, WORKER_RUNTIME_ENV.socketTimeoutSeconds, 20, problems),
    retries: Math.round(positiveNumber(env, WORKER_RUNTIME_ENV.retries, 3, problems)),
    tempRoot: env[WORKER_RUNTIME_ENV.tempRoot] || undefined,
    ytDlpJsRuntimes: env[WORKER_RUNTIME_ENV.ytDlpJsRuntimes] || undefined,
    ytDlpVersionFile: env[WORKER_RUNTIME_ENV.ytDlpVersionFile] || undefined,
    pacing: {
      sleepRequestsSeconds: sleepSeconds(env, WORKER_RUNTIME_ENV.sleepRequestsSeconds, problems),
      sleepIntervalSeconds: sleepSeconds(env, WORKER_RUNTIME_ENV.sleepIntervalSeconds, problems),
      maxSleepIntervalSeconds: sleepSeconds(env, WORKER_RUNTIME_ENV.maxSleepIntervalSeconds, problems),
    },
  };

  if (parsed.success && problems.length === 0) return { ok: true, settings: parsed.data, runtime };

  const error = new WorkerError(
    'BAD_CONFIG',
    `The worker's configuration is invalid: ${problems.join('; ')}.`,
  );
  const callback = workerSettingsSchema
    .pick({ callbackUrl: true, callbackToken: true, reportDeadlineSeconds: true })
    .safeParse(input);
  return callback.success
    ? {
        ok: false,
        error,
        callback: {
          url: callback.data.callbackUrl,
          token: callback.data.callbackToken,
          reportDeadlineSeconds: callback.data.reportDeadlineSeconds,
        },
      }
    : { ok: false, error };
}
