import type { AppConfig } from '../config.js';
import { badRequest } from '../http/badRequest.js';

/** The options of a job request that the operator's settings bound, whatever the job's source. */
export interface LimitedJobOptions {
  maxBytes?: number;
  maxDurationSeconds?: number;
  notifyEmail?: string;
}

/** The settings that bound a job request. */
export type OperatorLimits = Pick<AppConfig, 'maxBytesLimit' | 'maxDurationLimitSeconds' | 'email'>;

/**
 * Refuses what the operator's settings do not allow a job (a URL job or an upload alike): a byte
 * or duration ceiling above MAX_BYTES_LIMIT / MAX_DURATION_LIMIT, and a notifyEmail when the app
 * has no mail sender configured.
 */
export function refuseBeyondOperatorLimits(options: LimitedJobOptions, config: OperatorLimits): void {
  if (options.maxBytes !== undefined && options.maxBytes > config.maxBytesLimit)
    throw badRequest(
      'ABOVE_LIMIT',
      `maxBytes may be at most ${config.maxBytesLimit} (the operator's MAX_BYTES_LIMIT).`,
      'maxBytes',
    );
  if (options.maxDurationSeconds !== undefined && options.maxDurationSeconds > config.maxDurationLimitSeconds)
    throw badRequest(
      'ABOVE_LIMIT',
      `maxDurationSeconds may be at most ${config.maxDurationLimitSeconds} (the operator's MAX_DURATION_LIMIT).`,
      'maxDurationSeconds',
    );
  if (options.notifyEmail && !config.email)
    throw badRequest(
      'EMAIL_NOT_CONFIGURED',
      'This app sends no e-mail (ACS_ENDPOINT and EMAIL_SENDER_ADDRESS are not set); leave out notifyEmail.',
      'notifyEmail',
    );
}
