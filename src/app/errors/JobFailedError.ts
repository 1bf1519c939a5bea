import type { JobError } from '../../shared/contracts.js';
import { MediaferryError } from '../../shared/errors/MediaferryError.js';

/** Ends a job's orchestration as Failed; the message reads `<CODE>: <human message>`. */
export class JobFailedError extends MediaferryError {
  override readonly name = 'JobFailedError';
  readonly code: string;
  readonly retryable: boolean;

  constructor(readonly jobError: JobError) {
    super(`${jobError.code}: ${jobError.message}`);
    this.code = jobError.code;
    this.retryable = jobError.retryable;
  }
}
