import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { JobProgress } from '../shared/contracts.js';
import { classifyYtDlpFailure } from './classifyYtDlpFailure.js';
import { directoryBytes } from './directoryBytes.js';
import { finishYtDlp, startYtDlp, type YtDlpEgress } from './runYtDlp.js';
import { WorkerError } from './WorkerError.js';
import { YTDLP_LINE, ytDlpArguments, type SourcePacing } from './ytDlpArguments.js';

export interface DownloadOptions {
  url: string;
  maxHeight?: number;
  maxBytes: number;
  maxDurationSeconds: number;
  /** Empty folder of this job; yt-dlp writes only here. */
  workDir: string;
  ytDlpPath: string;
  /** yt-dlp's --js-runtimes value, when this yt-dlp takes one. */
  jsRuntimes?: string;
  socketTimeoutSeconds: number;
  retries: number;
  signal: AbortSignal;
  onProgress: (progress: JobProgress) => void;
  log: (line: string) => void;
  /** How often bytes on disk are counted, for formats whose progress yt-dlp cannot size. */
  diskCheckIntervalMs?: number;
  /** The egress guard yt-dlp and the ffmpeg it runs must connect through. */
  egress?: YtDlpEgress;
  /** yt-dlp's sleeps between requests to the source and before each download. */
  pacing?: SourcePacing;
  /** A Netscape cookies file yt-dlp sends to the source (and saves back to; it lives in the job's temp dir). */
  cookiesFile?: string;
  /** Also fetch the site's subtitles, in the same yt-dlp run (a subtitles output was asked for). */
  subtitles?: { languages: readonly string[] | undefined; auto: boolean };
}

/** A subtitle file the site offered, converted to WebVTT by yt-dlp. */
export interface SiteSubtitle {
  language: string;
  path: string;
}

export interface DownloadedMedia {
  path: string;
  bytes: number;
  title?: string;
  /** From yt-dlp's metadata, when the source declares it. */
  durationSeconds?: number;
  /** The site's subtitles, when they were asked for; empty when the site offers none. */
  siteSubtitles: SiteSubtitle[];
}

const SITE_SUBTITLES_DIR = 'site-subtitles';

/** yt-dlp names them `source.<language>.vtt`; the language becomes the output's file name. */
function siteSubtitlesIn(workDir: string): SiteSubtitle[] {
  const dir = join(workDir, SITE_SUBTITLES_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ name, match: /^source\.(.+)\.vtt$/.exec(name) }))
    .flatMap(({ name, match }) => {
      const language = match?.[1]?.replace(/[^A-Za-z0-9-]/g, '').slice(0, 40);
      return language ? [{ language, path: join(dir, name) }] : [];
    })
    .sort((a, b) => a.language.localeCompare(b.language));
}

interface YtDlpInfo {
  duration?: number | null;
  filesize?: number | null;
  title?: string | null;
}

interface YtDlpProgress {
  status?: string;
  downloaded_bytes?: number | null;
  total_bytes?: number | null;
  total_bytes_estimate?: number | null;
  speed?: number | null;
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * Downloads the best rendition under the height cap with yt-dlp into `workDir`, merged to one file.
 * Size and duration limits are enforced here, not by yt-dlp: its --max-filesize ignores HLS/DASH and
 * its refusals exit 0 with no file. A limit breach stops yt-dlp (and its ffmpeg) at once.
 */
export async function downloadMedia(options: DownloadOptions): Promise<DownloadedMedia> {
  let limitBreach: WorkerError | undefined;
  let info: YtDlpInfo | undefined;
  let finalPath: string | undefined;
  // Bytes of parts already finished (video then audio), plus the part in progress.
  let finishedPartsBytes = 0;

  const args = ytDlpArguments({
    url: options.url,
    ...(options.maxHeight === undefined ? {} : { maxHeight: options.maxHeight }),
    socketTimeoutSeconds: options.socketTimeoutSeconds,
    retries: options.retries,
    outputTemplate: join(options.workDir, 'source.%(ext)s'),
    ...(options.egress ? { proxy: options.egress.proxyUrl } : {}),
    ...(options.jsRuntimes ? { jsRuntimes: options.jsRuntimes } : {}),
    ...(options.cookiesFile ? { cookiesFile: options.cookiesFile } : {}),
    ...(options.pacing ? { pacing: options.pacing } : {}),
    ...(options.subtitles
      ? {
          subtitles: {
            ...options.subtitles,
            outputTemplate: join(options.workDir, SITE_SUBTITLES_DIR, 'source.%(ext)s'),
          },
        }
      : {}),
  });

  const breach = (error: WorkerError) => {
    if (limitBreach) return;
    limitBreach = error;
    options.log(`stopping the download: ${error.message}`);
    running.stop();
  };
  const tooLarge = (bytes: number, how: string) =>
    new WorkerError(
      'TOO_LARGE',
      `The media is larger than the limit of ${megabytes(options.maxBytes)} (${how} ${megabytes(bytes)}).`,
    );

  const onInfo = (value: YtDlpInfo) => {
    info = value;
    if (typeof value.duration === 'number' && value.duration > options.maxDurationSeconds)
      breach(
        new WorkerError(
          'TOO_LONG',
          `The media lasts ${Math.round(value.duration)} s, longer than the limit of ${options.maxDurationSeconds} s.`,
        ),
      );
    else if (typeof value.filesize === 'number' && value.filesize > options.maxBytes)
      breach(tooLarge(value.filesize, 'declared size'));
  };

  const onProgress = (value: YtDlpProgress) => {
    const current = value.downloaded_bytes ?? 0;
    if (value.status === 'finished') {
      finishedPartsBytes += value.total_bytes ?? current;
      return;
    }
    const downloaded = finishedPartsBytes + current;
    if (downloaded > options.maxBytes) return breach(tooLarge(downloaded, 'downloaded so far'));
    // An exact size (progressive download) that already exceeds the limit need not be fetched.
    if (value.total_bytes && finishedPartsBytes + value.total_bytes > options.maxBytes)
      return breach(tooLarge(finishedPartsBytes + value.total_bytes, 'reported size'));
    const partTotal = value.total_bytes ?? value.total_bytes_estimate ?? undefined;
    options.onProgress({
      phase: 'Downloading',
      bytes: Math.round(downloaded),
      ...(partTotal ? { totalBytes: Math.round(finishedPartsBytes + partTotal) } : {}),
      ...(partTotal ? { percent: Math.min(100, Math.round((current / partTotal) * 1000) / 10) } : {}),
      ...(typeof value.speed === 'number' ? { speedBytesPerSecond: Math.round(value.speed) } : {}),
      ...(finishedPartsBytes > 0 ? { detail: 'second stream' } : {}),
    });
  };

  const running = startYtDlp(options, args, (line) => {
    if (line.startsWith(YTDLP_LINE.progress)) {
      const value = parseJson<YtDlpProgress>(line.slice(YTDLP_LINE.progress.length));
      if (value) onProgress(value);
    } else if (line.startsWith(YTDLP_LINE.info)) {
      const value = parseJson<YtDlpInfo>(line.slice(YTDLP_LINE.info.length));
      if (value) onInfo(value);
    } else if (line.startsWith(YTDLP_LINE.file)) {
      finalPath = line.slice(YTDLP_LINE.file.length).trim();
    }
  });

  // HLS/DASH fragments may not be sized by yt-dlp; what is on disk cannot lie.
  const diskCheck = setInterval(() => {
    void directoryBytes(options.workDir).then((bytes) => {
      if (bytes > options.maxBytes) breach(tooLarge(bytes, 'written so far'));
    });
  }, options.diskCheckIntervalMs ?? 500);

  let outcome;
  try {
    outcome = await finishYtDlp(options, running);
  } finally {
    clearInterval(diskCheck);
  }

  if (limitBreach) throw limitBreach;
  if (outcome.exitCode !== 0) throw classifyYtDlpFailure(outcome.exitCode, outcome.stderrTail);
  if (!finalPath || !existsSync(finalPath))
    throw new WorkerError(
      'UNSUPPORTED_URL',
      'yt-dlp finished without producing a media file; the source may offer no downloadable media.',
    );
  const bytes = statSync(finalPath).size;
  if (bytes > options.maxBytes) throw tooLarge(bytes, 'downloaded');
  return {
    path: finalPath,
    bytes,
    ...(info?.title ? { title: info.title } : {}),
    ...(typeof info?.duration === 'number' ? { durationSeconds: info.duration } : {}),
    siteSubtitles: options.subtitles ? siteSubtitlesIn(options.workDir) : [],
  };
}
