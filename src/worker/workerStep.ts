import type { JobProgress } from '../shared/contracts.js';

/** What each step of a job gets from the worker: the job's stop signal and where it reports. */
export interface WorkerStepOptions {
  signal: AbortSignal;
  onProgress: (progress: JobProgress) => void;
  log: (line: string) => void;
}
