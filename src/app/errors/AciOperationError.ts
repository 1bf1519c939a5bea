import { MediaferryError } from '../../shared/errors/MediaferryError.js';

/**
 * How a failed ARM call to Container Instances should be handled:
 * - `retryable`: throttling, 5xx, a group still transitioning, no capacity — try the same call again soon;
 * - `quota`: a subscription limit is full — wait (minutes) and try again, the job runs later;
 * - `spot`: Spot capacity or support refused — create the group again as Regular;
 * - `notFound`: the group or its container does not exist;
 * - `terminal`: the request can never succeed as sent (bad image, no permission, invalid spec).
 */
export type AciFailureKind = 'retryable' | 'quota' | 'spot' | 'notFound' | 'terminal';

export class AciOperationError extends MediaferryError {
  override readonly name = 'AciOperationError';
  readonly retryable: boolean;

  constructor(
    readonly kind: AciFailureKind,
    /** Azure's own error code (e.g. `InaccessibleImage`) or a network code (e.g. `ECONNREFUSED`). */
    readonly code: string,
    readonly detail: string,
    readonly statusCode?: number,
  ) {
    // The code leads the message: durable activity failures reach the orchestrator as text only.
    super(`${code}: ${detail}`);
    this.retryable = kind !== 'terminal' && kind !== 'notFound';
  }
}
