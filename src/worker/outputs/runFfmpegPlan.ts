import type { JobProgress } from '../../shared/contracts.js';
import { runProcess } from '../runProcess.js';
import { WorkerError } from '../WorkerError.js';
import { ffmpegFailure, ffmpegProgressFraction } from '../localMediaInput.js';
import type { FfmpegRun } from './ffmpegPlanArguments.js';

export interface RunFfmpegPlanOptions {
  ffmpegPath: string;
  runs: readonly FfmpegRun[];
  durationSeconds: number;
  signal: AbortSignal;
  onProgress: (progress: JobProgress) => void;
  log: (line: string) => void;
}

/**
 * Runs the plan's ffmpeg runs one after another, turning each run's `-progress` output into one
 * `Processing` percentage across the whole plan (each run counts by its weight).
 */
export async function runFfmpegPlan(options: RunFfmpegPlanOptions): Promise<void> {
  const total = options.runs.reduce((sum, run) => sum + run.weight, 0) || 1;
  let before = 0;
  for (const run of options.runs) {
    options.log(`ffmpeg: ${run.label}`);
    const share = run.weight / total;
    const outcome = await runProcess(options.ffmpegPath, run.args, {
      signal: options.signal,
      onStdoutLine: (line) => {
        const ofRun = ffmpegProgressFraction(line, options.durationSeconds);
        if (ofRun === undefined) return;
        const percent = Math.min(100, (before + ofRun * share) * 100);
        options.onProgress({ phase: 'Processing', percent: Math.round(percent * 10) / 10 });
      },
    }).done;
    if (options.signal.aborted) throw WorkerError.from(options.signal.reason);
    if (outcome.exitCode !== 0)
      throw new WorkerError(
        'TRANSCODE_FAILED',
        `ffmpeg could not make ${run.label}: ${ffmpegFailure(outcome)}`,
      );
    before += share;
    options.onProgress({ phase: 'Processing', percent: Math.round(Math.min(100, before * 100) * 10) / 10 });
  }
}
