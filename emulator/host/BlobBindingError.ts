/**
 * Reading or writing a blob binding failed (bad path, storage unreachable, access denied): the
 * invocation fails with the binding named, as the Functions host fails it. `retryable` is true for
 * failures that another attempt could get past (network, throttling, server errors).
 */
export class BlobBindingError extends Error {
  readonly code = 'BlobBindingFailed';

  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BlobBindingError';
  }
}
