/**
 * Base of every emulator's own errors: the HTTP status it is answered with, a stable code, and
 * whether the same request could succeed later without any change.
 */
export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
