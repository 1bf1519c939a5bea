import { runFfmpegWithProgress } from '../localMediaInput.js';
import type { FfmpegRun } from './ffmpegPlanArguments.js';
import type { WorkerStepOptions } from '../workerStep.js';

export interface RunFfmpegPlanOptions extends WorkerStepOptions {
  ffmpegPath: string;
  runs: readonly FfmpegRun[];
  durationSeconds: number;
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
    await runFfmpegWithProgress(options.ffmpegPath, run.args, {
      signal: options.signal,
      durationSeconds: options.durationSeconds,
      onFraction: (ofRun) => {
        const percent = Math.min(100, (before + ofRun * share) * 100);
        options.onProgress({ phase: 'Processing', percent: Math.round(percent * 10) / 10 });
      },
      failure: `ffmpeg could not make ${run.label}`,
    });
    before += share;
    options.onProgress({ phase: 'Processing', percent: Math.round(Math.min(100, before * 100) * 10) / 10 });
  }
}
