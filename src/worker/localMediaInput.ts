import { runProcess } from './runProcess.js';
import { WorkerError } from './WorkerError.js';

/**
 * Input options for every ffmpeg/ffprobe read of a downloaded file. ffmpeg detects formats by
 * content, so a "source.mp4" holding an HLS playlist, DASH manifest or concat list would make it
 * open the URLs listed there, outside the egress proxy; this confines the input (and whatever it
 * nests) to local files and pipes. Placed before each `-i` (ffmpeg) or the file (ffprobe).
 */
export const LOCAL_MEDIA_INPUT = ['-protocol_whitelist', 'file,pipe'] as const;

/** The failure when a downloaded file tried to make ffmpeg open a network URL, if that is what stderr says. */
export function networkReferenceRefused(stderrLines: readonly string[]): WorkerError | undefined {
  if (!stderrLines.some((line) => /not on whitelist/i.test(line))) return undefined;
  return new WorkerError(
    'SOURCE_ADDRESS_BLOCKED',
    'The downloaded file is a playlist or manifest that refers to other URLs; only media downloaded through the egress proxy is processed. Use the URL of the page or of the manifest itself as the source.',
  );
}

/** ffmpeg's leading options for one local input: quiet, no prompts, overwrite, confined input. */
export function ffmpegLocalInput(input: string): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...LOCAL_MEDIA_INPUT, '-i', input];
}

/** The fraction (0–1) of `durationSeconds` an ffmpeg `-progress` line reports, if it reports one. */
export function ffmpegProgressFraction(line: string, durationSeconds: number): number | undefined {
  const match = /^out_time_us=(\d+)/.exec(line);
  if (!match || durationSeconds <= 0) return undefined;
  return Math.min(1, Number(match[1]) / 1e6 / durationSeconds);
}

/** The last lines ffmpeg wrote to stderr, or its exit code when it wrote none: for error messages. */
export function ffmpegFailure(outcome: { exitCode: number | null; stderrTail: readonly string[] }): string {
  return outcome.stderrTail.slice(-3).join(' ') || `exit ${outcome.exitCode}`;
}

/**
 * Runs ffmpeg (whose `args` ask for `-progress pipe:1`), handing each fraction of `durationSeconds`
 * it reports to `onFraction`. A stop signal throws its reason; a failed run throws TRANSCODE_FAILED
 * as `<failure>: <ffmpeg's last stderr lines>`.
 */
export async function runFfmpegWithProgress(
  ffmpegPath: string,
  args: readonly string[],
  options: {
    signal: AbortSignal;
    durationSeconds: number;
    onFraction: (fraction: number) => void;
    failure: string;
  },
): Promise<void> {
  const outcome = await runProcess(ffmpegPath, args, {
    signal: options.signal,
    onStdoutLine: (line) => {
      const fraction = ffmpegProgressFraction(line, options.durationSeconds);
      if (fraction !== undefined) options.onFraction(fraction);
    },
  }).done;
  if (options.signal.aborted) throw WorkerError.from(options.signal.reason);
  if (outcome.exitCode !== 0)
    throw new WorkerError('TRANSCODE_FAILED', `${options.failure}: ${ffmpegFailure(outcome)}`);
}

/**
 * Runs ffprobe with `-v error`, the confined input and `args` on `file`, and parses its JSON; the
 * outcome is undefined JSON when ffprobe failed. A stop signal throws its reason.
 */
export async function ffprobeJson(
  ffprobePath: string,
  args: readonly string[],
  file: string,
  signal?: AbortSignal,
): Promise<{ json: unknown; stderrTail: readonly string[] }> {
  let text = '';
  const outcome = await runProcess(
    ffprobePath,
    ['-v', 'error', ...LOCAL_MEDIA_INPUT, ...args, '-print_format', 'json', '--', file],
    { onStdoutLine: (line) => (text += line + '\n'), ...(signal ? { signal } : {}) },
  ).done;
  if (signal?.aborted) throw WorkerError.from(signal.reason);
  return {
    json: outcome.exitCode === 0 ? (JSON.parse(text) as unknown) : undefined,
    stderrTail: outcome.stderrTail,
  };
}
