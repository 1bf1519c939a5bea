import type { EgressRefusal } from '../shared/egress/startEgressProxy.js';
import { SourceAddressBlockedError } from '../shared/egress/SourceAddressBlockedError.js';
import { runProcess, type ProcessOutcome, type RunningProcess } from './runProcess.js';
import { WorkerError } from './WorkerError.js';

/** The egress guard yt-dlp and the ffmpeg it runs must connect through, and what it refused. */
export interface YtDlpEgress {
  proxyUrl: string;
  refusals: readonly EgressRefusal[];
}

export interface YtDlpRun {
  ytDlpPath: string;
  /** The job's folder; yt-dlp runs (and writes) here. */
  workDir: string;
  egress?: YtDlpEgress;
  signal: AbortSignal;
}

/**
 * yt-dlp's environment with every proxy variable pointing at the egress guard, so the ffmpeg it
 * spawns (HLS/DASH, merging) goes through it too; no host is exempt.
 */
export function proxiedEnvironment(proxyUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['no_proxy', 'NO_PROXY', 'all_proxy', 'ALL_PROXY']) delete env[name];
  for (const name of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) env[name] = proxyUrl;
  return env;
}

/** Starts yt-dlp in the job's folder, through the egress guard when there is one; stops on abort. */
export function startYtDlp(
  run: YtDlpRun,
  args: readonly string[],
  onStdoutLine: (line: string) => void,
): RunningProcess {
  return runProcess(run.ytDlpPath, args, {
    cwd: run.workDir,
    ...(run.egress ? { env: proxiedEnvironment(run.egress.proxyUrl) } : {}),
    signal: run.signal,
    onStdoutLine,
  });
}

/**
 * Waits for yt-dlp to end. A yt-dlp that cannot be started is an internal error; an aborted run
 * throws the abort's reason; any refusal of the egress guard fails the run (closed), even when
 * yt-dlp found something else to fetch.
 */
export async function finishYtDlp(run: YtDlpRun, running: RunningProcess): Promise<ProcessOutcome> {
  let outcome;
  try {
    outcome = await running.done;
  } catch (error) {
    throw new WorkerError('INTERNAL', `yt-dlp could not be started (${run.ytDlpPath}): ${String(error)}`, {
      retryable: false,
      cause: error,
    });
  }
  if (run.signal.aborted) throw WorkerError.from(run.signal.reason);
  const refusal = run.egress?.refusals[0];
  if (refusal)
    throw new WorkerError(
      'SOURCE_ADDRESS_BLOCKED',
      new SourceAddressBlockedError(refusal.host, refusal.port, refusal.reason).message,
    );
  return outcome;
}
