import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** The versions of the tools that ran a job, as recorded in its result. */
export interface ToolVersions {
  ytDlp: string;
  ffmpeg: string;
}

const UNKNOWN = 'unknown';
/** Versions are short; anything longer is not a version line and is cut to fit the result schema. */
const MAX_VERSION_LENGTH = 100;

function firstLine(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 15_000, maxBuffer: 64 * 1024 }, (error, stdout) => {
      if (error) resolve(undefined);
      else resolve(stdout.split('\n')[0]?.trim() || undefined);
    });
  });
}

/** Keeps printable ASCII only, bounded, so a tool's odd output cannot break the result. */
function clean(version: string | undefined): string {
  const printable = (version ?? '').replace(/[^\x21-\x7e]/g, '').slice(0, MAX_VERSION_LENGTH);
  return printable === '' ? UNKNOWN : printable;
}

/** A yt-dlp release (`2025.12.08`, or a nightly `2025.12.08.123456`). */
const YT_DLP_VERSION = /^\d{4}\.\d{1,2}\.\d{1,2}(?:\.\d+)?$/;

/**
 * The version the image recorded when it installed yt-dlp (MF_YTDLP_VERSION_FILE): starting yt-dlp
 * just to ask costs a Python start-up — a second or more before the download can begin, because the
 * download's `--js-runtimes` depends on it. A missing or odd file falls back to asking.
 */
async function recordedYtDlpVersion(file: string | undefined): Promise<string | undefined> {
  if (!file) return undefined;
  const text = await readFile(file, 'utf8').catch(() => '');
  const version = text.split('\n')[0]?.trim() ?? '';
  return YT_DLP_VERSION.test(version) ? version : undefined;
}

/**
 * Asks yt-dlp and ffmpeg for their versions, once per worker run. A tool that cannot answer is
 * recorded as "unknown" rather than failing the job: the job itself will say what went wrong.
 */
export async function readToolVersions(paths: {
  ytDlpPath: string;
  ffmpegPath: string;
  ytDlpVersionFile?: string | undefined;
}): Promise<ToolVersions> {
  const [ytDlp, ffmpeg] = await Promise.all([
    recordedYtDlpVersion(paths.ytDlpVersionFile).then(
      (recorded) => recorded ?? firstLine(paths.ytDlpPath, ['--version']),
    ),
    // "ffmpeg version 5.1.6-0+deb12u1 Copyright (c) 2000-2024 the FFmpeg developers"
    firstLine(paths.ffmpegPath, ['-hide_banner', '-version']).then(
      (line) => line?.match(/^ffmpeg version (\S+)/)?.[1],
    ),
  ]);
  return { ytDlp: clean(ytDlp), ffmpeg: clean(ffmpeg) };
}
