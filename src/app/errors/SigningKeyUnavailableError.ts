import { MediaferryError } from '../../shared/errors/MediaferryError.js';

/** A signing key (callback or webhook) could not be read or created; nothing it signs can proceed until it can. */
export class SigningKeyUnavailableError extends MediaferryError {
  readonly code = 'SIGNING_KEY_UNAVAILABLE';
  readonly retryable = true;
  /** `location`: the container/blob the key lives in. */
  constructor(location: string, cause: unknown) {
    super(
      `A signing key could not be loaded from the host storage account ` +
        `(${location}): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'SigningKeyUnavailableError';
  }
}
