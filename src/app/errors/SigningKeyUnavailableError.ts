import { MediaferryError } from '../../shared/errors/MediaferryError.js';

/** The signing key could not be read or created; callbacks cannot be checked until it can. */
export class SigningKeyUnavailableError extends MediaferryError {
  readonly code = 'SIGNING_KEY_UNAVAILABLE';
  readonly retryable = true;
  /** `location`: the container/blob the key lives in. */
  constructor(location: string, cause: unknown) {
    super(
      `The callback signing key could not be loaded from the host storage account ` +
        `(${location}): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'SigningKeyUnavailableError';
  }
}
