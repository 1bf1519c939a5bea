import { execFile } from 'node:child_process';

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

/**
 * Asks yt-dlp and ffmpeg for their versions, once per worker run. A tool that cannot answer is
 * recorded as "unknown" rather than failing the job: the job itself will say what went wrong.
 */
export async function readToolVersions(paths: {
  ytDlpPath: string;
  ffmpegPath: string;
}): Promise<ToolVersions> {
  const [ytDlp, ffmpeg] = await Promise.all([
    firstLine(paths.ytDlpPath, ['--version']),
    // "ffmpeg version 5.1.6-0+deb12u1 Copyright (c) 2000-2024 the FFmpeg developers"
    firstLine(paths.ffmpegPath, ['-hide_banner', '-version']).then(
      (line) => line?.match(/^ffmpeg version (\S+)/)?.[1],
    ),
  ]);
  return { ytDlp: clean(ytDlp), ffmpeg: clean(ffmpeg) };
}
